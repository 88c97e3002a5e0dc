"""OTLP input whose text is not valid Unicode (invalid UTF-8 from an SDK, a JSON ``\\udce9``
escape) is decoded with U+FFFD in place of the bad part: never a refused payload."""

from __future__ import annotations

from opentelemetry.proto.trace.v1.trace_pb2 import TracesData

from tracekit.otlp.decode import (
    spans_from_resource_spans,
    traces_data_from_json,
    traces_data_from_protobuf,
)

MARK = b"@@"


def _payload() -> bytes:
    data = TracesData()
    resource_spans = data.resource_spans.add()
    service = resource_spans.resource.attributes.add()
    service.key, service.value.string_value = "service.name", "billing@@"
    span = resource_spans.scope_spans.add().spans.add()
    span.name = "caf@@"
    span.trace_id, span.span_id = bytes(range(1, 17)), bytes(range(1, 9))
    listed = span.attributes.add()
    listed.key = "note@@"
    listed.value.array_value.values.add().string_value = "v@@"
    raw = span.attributes.add()
    raw.key, raw.value.bytes_value = "raw", b"\xff\xfe"
    return data.SerializeToString()


def test_invalid_utf8_in_protobuf_strings_is_replaced_and_bytes_kept() -> None:
    payload = _payload().replace(MARK, b"\xe9!")

    (span,) = spans_from_resource_spans(traces_data_from_protobuf(payload).resource_spans)

    assert span.name == "caf\ufffd!"
    assert span.attributes == {"note\ufffd!": ["v\ufffd!"], "raw": b"\xff\xfe"}
    assert span.resource == {"service.name": "billing\ufffd!"}


def test_a_valid_payload_decodes_unchanged() -> None:
    payload = _payload().replace(MARK, "é".encode())
    (span,) = spans_from_resource_spans(traces_data_from_protobuf(payload).resource_spans)
    assert span.name == "café"


def test_lone_surrogate_escapes_and_invalid_utf8_in_json_are_replaced() -> None:
    line = (
        b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c",'
        b'"spanId":"eee19b7ec3c1b174","name":"caf\\udce9 \xff",'
        b'"attributes":[{"key":"k\\ud800","value":{"stringValue":"\\ud83d\\ude00"}}]}]}]}]}'
    )
    (span,) = spans_from_resource_spans(traces_data_from_json(line).resource_spans)
    assert span.name == "caf\ufffd \ufffd"
    assert span.attributes == {"k\ufffd": "😀"}
