"""The direct OTLP/JSON decoder reads trace files exactly as the protobuf path does.

Differential: on every fixture file and on generated documents (every spelling writers use),
the orjson decoder decides by itself and gives the protobuf path's spans, types included. On
documents spelt oddly or wrongly, it either agrees with the protobuf path or leaves the
document to it, so a user sees the same spans and the same error either way.

Bounded and reproducible: ``derandomize`` replays the same examples on every run.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from opentelemetry.proto.trace.v1.trace_pb2 import TracesData

from tracekit.exceptions import OtlpFormatError, TraceFileError
from tracekit.otlp import OtlpSpan, json_decode, spans_from_json
from tracekit.otlp.decode import spans_from_resource_spans, traces_data_from_json
from tracekit.otlp.files import read_trace_file
from tracekit.otlp.json_decode import spans_from_json_fast

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"
FIXTURE_LINES = [
    pytest.param(line, id=f"{path.name}:{number}")
    for path in sorted(FIXTURES.glob("*/*.jsonl"))
    for number, line in enumerate(path.read_bytes().splitlines(), 1)
    if line.strip()
]

DIFFERENTIAL = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _protobuf_path(line: str | bytes) -> list[OtlpSpan] | str:
    """What today's decoder gives: the spans, or the error's message."""
    try:
        return list(spans_from_resource_spans(traces_data_from_json(line).resource_spans))
    except OtlpFormatError as error:
        return f"OtlpFormatError: {error}"


def _same(fast: list[OtlpSpan], slow: list[OtlpSpan] | str) -> bool:
    # repr, not ==: 1 == 1.0 == True, and the types must agree too.
    return repr(fast) == repr(slow)


@pytest.mark.parametrize("line", FIXTURE_LINES)
def test_every_fixture_line_decodes_directly_to_the_protobuf_paths_spans(line: bytes) -> None:
    fast = spans_from_json_fast(line)

    assert fast is not None, "the direct decoder left a fixture line to the protobuf path"
    assert _same(fast, _protobuf_path(line))


# --- generated documents -------------------------------------------------------------------


def _spelling(draw: st.DrawFn, name: str) -> str:
    """``name`` as protobuf's JSON name (camelCase) or as the proto name, either."""
    head, *rest = name.split("_")
    camel = head + "".join(part.capitalize() for part in rest)
    return camel if draw(st.booleans()) else name


def _int64(draw: st.DrawFn, low: int, high: int) -> int | str:
    value = draw(st.integers(low, high))
    return str(value) if draw(st.booleans()) else value


def _base64(draw: st.DrawFn) -> str:
    raw = draw(st.binary(max_size=12))
    text = (base64.urlsafe_b64encode if draw(st.booleans()) else base64.b64encode)(raw).decode()
    return text.rstrip("=") if draw(st.booleans()) else text


