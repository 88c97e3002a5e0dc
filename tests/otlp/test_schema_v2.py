"""Schema v2 keeps what OTLP carries (scope version, links); a v1 store and the segments an
older tracekit left in the spool are still read."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.ipc as ipc

from tests.recording import Recorder
from tracekit.otlp import OtlpLink, OtlpSpan
from tracekit.store import SCHEMA_VERSION, SegmentBuilder, StorePaths, TraceStore, write_segment
from tracekit.store.fold import fold_pending


def test_a_v1_store_is_migrated_and_keeps_its_spans(recorder: Recorder) -> None:
    trace_id = recorder.trace()
    with duckdb.connect(str(recorder.store)) as con:
        con.execute("ALTER TABLE spans DROP COLUMN links")
        con.execute("ALTER TABLE spans DROP COLUMN scope_version")
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")

    spans = TraceStore(recorder.store).trace_spans(trace_id)

    assert len(spans) == 6 and all(span.scope_version is None for span in spans)
    with duckdb.connect(str(recorder.store), read_only=True) as con:
        version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert version == (str(SCHEMA_VERSION),)


def test_a_segment_without_the_new_columns_still_folds(tmp_path: Path) -> None:
    paths = StorePaths.for_store(tmp_path / "s.duckdb")
    builder = SegmentBuilder()
    builder.add_otlp(
        OtlpSpan(
            trace_id="5b8efff798038103d269b633813fc60c",
            span_id="eee19b7ec3c1b174",
            parent_span_id=None,
            name="old",
            kind="INTERNAL",
            start_ns=1,
            end_ns=2,
        )
    )
    old_table = builder.to_table().drop_columns(["scope_version", "links"])

    paths.spool.mkdir(parents=True)
    # An Arrow IPC segment as tracekit wrote it before schema v2.
    with ipc.new_file(
        str(paths.spool / "00000000000000000001-1-00000000-abcd.arrow"), old_table.schema
    ) as writer:
        writer.write_table(old_table)
    result = fold_pending(paths, wait_s=5)

    assert result is not None and result.spans == 1


def test_scope_version_and_links_are_stored(tmp_path: Path) -> None:
    paths = StorePaths.for_store(tmp_path / "s.duckdb")
    span = OtlpSpan(
        trace_id="5b8efff798038103d269b633813fc60c",
        span_id="eee19b7ec3c1b174",
        parent_span_id=None,
        name="batch",
        kind="CONSUMER",
        start_ns=1,
        end_ns=2,
        scope_name="worker",
        scope_version="3.2.1",
        links=(OtlpLink("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", {"n": 1}),),
    )
    builder = SegmentBuilder()
    builder.add_otlp(span)
    write_segment(paths, builder.to_table())

    (stored,) = TraceStore(paths.db).trace_spans(span.trace_id)

    assert stored == span
