"""The span processor: cheap on the hot path, writes in the background, never breaks the
program it observes."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from tests.recording import MS, Recorder, emit_run
from tracekit.store import TraceStore, pending_segments
from tracekit.store.convert import SegmentBuilder
from tracekit.store.spool import read_segment


def test_spans_reach_the_store_without_an_explicit_flush(
    tmp_path: Path, make_recorder: type[Recorder]
) -> None:
    recorder = make_recorder(tmp_path / "store.duckdb", flush_interval_s=0.05)
    emit_run(recorder.tracer)

    deadline = time.monotonic() + 20
    while not pending_segments(recorder.processor.paths) and not recorder.store.exists():
        assert time.monotonic() < deadline, "the writer thread never wrote the spans"
        time.sleep(0.02)

    assert TraceStore(recorder.store).list_traces()[0].span_count == 6


def test_the_writer_thread_folds_when_its_fold_is_due_and_readers_never_wait_for_it(
    tmp_path: Path, make_recorder: type[Recorder]
) -> None:
    # Not due (an hour's interval, a handful of spans): written, left in the spool ...
    lazy = make_recorder(tmp_path / "lazy.duckdb", flush_interval_s=0.05, fold_interval_s=3600)
    emit_run(lazy.tracer)
    deadline = time.monotonic() + 20
    while not pending_segments(lazy.processor.paths):
        assert time.monotonic() < deadline, "the writer thread never wrote the spans"
        time.sleep(0.02)
    time.sleep(0.2)  # a few more writer rounds: still no fold
    assert pending_segments(lazy.processor.paths)
    assert not lazy.store.exists()
    # ... which a reader folds first: the run is there.
    assert TraceStore(lazy.store).list_traces()[0].span_count == 6

    # Due at every round: the writer thread folds them itself.
    eager = make_recorder(tmp_path / "eager.duckdb", flush_interval_s=0.05, fold_interval_s=0)
    emit_run(eager.tracer)
    while not eager.store.exists() or pending_segments(eager.processor.paths):
        assert time.monotonic() < deadline, "the writer thread never folded the spans"
        time.sleep(0.02)
    assert TraceStore(eager.store).list_traces()[0].span_count == 6


def test_a_full_buffer_is_written_in_batches_of_max_batch(
    tmp_path: Path, make_recorder: type[Recorder]
) -> None:
    recorder = make_recorder(tmp_path / "store.duckdb", max_batch=4, fold=False)
    emit_run(recorder.tracer)
    recorder.flush()

    assert len(pending_segments(recorder.processor.paths)) == 2  # 6 spans: 4 + 2
    assert TraceStore(recorder.store).list_traces()[0].span_count == 6


def test_runs_past_an_arrow_batch_are_each_written_once_in_segments_of_max_batch(
    tmp_path: Path, make_recorder: type[Recorder]
) -> None:
    # 100 runs of 6 spans: past ARROW_BATCH_ROWS, the first 86 runs are made one Arrow table
    # at the end of a run, the rest stay rows; the writer joins them.
    recorder = make_recorder(tmp_path / "store.duckdb", max_batch=250, fold=False)
    trace_ids = {emit_run(recorder.tracer, start_ns=1_750_000_000_000 * MS + i) for i in range(100)}
    recorder.flush()

    segments = pending_segments(recorder.processor.paths)
    sizes = [read_segment(segment).num_rows for segment in segments]
    assert sum(sizes) == 600 and max(sizes) <= 250, sizes
    traces = TraceStore(recorder.store).list_traces(limit=200)
    assert {t.trace_id for t in traces} == trace_ids
    assert {t.span_count for t in traces} == {6}


def test_rows_that_cannot_become_a_table_at_the_end_of_a_run_are_still_written(
    tmp_path: Path, make_recorder: type[Recorder], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(builder: SegmentBuilder) -> None:
        raise RuntimeError("no table now")

    # on_end's conversion fails: the rows stay buffered, and the writer converts them itself.
    monkeypatch.setattr(SegmentBuilder, "take_table", refuse)
    recorder = make_recorder(tmp_path / "store.duckdb", fold=False)
    trace_ids = {emit_run(recorder.tracer, start_ns=1_750_000_000_000 * MS + i) for i in range(100)}
    recorder.flush()

    assert {t.trace_id for t in TraceStore(recorder.store).list_traces(limit=200)} == trace_ids


def test_storage_failures_are_logged_never_raised(
    tmp_path: Path, make_recorder: type[Recorder], caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    recorder = make_recorder(blocker / "store.duckdb")  # its folder cannot exist

    with caplog.at_level(logging.ERROR, logger="tracekit"):
        emit_run(recorder.tracer)
        recorder.provider.force_flush()
        recorder.provider.shutdown()

    assert "could not be written" in caplog.text


def test_spans_ended_after_shutdown_are_ignored(recorder: Recorder) -> None:
    recorder.trace()
    recorder.provider.shutdown()

    emit_run(recorder.tracer, workflow="late")

    assert [t.workflow for t in TraceStore(recorder.store).list_traces()] == ["doc-pipeline"]
