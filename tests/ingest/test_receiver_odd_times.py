"""A span whose time no store column holds (past 2**63 ns: an unset time sent as the largest
64-bit number, say) is a malformed span: it is rejected alone, with its reason, and the other
spans of its request are stored, as for any other malformed span; a trace file holding one is
refused, naming its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tracekit.exceptions import TraceFileError
from tracekit.ingest.file_import import import_trace_file
from tracekit.ingest.pipeline import IngestResult, ingest_body
from tracekit.store.paths import StorePaths
from tracekit.store.spool import read_segment


@pytest.mark.parametrize(("start", "end"), [(1, 2**64 - 1), (2**63, 2**63 + 5)])
def test_a_span_with_a_time_past_int64_is_rejected_alone(
    tmp_path: Path, start: int, end: int
) -> None:
    request = ExportTraceServiceRequest()
    spans = request.resource_spans.add().scope_spans.add().spans
    for number, (start_ns, end_ns) in enumerate([(1, 5), (start, end)], start=1):
        span = spans.add(name=f"span {number}", start_time_unix_nano=start_ns)
        span.end_time_unix_nano = end_ns
        span.trace_id = bytes(range(1, 17))
        span.span_id = bytes([1] * 7 + [number])
    paths = StorePaths.for_store(tmp_path / "runs.duckdb")

    result = ingest_body(paths, request.SerializeToString(), "application/x-protobuf", None, 2**20)

    assert isinstance(result, IngestResult)
    assert (result.accepted, result.rejected) == (1, 1)
    assert "span 2" in result.error_message
    assert result.segment is not None
    assert read_segment(result.segment).column("name").to_pylist() == ["span 1"]


def test_a_trace_file_with_a_time_past_int64_is_refused_with_its_line(tmp_path: Path) -> None:
    span = {
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "eee19b7ec3c1b174",
        "name": "late",
        "startTimeUnixNano": "1",
        "endTimeUnixNano": str(2**64 - 1),
    }
    trace_file = tmp_path / "late.trace.jsonl"
    line = {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}
    trace_file.write_text(json.dumps(line) + "\n")

    with pytest.raises(TraceFileError, match="line 1: span 'late' cannot be stored"):
        import_trace_file(trace_file, tmp_path / "runs.duckdb")
