"""A writer's folds through one kept DuckDB instance: the file is open only while folding."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.recording import Recorder
from tracekit.store import TraceStore, fold_pending, pending_segments
from tracekit.store.writer_engine import WriterEngine

_QUERY = (
    "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
    "print(con.execute(sys.argv[2]).fetchone()[0])"
)


def _from_another_process(store: Path, sql: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _QUERY, str(store), sql], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


def _count_from_another_process(store: Path) -> int:
    return _from_another_process(store, "SELECT count(*) FROM spans")


@pytest.fixture
def recorder(tmp_path: Path, make_recorder: type[Recorder]) -> Recorder:
    """A recorder that leaves its segments for the test's own folds; one trace recorded."""
    recorder = make_recorder(tmp_path / "store.duckdb", fold=False)
    recorder.trace()
    return recorder


@pytest.fixture
def engine() -> Iterator[WriterEngine]:
    """A writer engine, closed after the test."""
    engine = WriterEngine()
    yield engine
    engine.close()


def test_between_folds_another_process_reads_the_store(
    recorder: Recorder, engine: WriterEngine
) -> None:
    paths = recorder.processor.paths
    first = fold_pending(paths, wait_s=5, engine=engine)
    # Detached after the fold: checkpointed (no WAL left) and not locked.
    assert not recorder.store.with_name(recorder.store.name + ".wal").exists()
    assert _count_from_another_process(recorder.store) == 6
    recorder.trace(start_ns=1_760_000_000_000_000_000)
    second = fold_pending(paths, wait_s=5, engine=engine)

    assert first is not None and second is not None
    assert (first.spans, second.spans) == (6, 6)
    assert not pending_segments(paths)
    assert _count_from_another_process(recorder.store) == 12
    assert len(TraceStore(recorder.store).list_traces()) == 2


def test_a_failed_fold_drops_the_instance_and_the_next_one_starts_afresh(
    recorder: Recorder, engine: WriterEngine
) -> None:
    paths = recorder.processor.paths
    con = engine.open(paths.db, wait_s=5)
    engine.release(con, failed=True)
    # The instance is closed, and the file with it: another process opens it.
    assert _from_another_process(recorder.store, "SELECT 1") == 1
    result = fold_pending(paths, wait_s=5, engine=engine)

    assert result is not None and result.spans == 6
    assert _count_from_another_process(recorder.store) == 6
