"""The run journal: a recorder that died before its writer's round leaves its finished runs in
a journal, and the next reader gets them; the run it was writing when it died is lost whole."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import duckdb
import orjson
import pytest
from opentelemetry import trace
from opentelemetry.trace import Tracer

from tests.recording import MS, emit_run, new_recorder, run_cli
from tracekit import semconv as sc
from tracekit.store import StorePaths, TraceStore
from tracekit.store.fold import fold_pending, rejected_segments
from tracekit.store.journal import (
    JOURNAL_SUFFIX,
    RunJournal,
    _read_rows,
    has_orphaned_journals,
    journal_files,
)


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


def _odd_run(tracer: Tracer) -> None:
    """A run whose spans take the converter's general path (JSON spelt the stdlib's way)
    beside spans its plan takes."""
    root = tracer.start_span(
        sc.workflow_span_name("odd"),
        attributes={
            sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW,
            sc.GEN_AI_WORKFLOW_NAME: "odd",
        },
    )
    with trace.use_span(root, end_on_exit=False):
        span = tracer.start_span(
            "odd values",
            attributes={
                "tiny": 5.960464477539063e-8,
                "nan": float("nan"),
                "big": 2**70,
                "text": "café \u2028 \x1f",
                sc.GEN_AI_INPUT_MESSAGES: '[{"role":"user","parts":[]}]',
            },
        )
        span.end()
    root.end()


def test_a_journal_gives_back_every_row_byte_for_byte(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    recorder = new_recorder(store, flush_interval_s=3600)
    emit_run(recorder.tracer)
    _odd_run(recorder.tracer)
    rows = recorder.processor._builder.rows_since(0)
    (journal,) = journal_files(StorePaths.for_store(store))
    lines = journal.read_bytes().splitlines()

    fd = os.open(journal, os.O_RDONLY)
    try:
        recovered = _read_rows(fd, journal)
    finally:
        os.close(fd)

    assert recovered == rows
    # The planned spans' JSON is embedded as JSON, not escaped into strings; the odd span's
    # (the stdlib's spelling: 5.960464477539063e-08, NaN) stays a string.
    first_run = orjson.loads(lines[0])
    assert all(type(row[25]) is dict for row in first_run)
    odd = [row for row in orjson.loads(lines[1]) if row[3] == "odd values"]
    assert [type(row[25]) for row in odd] == [str]
    assert "e-08" in odd[0][25] and "NaN" in odd[0][25]
    recorder.provider.shutdown()


def test_a_journal_written_before_json_was_embedded_is_still_recovered(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    recorder = new_recorder(store, flush_interval_s=3600)
    emit_run(recorder.tracer)
    rows = recorder.processor._builder.rows_since(0)
    recorder.provider.shutdown()
    expected = TraceStore(store).list_traces()
    paths = StorePaths.for_store(store)
    other = tmp_path / "other.duckdb"
    other_paths = StorePaths.for_store(other)
    other_paths.spool.mkdir(parents=True)
    # Every JSON column a string, as journals were written before.
    (other_paths.spool / f".0-1-00000000-old{JOURNAL_SUFFIX}").write_bytes(
        orjson.dumps(rows, option=orjson.OPT_APPEND_NEWLINE)
    )

    traces = TraceStore(other).list_traces()

    assert [(t.trace_id, t.span_count, t.input_tokens) for t in traces] == [
        (t.trace_id, t.span_count, t.input_tokens) for t in expected
    ]
    assert journal_files(other_paths) == []
    query = (
        "SELECT s.trace_id, s.span_id, s.attributes, s.resource, c.attributes FROM spans AS s "
        "LEFT JOIN span_content AS c USING (trace_id, span_id) ORDER BY 2"
    )
    with (
        duckdb.connect(str(paths.db), read_only=True) as a,
        duckdb.connect(str(other_paths.db), read_only=True) as b,
    ):
        assert a.execute(query).fetchall() == b.execute(query).fetchall()


def test_a_journal_line_of_malformed_rows_is_set_aside(tmp_path: Path) -> None:
    paths = StorePaths.for_store(tmp_path / "runs.duckdb")
    paths.spool.mkdir(parents=True)
    journal = paths.spool / f".0-1-00000000-bad{JOURNAL_SUFFIX}"
    journal.write_bytes(b'[["too", "short"]]\n')

    fold_pending(paths, wait_s=5.0)

    assert not journal.exists()
    assert [r.path.name for r in rejected_segments(paths)] == [journal.name]


def test_a_reader_never_takes_a_journal_being_opened_for_a_dead_writers(tmp_path: Path) -> None:
    paths = StorePaths.for_store(tmp_path / "runs.duckdb")
    paths.spool.mkdir(parents=True)
    stop = threading.Event()
    orphans: list[bool] = []

    def reader() -> None:  # a `tracekit traces` polling the store while runs are recorded
        while not stop.is_set():
            orphans.append(has_orphaned_journals(paths))

    watcher = threading.Thread(target=reader)
    watcher.start()
    try:
        # Each recording process opens its journal on its first finished run: here, many.
        for _ in range(2000):
            journal = RunJournal(paths)
            journal.append(b"[]\n")
            retired = journal.detach()
            assert retired is not None
            retired.discard()
    finally:
        stop.set()
        watcher.join()

    assert orphans and not any(orphans)


def test_a_recorder_killed_before_its_first_run_leaves_no_store_not_a_damaged_one(
    tmp_path: Path,
) -> None:
    store = tmp_path / "runs.duckdb"
    paths = StorePaths.for_store(store)
    paths.spool.mkdir(parents=True)
    journal = paths.spool / f".0-1-00000000-empty{JOURNAL_SUFFIX}"
    journal.touch()  # opened, then killed before it wrote a run

    result = run_cli("traces", "--store", str(store))

    assert result.returncode == 3
    assert result.stderr.startswith("tracekit: error: no store at ")
    assert len(result.stderr.splitlines()) == 1
    assert not journal.exists() and not store.exists()


def test_a_journal_whose_rows_no_table_holds_is_set_aside(tmp_path: Path) -> None:
    # A time past what int64 holds (an OTLP or SDK time is any 64-bit number): the rows
    # read, but no segment can hold them. The journal is set aside; folds and readers go on.
    store = tmp_path / "runs.duckdb"
    recorder = new_recorder(store, flush_interval_s=3600)
    trace_id = emit_run(recorder.tracer)
    rows = recorder.processor._builder.rows_since(0)
    recorder.provider.shutdown()
    paths = StorePaths.for_store(store)
    late = [(*row[:5], 2**63, 2**63 + 1, *row[7:]) for row in rows]
    journal = paths.spool / f".0-1-00000000-late{JOURNAL_SUFFIX}"
    journal.write_bytes(orjson.dumps(late, option=orjson.OPT_APPEND_NEWLINE))

    fold_pending(paths, wait_s=5.0)

    assert not journal.exists()
    assert [r.path.name for r in rejected_segments(paths)] == [journal.name]
    assert [t.trace_id for t in TraceStore(store).list_traces()] == [trace_id]


def _short_then_full_disk(monkeypatch: pytest.MonkeyPatch, journal_fd: int) -> None:
    """The next write to ``journal_fd`` takes only half its bytes, and the write of the rest
    fails as on a full disk (writes to other files are untouched)."""
    real_write = os.write
    calls = 0

    def write(fd: int, data: bytes | memoryview) -> int:
        nonlocal calls
        if fd != journal_fd:
            return real_write(fd, data)
        calls += 1
        if calls == 1:
            return real_write(fd, bytes(data[: len(data) // 2]))
        if calls == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)


def test_a_line_whose_rest_could_not_be_written_leaves_no_half_line_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = RunJournal(StorePaths.for_store(tmp_path / "runs.duckdb"))
    journal.append(b'[["first"]]\n')
    assert journal._fd is not None and journal._path is not None
    _short_then_full_disk(monkeypatch, journal._fd)

    with pytest.raises(OSError) as raised:
        journal.append(b'[["second, half of it written"]]\n')
    journal.append(b'[["third"]]\n')

    assert raised.value.errno == errno.ENOSPC
    assert journal._path.read_bytes() == b'[["first"]]\n[["third"]]\n'


def _no_cutting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cutting a file short fails too (as on a failing disk)."""

    def ftruncate(fd: int, length: int) -> None:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(os, "ftruncate", ftruncate)