@st.composite
def any_values(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    kinds = ["string", "bool", "int", "double", "bytes", "empty"]
    if depth < 3:
        kinds += ["array", "kvlist"]
    kind = draw(st.sampled_from(kinds))
    if kind == "empty":
        return {}
    if kind == "string":
        return {_spelling(draw, "string_value"): draw(st.text(max_size=12))}
    if kind == "bool":
        return {_spelling(draw, "bool_value"): draw(st.booleans())}
    if kind == "int":
        return {_spelling(draw, "int_value"): _int64(draw, -(2**63), 2**63 - 1)}
    if kind == "double":
        number = draw(
            st.floats(allow_nan=False, allow_infinity=False) | st.integers(-(2**53), 2**53)
        )
        return {_spelling(draw, "double_value"): number}
    if kind == "bytes":
        return {_spelling(draw, "bytes_value"): _base64(draw)}
    if kind == "array":
        values = draw(st.lists(any_values(depth + 1), max_size=3))
        return {_spelling(draw, "array_value"): {"values": values} if values else {}}
    items = draw(st.lists(key_values(depth + 1), max_size=3))
    return {_spelling(draw, "kvlist_value"): {"values": items}}


@st.composite
def key_values(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    key = draw(st.sampled_from(["gen_ai.agent.name", "a", "b", "", "tracekit.x"]))
    item: dict[str, Any] = {"key": key}
    if draw(st.integers(0, 9)):
        item["value"] = draw(any_values(depth))
    return item


def _hex(draw: st.DrawFn, size: int) -> str:
    raw = draw(st.binary(min_size=size, max_size=size).filter(any))
    text = raw.hex()
    return text.upper() if draw(st.booleans()) else text


def _maybe(draw: st.DrawFn, obj: dict[str, Any], name: str, value: Any) -> None:
    """Set ``name`` (either spelling) to ``value``, to null, or leave it out."""
    choice = draw(st.integers(0, 5))
    if choice == 0:
        return
    obj[_spelling(draw, name)] = None if choice == 1 else value


@st.composite
def spans(draw: st.DrawFn) -> dict[str, Any]:
    span: dict[str, Any] = {
        _spelling(draw, "trace_id"): _hex(draw, 16),
        _spelling(draw, "span_id"): _hex(draw, 8),
    }
    parent = draw(st.sampled_from(["none", "empty", "zero", "id"]))
    if parent != "none":
        span[_spelling(draw, "parent_span_id")] = {
            "empty": "",
            "zero": "0" * 16,
            "id": _hex(draw, 8),
        }[parent]
    _maybe(draw, span, "name", draw(st.text(max_size=10)))
    kind = draw(st.integers(0, 5))
    names = ["UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"]
    _maybe(draw, span, "kind", f"SPAN_KIND_{names[kind]}" if draw(st.booleans()) else kind)
    _maybe(draw, span, "start_time_unix_nano", _int64(draw, 0, 2**64 - 1))
    _maybe(draw, span, "end_time_unix_nano", _int64(draw, 0, 2**64 - 1))
    _maybe(draw, span, "attributes", draw(st.lists(key_values(), max_size=4)))
    _maybe(draw, span, "trace_state", "k=v")
    _maybe(draw, span, "flags", draw(st.integers(0, 2**32 - 1)))
    _maybe(draw, span, "dropped_attributes_count", draw(st.integers(0, 2**32 - 1)))
    code = draw(st.integers(0, 2))
    status: dict[str, Any] = {}
    _maybe(
        draw,
        status,
        "code",
        ["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"][code]
        if draw(st.booleans())
        else code,
    )
    _maybe(draw, status, "message", draw(st.text(max_size=8)))
    _maybe(draw, span, "status", status)
    events = [
        {
            _spelling(draw, "time_unix_nano"): _int64(draw, 0, 2**64 - 1),
            "name": draw(st.text(max_size=6)),
            "attributes": draw(st.lists(key_values(), max_size=2)),
        }
        for _ in range(draw(st.integers(0, 2)))
    ]
    _maybe(draw, span, "events", events)
    links = [
        {
            _spelling(draw, "trace_id"): _hex(draw, 16),
            _spelling(draw, "span_id"): _hex(draw, 8),
            "attributes": draw(st.lists(key_values(), max_size=2)),
        }
        for _ in range(draw(st.integers(0, 1)))
    ]
    _maybe(draw, span, "links", links)
    if draw(st.booleans()):
        span["someFutureField"] = {"anything": [1, "x"]}
    return span


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    resource_spans = []
    for _ in range(draw(st.integers(0, 2))):
        scope_spans = []
        for _ in range(draw(st.integers(0, 2))):
            scope_span: dict[str, Any] = {"spans": draw(st.lists(spans(), max_size=3))}
            scope: dict[str, Any] = {}
            _maybe(draw, scope, "name", "tracekit")
            _maybe(draw, scope, "version", "1.0")
            _maybe(draw, scope, "attributes", draw(st.lists(key_values(), max_size=2)))
            _maybe(draw, scope_span, "scope", scope)
            _maybe(draw, scope_span, "schema_url", "https://opentelemetry.io/schemas/1.26.0")
            scope_spans.append(scope_span)
        resource_span: dict[str, Any] = {_spelling(draw, "scope_spans"): scope_spans}
        _maybe(
            draw,
            resource_span,
            "resource",
            {"attributes": draw(st.lists(key_values(), max_size=3))},
        )
        resource_spans.append(resource_span)
    return {_spelling(draw, "resource_spans"): resource_spans}


@DIFFERENTIAL
@given(documents())
def test_generated_documents_decode_directly_to_the_protobuf_paths_spans(
    document: dict[str, Any],
) -> None:
    line = json.dumps(document)
    slow = _protobuf_path(line)
    fast = spans_from_json_fast(line.encode())

    assert not isinstance(slow, str), slow
    assert fast is not None, "the direct decoder left a well-formed document to protobuf"
    assert _same(fast, slow)


#: Values json_format reads leniently, refuses, or reads as a default: a mutation sets one.
ODD_VALUES = [
    "3", 3.0, 3.5, True, False, None, "SPAN_KIND_FOO", "STATUS_CODE_OK", "1e3", " 12", "\t7",
    "-5", "1_000", "٣", 2**64, 2**63, -1, -(2**63) - 1, [], {}, [None], [{}], "zz", "", "abc=",
    "AAAAAAAAAAA=", "5b8efff798038103d269b633813fc60c", "eee19b7ec3c1b174", {"values": None},
    {"stringValue": "x", "intValue": 1}, {"stringValue": None, "intValue": "4"},
]  # fmt: skip
FIELD_NAMES = [
    "traceId", "trace_id", "spanId", "parentSpanId", "parent_span_id", "name", "kind",
    "startTimeUnixNano", "end_time_unix_nano", "attributes", "events", "links", "status",
    "code", "message", "key", "value", "stringValue", "intValue", "int_value", "doubleValue",
    "boolValue", "bytesValue", "arrayValue", "kvlistValue", "values", "flags", "traceState",
    "droppedAttributesCount", "timeUnixNano", "resource", "scope", "scopeSpans", "spans",
    "resourceSpans", "schemaUrl", "version", "entityRefs", "keyStrindex",
    "stringValueStrindex", "[ext.name]",
]  # fmt: skip


def _objects(value: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        found.append(value)
        for item in value.values():
            found.extend(_objects(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_objects(item))
    return found


@settings(DIFFERENTIAL, max_examples=400)
@given(documents(), st.data())
def test_odd_documents_get_the_protobuf_paths_spans_or_its_error(
    document: dict[str, Any], data: st.DataObject
) -> None:
    for _ in range(data.draw(st.integers(1, 3))):
        target = data.draw(st.sampled_from(_objects(document)))
        how = data.draw(st.sampled_from(["replace", "add", "respell"] if target else ["add"]))
        if how == "add":
            name = data.draw(st.sampled_from(FIELD_NAMES))
        else:
            name = data.draw(st.sampled_from(sorted(target)))
        if how == "respell":
            # The same field under its other spelling too: json_format's rules for that.
            head, *rest = name.split("_")
            camel = head + "".join(part.capitalize() for part in rest)
            snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
            target[camel if camel != name else snake] = target[name]
        else:
            target[name] = copy.deepcopy(data.draw(st.sampled_from(ODD_VALUES)))
    line = json.dumps(document)
    slow = _protobuf_path(line)

    fast = spans_from_json_fast(line)
    if fast is not None:
        assert _same(fast, slow), "the direct decoder accepted what protobuf reads otherwise"
    try:
        either: list[OtlpSpan] | str = spans_from_json(line)
    except OtlpFormatError as error:
        either = f"OtlpFormatError: {error}"
    assert repr(either) == repr(slow)


_SPAN_LENIENT = (
    [("kind", v) for v in ("3", 3.0, 3.5, True, "SPAN_KIND_FOO", 9, -1, [3])]
    + [("startTimeUnixNano", v) for v in (1.0, 1.5, "1e3", "1.0", -1, 2**64, "x", " 5", "+5", True)]
    + [("flags", v) for v in (-1, 2**32, "5", 1.0, "x")]
    + [
        ("traceId", v)
        for v in (
            "5B8EFFF798038103D269B633813FC60C",
            "5b 8e ff f7 98 03 81 03 d2 69 b6 33 81 3f c6 0c",
            3,
            None,
            "",
        )
    ]
    + [("parentSpanId", v) for v in ("0" * 16, "", None, 7, "0102")]
    + [("name", v) for v in (3, None, ["x"])]
    + [("status", v) for v in ({"code": "2"}, {"code": 3}, {"code": "STATUS_CODE_OK"}, "ok")]
)
_VALUE_LENIENT = [
    {"intValue": v} for v in (3.5, 3.0, "1e3", " 12", "1_000", "\u0663", 2**63, "-0", True, "-")
] + [{"doubleValue": v} for v in (True, "1.5", "NaN", "Infinity", 2**64, "x")] + [
    {"bytesValue": v} for v in (3, "a", "===", "YQ", "YQ==", "Y Q")
] + [
    {"boolValue": "true"}, {"boolValue": 1}, {"stringValue": 3}, {"stringValue": None},
    {"arrayValue": {"values": [None]}}, {"arrayValue": None}, {"kvlistValue": {}},
    {"stringValue": "a", "string_value": "b"}, {"stringValue": None, "boolValue": False},
    {"stringValueStrindex": 2}, {"int_value": "7"}, {"[x]": 1},
]  # fmt: skip


def _one_span_document(span: dict[str, Any]) -> str:
    base = {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174"}
    return json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [{**base, **span}]}]}]})


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(_one_span_document({field: value}), id=f"{field}={value!r}")
        for field, value in _SPAN_LENIENT
    ]
    + [
        pytest.param(
            _one_span_document({"attributes": [{"key": "k", "value": value}]}), id=repr(value)
        )
        for value in _VALUE_LENIENT
    ],
)
def test_lenient_and_wrong_spellings_read_as_the_protobuf_path_reads_them(line: str) -> None:
    slow = _protobuf_path(line)
    fast = spans_from_json_fast(line)

    assert fast is None or _same(fast, slow)
    try:
        either: list[OtlpSpan] | str = spans_from_json(line)
    except OtlpFormatError as error:
        either = f"OtlpFormatError: {error}"
    assert repr(either) == repr(slow)


