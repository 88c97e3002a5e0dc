"""A large batch's per-trace summaries are computed on a second thread while its spans are
inserted; the ``traces`` rows must be exactly those of the one-thread fold."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tracekit.benchmarks.store_bench import synthetic_batches
from tracekit.store import StorePaths, fold_pending, write_segment
from tracekit.store import fold as fold_module


def _fold_bench_spans(store: Path) -> list[tuple[Any, ...]]:
    paths = StorePaths.for_store(store)
    batches = list(synthetic_batches(6_000, batch_size=1_000))
    # Three folds, so later folds merge into traces earlier folds stored.
    for start in range(0, len(batches), 2):
        for batch in batches[start : start + 2]:
            write_segment(paths, batch)
        fold_pending(paths, wait_s=5.0)
    with duckdb.connect(str(store), read_only=True) as con:
        return con.execute("SELECT * FROM traces ORDER BY trace_id").fetchall()


def test_summaries_from_the_second_thread_equal_the_one_thread_fold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threaded_calls: list[str] = []
    partial_summaries = fold_module.partial_summaries

    def counted(con: Any, source: str) -> Any:
        threaded_calls.append(source)
        return partial_summaries(con, source)

    monkeypatch.setattr(fold_module, "partial_summaries", counted)
    monkeypatch.setattr(fold_module, "PARALLEL_SUMMARY_MIN_SPANS", 10**9)
    serial = _fold_bench_spans(tmp_path / "serial.duckdb")
    assert threaded_calls == []
    monkeypatch.setattr(fold_module, "PARALLEL_SUMMARY_MIN_SPANS", 1)
    threaded = _fold_bench_spans(tmp_path / "threaded.duckdb")

    assert len(threaded_calls) == 3
    assert len(serial) > 300
    assert threaded == serial


def test_a_failing_summary_thread_fails_the_batch_like_any_statement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(con: Any, source: str) -> Any:
        raise duckdb.InvalidInputException("summary failed")

    monkeypatch.setattr(fold_module, "partial_summaries", broken)
    monkeypatch.setattr(fold_module, "PARALLEL_SUMMARY_MIN_SPANS", 1)
    paths = StorePaths.for_store(tmp_path / "store.duckdb")
    for batch in synthetic_batches(200, batch_size=100):
        write_segment(paths, batch)

    fold_pending(paths, wait_s=5.0)

    # Like any statement of the fold failing on the batch: each segment is tried alone and,
    # failing alone too, set aside; nothing half-folded stays in the tables.
    with duckdb.connect(str(paths.db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM spans").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM traces").fetchone() == (0,)
    assert len(fold_module.rejected_segments(paths)) == 2


def test_an_interrupt_while_the_summary_thread_runs_waits_for_it_and_folds_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    partial_summaries = fold_module.partial_summaries
    summaries: list[Any] = []

    def slow(con: Any, source: str) -> Any:
        time.sleep(0.3)  # still running when the fold's thread starts waiting for it
        return partial_summaries(con, source)

    class Interrupted(fold_module._BackgroundSummary):
        """Ctrl-C lands while the fold's thread waits for the summaries."""

        def __init__(self, con: Any, batch: Any) -> None:
            super().__init__(con, batch)
            summaries.append(self)
            join = self._thread.join
            calls = 0

            def interrupted_join(timeout: float | None = None) -> None:
                nonlocal calls
                calls += 1
                if calls == 1:
                    raise KeyboardInterrupt
                join(timeout)

            self._thread.join = interrupted_join  # type: ignore[method-assign]

    monkeypatch.setattr(fold_module, "partial_summaries", slow)
    monkeypatch.setattr(fold_module, "_BackgroundSummary", Interrupted)
    monkeypatch.setattr(fold_module, "PARALLEL_SUMMARY_MIN_SPANS", 1)
    paths = StorePaths.for_store(tmp_path / "store.duckdb")
    for batch in synthetic_batches(200, batch_size=100):
        write_segment(paths, batch)

    with pytest.raises(KeyboardInterrupt):
        fold_pending(paths, wait_s=5.0)

    # The interrupt went on only once the thread's query was done: nothing of the fold's
    # still runs on the closed instance, nothing was committed, nothing was set aside.
    (summary,) = summaries
    assert not summary._thread.is_alive()
    assert len(fold_module.pending_segments(paths)) == 2
    assert fold_module.rejected_segments(paths) == []
    monkeypatch.undo()
    assert fold_pending(paths, wait_s=5.0) == fold_module.FoldResult(segments=2, spans=200)
