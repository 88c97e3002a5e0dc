"""A span whose time no store column holds (past 2**63 ns: an unset time sent as the largest
64-bit number, say) is a malformed span: it is rejected alone, with its reason, and the other
spans of its request are stored, as for any other malformed span."""

from __future__ import annotations

from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

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