# --- what stays as it was -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"resourceSpans": [', "not JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"resourceSpans": 3}', "'resourceSpans' must be a list"),
        (
            '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8eff","spanId":'
            '"eee19b7ec3c1b174"}]}]}]}',
            "a trace id must be 16 bytes, got 3",
        ),
        ('{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":9}]}]}]}', "trace id"),
        ("\xff", "not JSON"),
        (
            '{"resourceSpans":[{"resource":{"attributes":[{"key":"a","value":'
            '{"doubleValue":NaN}}]}}]}',
            "NaN",
        ),
    ],
)
def test_refusals_keep_their_type_and_wording(text: str, message: str) -> None:
    with pytest.raises(OtlpFormatError, match=message) as fast:
        spans_from_json(text)
    assert f"OtlpFormatError: {fast.value}" == _protobuf_path(text)


def _service_line(service: str, span_id: str) -> str:
    return json.dumps(
        {
            "resourceSpans": [
                {
                    "resource": {
                        "attributes": [{"key": "service.name", "value": {"stringValue": service}}]
                    },
                    "scopeSpans": [
                        {
                            "spans": [
                                {
                                    "traceId": "5b8efff798038103d269b633813fc60c",
                                    "spanId": span_id,
                                    "name": "step",
                                    "startTimeUnixNano": "1",
                                    "endTimeUnixNano": "2",
                                }
                            ]
                        }
                    ],
                }
            ]
        }
    )


