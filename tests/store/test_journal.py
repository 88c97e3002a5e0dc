"""The run journal: a recorder that died before its writer's round leaves its finished runs in
a journal, and the next reader gets them; the run it was writing when it died is lost whole."""

from __future__ import annotations

import os
from pathlib import Path

from tests.recording import MS, emit_run, new_recorder
from tracekit.store import StorePaths, TraceStore
from tracekit.store.journal import has_orphaned_journals, journal_files


def test_a_dead_recorders_journal_is_folded_and_a_torn_run_is_dropped(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    recorder = new_recorder(store, flush_interval_s=3600)
    first = emit_run(recorder.tracer, start_ns=1_750_000_000_000 * MS)
    second = emit_run(recorder.tracer, start_ns=1_750_000_001_000 * MS)
    (journal,) = journal_files(StorePaths.for_store(store))
    # What a kill -9 leaves: the journal, its lock released, and half a line being written.
    retired = recorder.processor._journal.detach()
    assert retired is not None
    retired.release()
    with open(journal, "ab") as handle:
        handle.write(b'[["torn')

    traces = {t.trace_id: t for t in TraceStore(store).list_traces()}

    assert set(traces) == {first, second}
    assert all(t.span_count == 6 for t in traces.values())
    assert not journal.exists()
    recorder.provider.shutdown()
    assert {t.trace_id for t in TraceStore(store).list_traces()} == {first, second}


def test_a_live_recorders_journal_is_left_alone(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    recorder = new_recorder(store, flush_interval_s=3600)
    emit_run(recorder.tracer)
    (journal,) = journal_files(StorePaths.for_store(store))
    size = os.path.getsize(journal)

    # Nothing to fold yet: the run waits in its writer's journal, which no reader touches.
    assert not has_orphaned_journals(StorePaths.for_store(store))
    assert journal.exists() and os.path.getsize(journal) == size
    recorder.provider.shutdown()
    assert len(TraceStore(store).list_traces()) == 1
    assert journal_files(StorePaths.for_store(store)) == []


def test_a_flush_shows_its_runs_at_once_and_retires_the_journal_once_they_are_synced(
    tmp_path: Path,
) -> None:
    store = tmp_path / "runs.duckdb"
    recorder = new_recorder(store, flush_interval_s=3600)
    trace_id = emit_run(recorder.tracer)
    paths = StorePaths.for_store(store)
    (journal,) = journal_files(paths)

    assert recorder.provider.force_flush()
    # Readers see the run as soon as the flush returns; the journal that also holds it goes
    # once the writer thread has fsynced the segment (a crash meanwhile stores it once).
    assert [t.trace_id for t in TraceStore(store).list_traces()] == [trace_id]
    recorder.provider.shutdown()
    assert not journal.exists()
    traces = TraceStore(store).list_traces()
    assert [(t.trace_id, t.span_count) for t in traces] == [(trace_id, 6)]


def test_a_run_both_in_a_flushed_segment_and_a_dead_recorders_journal_is_stored_once(
    tmp_path: Path,
) -> None:
    store = tmp_path / "runs.duckdb"
    recorder = new_recorder(store, flush_interval_s=3600, fold=False)
    trace_id = emit_run(recorder.tracer)
    paths = StorePaths.for_store(store)
    (journal,) = journal_files(paths)
    recorder.processor._stopping = True  # the writer thread never gets to sync the segment
    recorder.processor._wake.set()
    assert recorder.processor._thread is not None
    recorder.processor._thread.join()
    assert recorder.provider.force_flush()
    # What a kill -9 then leaves: the segment and the journal, its lock released.
    ((_, retired),) = recorder.processor._unsynced
    assert retired is not None and retired.path == journal
    retired.release()

    traces = TraceStore(store).list_traces()

    assert [(t.trace_id, t.span_count) for t in traces] == [(trace_id, 6)]
    assert not journal.exists()