def test_a_journal_whose_torn_line_cannot_be_cut_takes_no_more_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = StorePaths.for_store(tmp_path / "runs.duckdb")
    journal = RunJournal(paths)
    journal.append(b'[["first"]]\n')
    first = journal._path
    assert journal._fd is not None and first is not None
    _short_then_full_disk(monkeypatch, journal._fd)
    _no_cutting(monkeypatch)
    second = b'[["second, half of it written"]]\n'

    with pytest.raises(OSError):
        journal.append(second)
    journal.append(b'[["third"]]\n')

    # The half line stays the first journal's last (recovery drops it as a run in flight);
    # the next line went to a journal of its own, not after it.
    assert first.read_bytes() == b'[["first"]]\n' + second[: len(second) // 2]
    assert journal._path is not None and journal._path != first
    assert journal._path.read_bytes() == b'[["third"]]\n'
    retired = journal.detach()
    assert retired is not None
    retired.discard()  # both hold rows now in a segment: both go
    assert journal_files(paths) == []


@pytest.mark.parametrize("cut_fails", [False, True], ids=["cut off", "cut fails"])
def test_a_run_whose_journal_line_failed_halfway_costs_no_other_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cut_fails: bool
) -> None:
    store = tmp_path / "runs.duckdb"
    recorder = new_recorder(store, flush_interval_s=3600)
    processor = recorder.processor
    first = emit_run(recorder.tracer, start_ns=1_750_000_000_000 * MS)
    processor._stopping = True  # no writer round: the runs stay in the journal alone
    processor._wake.set()
    assert processor._thread is not None
    processor._thread.join()
    assert processor._journal._fd is not None
    _short_then_full_disk(monkeypatch, processor._journal._fd)
    if cut_fails:
        _no_cutting(monkeypatch)
    # Its line is half written, then the disk is full; the next run's line holds both runs
    # (in a journal of its own when the half line could not be cut off).
    second = emit_run(recorder.tracer, start_ns=1_750_000_001_000 * MS)
    third = emit_run(recorder.tracer, start_ns=1_750_000_002_000 * MS)
    monkeypatch.undo()
    paths = StorePaths.for_store(store)
    journals = journal_files(paths)
    assert len(journals) == (2 if cut_fails else 1)
    # What a kill -9 then leaves: the journal, its lock released, and no recorder whose
    # buffer a reader here would write first.
    retired = processor._journal.detach()
    assert retired is not None
    retired.release()
    processor._closed = True

    traces = {t.trace_id: t.span_count for t in TraceStore(store).list_traces()}

    assert traces == {first: 6, second: 6, third: 6}
    assert rejected_segments(paths) == []
    assert not any(journal.exists() for journal in journals)