def test_each_line_of_a_file_keeps_its_own_resource(tmp_path: Path) -> None:
    """A file written a span per line repeats its resource; a line with another keeps it."""
    trace = tmp_path / "services.jsonl"
    lines = [
        _service_line("checkout", "eee19b7ec3c1b171"),
        _service_line("checkout", "eee19b7ec3c1b172"),
        _service_line("billing", "eee19b7ec3c1b173"),
        _service_line("checkout", "eee19b7ec3c1b174"),
    ]
    trace.write_text("\n".join(lines) + "\n")

    spans = read_trace_file(trace)

    assert [s.resource for s in spans] == [
        {"service.name": name} for name in ("checkout", "checkout", "billing", "checkout")
    ]
    assert [s.resource for s in spans] == [spans_from_json(line)[0].resource for line in lines]


def test_a_truncated_file_is_refused_with_its_line(tmp_path: Path) -> None:
    line = (FIXTURES / "otlp" / "genai_current.jsonl").read_bytes().splitlines()[0]
    trace = tmp_path / "cut.jsonl"
    trace.write_bytes(line[: len(line) // 2])

    with pytest.raises(TraceFileError, match=r"line 1: not JSON.*\(the file looks truncated\)"):
        read_trace_file(trace)


def test_the_field_tables_name_every_field_of_the_protobuf_messages() -> None:
    """A field added to the proto must be added to the decoder (json_format validates it)."""
    tables = {
        "TracesData": json_decode._TRACES_DATA,
        "ResourceSpans": json_decode._RESOURCE_SPANS,
        "Resource": json_decode._RESOURCE,
        "ScopeSpans": json_decode._SCOPE_SPANS,
        "InstrumentationScope": json_decode._SCOPE,
        "Span": json_decode._SPAN,
        "Event": json_decode._EVENT,
        "Link": json_decode._LINK,
        "Status": json_decode._STATUS,
        "KeyValue": json_decode._KEY_VALUE,
        "AnyValue": json_decode._ANY_VALUE,
        "ArrayValue": json_decode._VALUES,
        "KeyValueList": json_decode._VALUES,
    }
    seen: dict[str, set[str]] = {}
    pending = [TracesData.DESCRIPTOR]
    while pending:
        message = pending.pop()
        if message.name in seen or message.name == "EntityRef":
            continue
        seen[message.name] = {
            name for field in message.fields for name in (field.name, field.json_name)
        }
        pending.extend(field.message_type for field in message.fields if field.message_type)
    assert {name: set(table) for name, table in tables.items()} == seen


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ('"doubleValue":0.0', '"doubleValue":-0.0'),
        ('"intValue":1', '"intValue":true'),
        ('"boolValue":true', '"boolValue":1'),
    ],
)
def test_a_resource_equal_to_the_last_lines_but_for_its_types_is_read_again(
    first: str, then: str
) -> None:
    def line(value: str) -> str:
        resource = '{"attributes":[{"key":"x","value":{' + value + "}}]}"
        return (
            '{"resourceSpans":[{"resource":' + resource + ","
            '"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c",'
            '"spanId":"eee19b7ec3c1b174","name":"chat m","kind":1,'
            '"startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}'
        )

    memo = json_decode.ResourceMemo()
    spans_from_json(line(first), memo)
    expected = _protobuf_path(line(then))
    try:
        read: list[OtlpSpan] | str = spans_from_json(line(then), memo)
    except OtlpFormatError as error:
        read = f"OtlpFormatError: {error}"
    assert read == expected
    assert repr(read) == repr(expected)  # -0.0 is not 0.0
