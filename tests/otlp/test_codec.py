"""The OTLP codec: every value OTLP carries survives protobuf, OTLP/JSON and the official
exporter's encoding; malformed payloads are refused with a clear reason."""

from __future__ import annotations

import json

import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

from tracekit.exceptions import OtlpFormatError
from tracekit.otlp import (
    OtlpEvent,
    OtlpLink,
    OtlpSpan,
    ReadableSpanFactory,
    spans_from_resource_spans,
    spans_to_json_line,
    to_readable_span,
    traces_data_from_json,
    traces_data_from_spans,
)
from tracekit.otlp.decode import traces_data_from_protobuf

TRACE = "5b8efff798038103d269b633813fc60c"
RESOURCE = {"service.name": "shop", "host.cpus": 8, "deployment.tags": ["eu", "canary"]}


def _span(**overrides: object) -> OtlpSpan:
    values: dict[str, object] = dict(
        trace_id=TRACE,
        span_id="eee19b7ec3c1b174",
        parent_span_id="0102030405060708",
        name="chat claude-haiku-4-5",
        kind="CLIENT",
        start_ns=1_777_000_000_123_456_789,
        end_ns=1_777_000_001_000_000_000,
        status_code="ERROR",
        status_message="overloaded",
        attributes={
            "text": "héllo",
            "count": 3,
            "huge": 2**62,
            "ratio": 1.0,
            "pi": 3.141592653589793,
            "flag": False,
            "tags": ["a", "b"],
            "mixed": [1, "two", 3.5, True],
            "nested": {"inner": {"deep": [1, 2]}, "name": "x"},
            "raw": b"\x00\xffbytes",
            "empty": None,
        },
        resource=RESOURCE,
        scope_name="tracekit",
        scope_version="0.1.0",
        events=(OtlpEvent("tracekit.retry", 1_777_000_000_500_000_000, {"attempt": 2}),),
        links=(OtlpLink("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", {"why": "x"}),),
    )
    values.update(overrides)
    return OtlpSpan(**values)  # type: ignore[arg-type]


def test_protobuf_round_trip_keeps_every_value_type() -> None:
    span = _span()
    data = traces_data_from_spans([span])

    back = list(spans_from_resource_spans(data.resource_spans))

    assert back == [span]
    assert isinstance(back[0].attributes["ratio"], float)
    assert isinstance(back[0].attributes["count"], int)
    assert back[0].attributes["raw"] == b"\x00\xffbytes"


def test_json_line_is_the_collector_file_format_and_round_trips() -> None:
    span = _span()

    line = spans_to_json_line([span])

    assert "\n" not in line
    document = json.loads(line)
    proto_span = document["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert proto_span["traceId"] == TRACE  # hex, not base64
    assert proto_span["parentSpanId"] == "0102030405060708"
    assert proto_span["kind"] == 3  # integer enum
    assert proto_span["status"] == {"code": 2, "message": "overloaded"}
    assert proto_span["startTimeUnixNano"] == "1777000000123456789"  # 64-bit int as a string
    assert document["resourceSpans"][0]["scopeSpans"][0]["scope"]["version"] == "0.1.0"
    back = list(spans_from_resource_spans(traces_data_from_json(line).resource_spans))
    assert back == [span]


def test_spans_group_by_resource_and_scope() -> None:
    other = {"service.name": "billing"}
    spans = [
        _span(span_id="0000000000000001"),
        _span(span_id="0000000000000002", scope_name="anthropic", scope_version="2.11.0"),
        _span(span_id="0000000000000003", resource=dict(other)),
        _span(span_id="0000000000000004", resource=dict(RESOURCE)),
    ]

    data = traces_data_from_spans(spans)

    assert len(data.resource_spans) == 2
    assert [len(rs.scope_spans) for rs in data.resource_spans] == [2, 1]
    assert [len(ss.spans) for ss in data.resource_spans[0].scope_spans] == [2, 1]


def test_json_accepts_enum_names_snake_case_and_numbers_for_int64() -> None:
    line = json.dumps(
        {
            "resource_spans": [
                {
                    "scope_spans": [
                        {
                            "spans": [
                                {
                                    "trace_id": TRACE,
                                    "span_id": "eee19b7ec3c1b174",
                                    "name": "GET /",
                                    "kind": "SPAN_KIND_SERVER",
                                    "start_time_unix_nano": 5,
                                    "end_time_unix_nano": 9,
                                    "status": {"code": "STATUS_CODE_OK"},
                                    "unknownFutureField": 1,
                                }
                            ]
                        }
                    ]
                }
            ]
        }
    )

    (span,) = spans_from_resource_spans(traces_data_from_json(line).resource_spans)

    assert (span.kind, span.status_code, span.start_ns, span.end_ns) == ("SERVER", "OK", 5, 9)
    assert span.parent_span_id is None


@pytest.mark.parametrize(
    ("patch", "reason"),
    [
        ({"traceId": "5b8eff"}, "trace id must be 16 bytes"),
        ({"traceId": "zz" * 16}, "is not hex"),
        ({"traceId": "0" * 32}, "all zero"),
        ({"spanId": "eee19b7ec3c1b1"}, "span id must be 8 bytes"),
        ({"parentSpanId": "0102"}, "parent span id must be 8 bytes"),
        ({"kind": 9}, "unknown span kind 9"),
        ({"startTimeUnixNano": "soon"}, "not an OTLP TracesData object"),
        # An integer no float holds, where a double is due (json_format's float() overflows).
        (
            {"attributes": [{"key": "d", "value": {"doubleValue": 10**400}}]},
            "not an OTLP TracesData object",
        ),
    ],
)
def test_malformed_spans_are_refused_with_the_reason(patch: dict[str, object], reason: str) -> None:
    document = json.loads(spans_to_json_line([_span()]))
    document["resourceSpans"][0]["scopeSpans"][0]["spans"][0].update(patch)

    with pytest.raises(OtlpFormatError, match=reason):
        list(spans_from_resource_spans(traces_data_from_json(json.dumps(document)).resource_spans))


@pytest.mark.parametrize("text", ['{"resourceSpans": [', "[1, 2]", '{"resourceSpans": 3}', "\xff"])
def test_text_that_is_not_traces_data_is_refused(text: str) -> None:
    with pytest.raises(OtlpFormatError):
        traces_data_from_json(text)


def test_binary_protobuf_round_trip_and_garbage() -> None:
    payload = traces_data_from_spans([_span()]).SerializeToString()

    data = traces_data_from_protobuf(payload)

    assert list(spans_from_resource_spans(data.resource_spans)) == [_span()]
    with pytest.raises(OtlpFormatError):
        traces_data_from_protobuf(b"\xff\xff\xff not protobuf")


def test_readable_spans_encode_like_the_original_through_the_official_exporter() -> None:
    # The official OTLP exporters encode SDK spans with this function: what an endpoint
    # receives from `tracekit export --otlp-endpoint` decodes to the stored span.
    span = _span()

    request = encode_spans([to_readable_span(span)])

    assert list(spans_from_resource_spans(request.resource_spans)) == [span]


def test_readable_spans_can_leave_content_out() -> None:
    span = _span(
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.input.messages": "[]",
            "input.value": "question",
            "gen_ai.prompt.0.content": "hello",
        }
    )
    make = ReadableSpanFactory()

    readable = make(span, with_content=False)

    assert dict(readable.attributes or {}) == {"gen_ai.operation.name": "chat"}
    assert make(span).resource is make(_span()).resource  # one Resource per resource dict
