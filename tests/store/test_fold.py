"""Folding the spool into the database: exactly once, even across crashes and bad files."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from tests.recording import Recorder
from tracekit.store import StorePaths, TraceStore, fold_pending, pending_segments, write_segment


def _span_count(store: Path) -> int:
    with duckdb.connect(str(store), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM spans").fetchone()
    assert row is not None
    return int(row[0])


def test_a_crash_between_commit_and_unlink_never_inserts_twice(
    tmp_path: Path, make_recorder: type[Recorder]
) -> None:
    recorder = make_recorder(tmp_path / "store.duckdb", fold=False)
    trace_id = recorder.trace()
    paths = recorder.processor.paths
    (segment,) = pending_segments(paths)
    kept = tmp_path / "kept.segment"
    shutil.copy(segment, kept)

    first = fold_pending(paths, wait_s=5)
    assert first is not None and (first.segments, first.spans) == (1, 6)
    # The crash: the commit happened but the segment file is still there.
    shutil.copy(kept, segment)
    again = fold_pending(paths, wait_s=5)

    assert again is not None and again.segments == 0
    assert not pending_segments(paths)
    assert _span_count(recorder.store) == 6
    assert TraceStore(recorder.store).get_trace(trace_id).summary.span_count == 6


def test_an_unreadable_segment_is_set_aside_and_the_rest_is_folded(
    tmp_path: Path, make_recorder: type[Recorder]
) -> None:
    recorder = make_recorder(tmp_path / "store.duckdb", fold=False)
    paths = recorder.processor.paths
    bad = paths.spool / "00000000000000000000-1-00000000-deadbeef.parquet"
    recorder.trace()
    bad.write_bytes(b"not parquet at all")
    recorder.trace(start_ns=1_760_000_000_000_000_000)

    traces = TraceStore(recorder.store).list_traces()

    assert len(traces) == 2
    assert not pending_segments(paths)
    assert (paths.spool / "rejected" / bad.name).exists()


def test_a_store_path_with_glob_characters_works(
    make_recorder: type[Recorder], tmp_path: Path
) -> None:
    folder = tmp_path / "runs [2025]*"
    folder.mkdir()
    recorder = make_recorder(folder / "store.duckdb")
    trace_id = recorder.trace()

    assert TraceStore(folder / "store.duckdb").resolve_trace_id(trace_id[:8]) == trace_id


def test_segments_written_by_hand_are_folded_by_the_next_reader(tmp_path: Path) -> None:
    paths = StorePaths.for_store(tmp_path / "store.duckdb")
    from tracekit.store import SegmentBuilder

    builder = SegmentBuilder()
    builder.add(
        trace_id="ab" * 16,
        span_id="cd" * 8,
        parent_span_id=None,
        name="invoke_workflow imported",
        kind="SERVER",
        start_ns=10,
        end_ns=30,
        status_code="OK",
        attributes={"gen_ai.workflow.name": "imported"},
        resource={"service.name": "elsewhere"},
    )
    table: pa.Table = builder.to_table()
    write_segment(paths, table)
    assert not paths.db.exists()

    (summary,) = TraceStore(paths.db).list_traces()

    assert (summary.trace_id, summary.workflow, summary.service_name) == (
        "ab" * 16,
        "imported",
        "elsewhere",
    )


def test_a_parquet_segment_from_an_older_tracekit_is_still_folded(
    tmp_path: Path, make_recorder: type[Recorder]
) -> None:
    recorder = make_recorder(tmp_path / "store.duckdb", fold=False)
    trace_id = recorder.trace()
    paths = recorder.processor.paths
    (segment,) = pending_segments(paths)
    assert segment.suffix == ".arrow"
    table = pa.ipc.open_file(pa.memory_map(str(segment))).read_all()
    legacy = segment.with_suffix(".parquet")
    pq.write_table(table, legacy, compression="snappy")
    segment.unlink()

    summary = TraceStore(recorder.store).get_trace(trace_id).summary

    assert summary.span_count == 6
    assert not pending_segments(paths)


def test_a_damaged_arrow_segment_is_set_aside(
    tmp_path: Path, make_recorder: type[Recorder]
) -> None:
    recorder = make_recorder(tmp_path / "store.duckdb", fold=False)
    paths = recorder.processor.paths
    first = recorder.trace()
    (good,) = pending_segments(paths)
    data = bytearray(good.read_bytes())
    truncated = paths.spool / "00000000000000000000-1-00000000-00000001.arrow"
    truncated.write_bytes(bytes(data[: len(data) // 2]))
    # Same framing, garbage inside the buffers (offsets and UTF-8 no longer make sense).
    scribbled = paths.spool / "00000000000000000000-1-00000000-00000002.arrow"
    middle = len(data) // 2
    data[middle - 200 : middle + 200] = b"\xff" * 400
    scribbled.write_bytes(bytes(data))

    traces = TraceStore(recorder.store).list_traces()

    assert [summary.trace_id for summary in traces] == [first]
    assert not pending_segments(paths)
    assert (paths.spool / "rejected" / truncated.name).exists()
    assert (paths.spool / "rejected" / scribbled.name).exists()
    assert _span_count(recorder.store) == 6
