"""Segments that cannot fold are set aside with a reason, and everything else goes on:
readers never crash, new spans keep folding, `tracekit doctor` says what was rejected."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

from tests.recording import Recorder, run_cli
from tracekit.store import (
    SEGMENT_SCHEMA,
    SegmentBuilder,
    StorePaths,
    TraceStore,
    pending_segments,
    write_segment,
)


def _segment(trace: str, *, attributes: str | None = None, name: str = "chat m") -> pa.Table:
    builder = SegmentBuilder()
    builder.add(
        trace_id=trace * 32,
        span_id="b" * 16,
        parent_span_id=None,
        name=name,
        kind="INTERNAL",
        start_ns=1,
        end_ns=2,
        status_code="OK",
        attributes={"k": "v"},
    )
    table = builder.to_table()
    if attributes is not None:
        index = table.schema.get_field_index("attributes")
        table = table.set_column(index, "attributes", pa.array([attributes], pa.string()))
    return table


def test_a_segment_with_invalid_json_is_rejected_and_the_rest_folds(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    paths = StorePaths.for_store(store)
    write_segment(paths, _segment("a"))
    write_segment(paths, _segment("c", attributes="{not json"))
    write_segment(paths, _segment("d"))

    listed = run_cli("traces", "--store", str(store), "--json")

    assert listed.returncode == 0, listed.stderr
    assert "Traceback" not in listed.stderr
    assert {row["trace_id"][0] for row in json.loads(listed.stdout)} == {"a", "d"}
    rejected = sorted((paths.spool / "rejected").iterdir())
    assert [path.suffix for path in rejected] == [".arrow", ".reason"]
    assert "Malformed JSON" in rejected[1].read_text()
    # New spans still fold after the rejected one, and every reader keeps working.
    write_segment(paths, _segment("e"))
    assert len(TraceStore(store).list_traces()) == 3
    for command in (("stats",), ("show", "e" * 8), ("export", "--out", str(tmp_path / "o"))):
        result = run_cli(*command, "--store", str(store))
        assert result.returncode == 0, result.stderr


def test_doctor_lists_rejected_segments_with_their_reasons(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    paths = StorePaths.for_store(store)
    write_segment(paths, _segment("a"))
    TraceStore(store).list_traces()
    healthy = run_cli("doctor", "--store", str(store))
    assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    assert "1 traces, 1 spans" in healthy.stdout

    # The bad value is untrusted text: its escape sequence must never reach the terminal.
    write_segment(paths, _segment("c", attributes="[1, \x1b]52;c;aGk=\x07"))
    TraceStore(store).list_traces()
    found = run_cli("doctor", "--store", str(store), "--json")
    shown = run_cli("doctor", "--store", str(store))

    assert found.returncode == 1
    report = json.loads(found.stdout)
    assert len(report["rejected"]) == 1
    assert "Malformed JSON" in report["rejected"][0]["reason"]
    assert report["traces"] == 1
    assert shown.returncode == 1 and "rejected   1 segment(s)" in shown.stdout
    assert "\x1b" not in shown.stdout + shown.stderr and "\\x1b]52" in shown.stdout


def test_doctor_without_a_store_could_not_run(tmp_path: Path) -> None:
    result = run_cli("doctor", "--store", str(tmp_path / "none.duckdb"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no store at" in result.stderr


def test_lone_surrogates_are_replaced_not_a_lost_batch(
    tmp_path: Path, make_recorder: type[Recorder]
) -> None:
    recorder = make_recorder(tmp_path / "runs.duckdb")
    tracer = recorder.tracer
    for i in range(200):
        with tracer.start_as_current_span(f"span {i}", attributes={"i": i}):
            pass
    with tracer.start_as_current_span("caf\udce9", attributes={"note\udce9": "caf\udce9"}):
        pass
    recorder.flush()

    spans = TraceStore(recorder.store).list_traces(limit=500)
    assert len(spans) == 201
    (odd,) = [trace for trace in spans if "caf" in trace.root_name]
    assert odd.root_name == "caf\ufffd"


def test_otlp_json_with_invalid_utf8_and_surrogates_is_imported(tmp_path: Path) -> None:
    line = (
        b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c",'
        b'"spanId":"eee19b7ec3c1b174","name":"caf\\udce9 \xff","kind":3,'
        b'"attributes":[{"key":"k","value":{"stringValue":"v\\udce9"}}],'
        b'"startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}\n'
    )
    trace_file = tmp_path / "odd.jsonl"
    trace_file.write_bytes(line)
    store = tmp_path / "runs.duckdb"

    result = run_cli("import", str(trace_file), "--store", str(store))

    assert result.returncode == 0, result.stderr
    (span,) = TraceStore(store).get_trace("5b8efff7").spans
    assert span.name == "caf\ufffd \ufffd"
    assert span.attributes["k"] == "v\ufffd"


def test_a_damaged_database_names_the_file_and_how_to_recover(
    tmp_path: Path, make_recorder: type[Recorder]
) -> None:
    recorder = make_recorder(tmp_path / "runs.duckdb")
    for i in range(3):
        recorder.trace(start_ns=(1_750_000_000 + i) * 10**9)
    recorder.processor.shutdown()
    db = recorder.store
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])

    result = run_cli("traces", "--store", str(db))

    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert str(db) in result.stderr and "tracekit doctor" in result.stderr
    assert "not a tracekit store" not in result.stderr
    doctor = run_cli("doctor", "--store", str(db))
    assert doctor.returncode == 1 and "damaged" in doctor.stdout


def test_spooled_spans_survive_a_damaged_database_and_fold_into_a_new_one(
    tmp_path: Path, make_recorder: type[Recorder]
) -> None:
    recorder = make_recorder(tmp_path / "runs.duckdb")
    recorder.trace()
    recorder.processor.shutdown()
    db = recorder.store
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])
    paths = StorePaths.for_store(db)
    write_segment(paths, _segment("e"))

    failed = run_cli("traces", "--store", str(db))

    # The database is at fault, not the segment: it stays in the spool, not rejected.
    assert failed.returncode == 1
    assert len(pending_segments(paths)) == 1
    assert not (paths.spool / "rejected").exists()
    db.rename(tmp_path / "runs.duckdb.damaged")
    recovered = run_cli("traces", "--store", str(db), "--json")
    assert recovered.returncode == 0, recovered.stderr
    assert [row["trace_id"] for row in json.loads(recovered.stdout)] == ["e" * 32]


def test_a_null_where_the_schema_forbids_it_is_rejected(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    paths = StorePaths.for_store(store)
    loose = pa.schema([field.with_nullable(True) for field in SEGMENT_SCHEMA])
    table = _segment("a").cast(loose)
    table = table.set_column(1, loose.field("span_id"), pa.array([None], pa.string()))
    paths.spool.mkdir(parents=True)
    segment = paths.spool / "00000000000000000001-1-00000000-0000abcd.arrow"
    with open(segment, "wb") as handle, ipc.new_file(handle, loose) as writer:
        writer.write_table(table)
    write_segment(paths, _segment("d"))

    assert [t.trace_id[0] for t in TraceStore(store).list_traces()] == ["d"]
    reason = paths.spool / "rejected" / "00000000000000000001-1-00000000-0000abcd.arrow.reason"
    assert "null" in reason.read_text()


def _with_raw_text(table: pa.Table, column: str, raw: bytes) -> pa.Table:
    """``table`` with ``column`` holding ``raw`` as it is, valid UTF-8 or not (as a damaged
    or foreign segment file may)."""
    text = pa.array([raw], pa.binary()).view(pa.string())
    index = table.schema.get_field_index(column)
    return table.set_column(index, table.schema.field(column), text)


def test_a_segment_with_invalid_utf8_is_rejected_and_the_rest_folds(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    paths = StorePaths.for_store(store)
    write_segment(paths, _segment("a"))
    write_segment(paths, _with_raw_text(_segment("c"), "name", b"caf\xe9"))
    write_segment(paths, _with_raw_text(_segment("e"), "attributes", b'{"k": "\xff\xfe"}'))
    write_segment(paths, _segment("d"))

    listed = run_cli("traces", "--store", str(store), "--json")

    assert listed.returncode == 0, listed.stderr
    assert "Traceback" not in listed.stderr
    assert {row["trace_id"][0] for row in json.loads(listed.stdout)} == {"a", "d"}
    reasons = sorted((paths.spool / "rejected").glob("*.reason"))
    assert len(reasons) == 2
    shown = run_cli("show", "d" * 8, "--store", str(store))
    assert shown.returncode == 0, shown.stderr
