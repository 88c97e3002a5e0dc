"""The receiver's fast read of protobuf requests (attributes as raw bytes, cached): the same
outcome and the same rows as the standard decode, and the standard decode wherever the fast
read cannot be sure."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tracekit.benchmarks.otlp_bench import otlp_requests
from tracekit.exceptions import OtlpRequestError
from tracekit.ingest.payload import decode_request
from tracekit.ingest.pipeline import IngestResult, Refused, ingest_body, write_spans
from tracekit.otlp import raw_attributes
from tracekit.otlp.decode import span_fields_from_resource_spans
from tracekit.otlp.encode import traces_data_from_spans
from tracekit.otlp.model import OtlpSpan
from tracekit.store.paths import StorePaths
from tracekit.store.spool import read_segment

PROTOBUF = "application/x-protobuf"
#: Replaced in the encoded body by bytes that are not UTF-8 (same length: lengths stay right).
MARKER = "QQQQ"


def _request(attributes: dict[str, Any], *, span_id: str = "eee19b7ec3c1b174") -> bytes:
    span = OtlpSpan(
        trace_id="5b8efff798038103d269b633813fc60c",
        span_id=span_id,
        parent_span_id=None,
        name="chat claude-haiku-4-5",
        kind="CLIENT",
        start_ns=1_700_000_000_000_000_000,
        end_ns=1_700_000_001_000_000_000,
        status_code="OK",
        attributes=attributes,
        resource={"service.name": "raw-read"},
        scope_name="agent-app",
    )
    other = dataclasses.replace(span, span_id="aaa19b7ec3c1b174", attributes={"a": 1})
    request = ExportTraceServiceRequest()
    request.resource_spans.extend(traces_data_from_spans([span, other]).resource_spans)
    return request.SerializeToString()


def _standard(paths: StorePaths, body: bytes) -> IngestResult | Refused:
    """The reference: the request decoded through the standard protobuf classes."""
    try:
        request = decode_request(body, content_type=PROTOBUF, content_encoding=None)
    except OtlpRequestError as error:
        return Refused(error.status, str(error))
    return write_spans(paths, request.message.resource_spans, fsync=False)


def _outcome(result: IngestResult | Refused) -> tuple[Any, ...]:
    if isinstance(result, Refused):
        return ("refused", result.status, result.message)
    rows = read_segment(result.segment).to_pylist() if result.segment else []
    return (result.accepted, result.rejected, result.error_message, rows)


BODIES = {
    "scalars": _request(
        {
            "gen_ai.operation.name": "chat",
            "text.empty": "",
            "int.negative": -(2**63),
            "int.big": 2**62 + 7,
            "float": 0.25,
            "float.tiny": 1e-7,
            "float.nan": float("nan"),
            "float.inf": -float("inf"),
            "text.long": "a long text, read by hand: " + "caf\u00e9 " * 40,
            "bool": True,
            "bytes": b"\x00\xffraw",
            "unicode": "caf\u00e9 \U0001f600",
            "secret": "key sk-ant-api03-q8Xv2LmR7tYp4WnZ0bKc6HsJ1dFg9AeUo3Ni5MxQrVyT-Ab12Cd34",
        }
    ),
    "array": _request({"gen_ai.response.finish_reasons": ["end_turn", "stop"]}),
    "kvlist": _request({"app.request": {"login": {"password": "hunter2", "user": "me"}}}),
    "array of arrays": _request({"app.matrix": [[1, 2], [3]]}),
    "not utf-8": _request({"app.note": f"before {MARKER} after"}),
    "not utf-8, long": _request({"app.note": f"before {MARKER} after " + "x" * 200}),
    "key not utf-8, long": _request({f"app.{MARKER}": "y" * 200}),
    "bad span id": _request({"a": "b"}, span_id="00" * 8),
}


@pytest.mark.parametrize("name", list(BODIES))
def test_the_fast_read_ends_as_the_standard_decode(tmp_path: Path, name: str) -> None:
    body = BODIES[name]
    if "not utf-8" in name:
        body = body.replace(MARKER.encode(), b"\xff\xfe\xfd\xfc")
    fast = ingest_body(
        StorePaths.for_store(tmp_path / "fast.duckdb"), body, PROTOBUF, None, 1 << 24, False
    )
    standard = _standard(StorePaths.for_store(tmp_path / "standard.duckdb"), body)
    assert _outcome(fast) == _outcome(standard)
    if "not utf-8" in name:
        assert isinstance(fast, Refused) and fast.status == 400
    if name == "bad span id":
        assert isinstance(fast, IngestResult) and (fast.accepted, fast.rejected) == (1, 1)


def test_the_bench_requests_read_alike_field_by_field() -> None:
    # Twice over: the second read takes every repeated attribute from the cache.
    for body in otlp_requests(1024) * 2:
        standard = ExportTraceServiceRequest.FromString(body)
        expected = list(span_fields_from_resource_spans(standard.resource_spans))
        got = list(raw_attributes.span_fields(raw_attributes.parse_request(body)))
        assert got == expected
        # Same keys in the same order, and the same types (True is not 1 for the rows).
        for got_fields, expected_fields in zip(got, expected, strict=True):
            assert [(key, type(value)) for key, value in got_fields[9].items()] == [
                (key, type(value)) for key, value in expected_fields[9].items()
            ]


@pytest.mark.parametrize(
    "name", ["kvlist", "array of arrays", "not utf-8", "not utf-8, long", "key not utf-8, long"]
)
def test_what_the_fast_read_cannot_vouch_for_goes_the_standard_way(name: str) -> None:
    body = BODIES[name]
    if "not utf-8" in name:
        body = body.replace(MARKER.encode(), b"\xff\xfe\xfd\xfc")
    with pytest.raises(raw_attributes.NotPlain):
        list(raw_attributes.span_fields(raw_attributes.parse_request(body)))


def test_a_repeated_key_keeps_its_last_value_in_its_first_place() -> None:
    request = ExportTraceServiceRequest.FromString(_request({"a": "first", "b": 2}))
    span = request.resource_spans[0].scope_spans[0].spans[0]
    again = span.attributes.add(key="a")
    again.value.string_value = "last"
    body = request.SerializeToString()
    got = next(raw_attributes.span_fields(raw_attributes.parse_request(body)))[9]
    assert list(got.items()) == [("a", "last"), ("b", 2)]
    standard = ExportTraceServiceRequest.FromString(body).resource_spans
    assert got == next(span_fields_from_resource_spans(standard))[9]


def test_an_array_of_plain_values_is_read_fast_as_the_standard_decode_reads_it() -> None:
    body = _request({"gen_ai.response.finish_reasons": ["end_turn", "stop"], "app.n": [1, 2.5]})
    standard = ExportTraceServiceRequest.FromString(body)
    expected = list(span_fields_from_resource_spans(standard.resource_spans))

    for _ in range(2):
        got = list(raw_attributes.span_fields(raw_attributes.parse_request(body)))
        assert got == expected
    reasons = [fields[9].get("gen_ai.response.finish_reasons") for fields in got]
    assert reasons == [["end_turn", "stop"], None]
