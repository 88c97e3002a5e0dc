"""OTLP to plain values: protobuf ``ResourceSpans`` to :class:`OtlpSpan`, and the OTLP JSON
encoding (one ``TracesData`` per line, as the OTel Collector's file exporter writes it) to
protobuf.

OTLP/JSON differs from protobuf's canonical JSON mapping in one way that matters here: trace
and span ids are hex strings, where ``google.protobuf.json_format`` expects ``bytes`` fields in
base64. :func:`traces_data_from_json` rewrites the id fields before handing the document to
``json_format`` (which does the rest: camelCase or snake_case names, integer or named enums,
64-bit integers as strings or numbers).

>>> data = traces_data_from_json(
...     '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c",'
...     '"spanId":"eee19b7ec3c1b174","name":"chat m","kind":3,'
...     '"startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}')
>>> [span.kind for span in spans_from_resource_spans(data.resource_spans)]
['CLIENT']
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, Span, TracesData

from tracekit.exceptions import OtlpFormatError
from tracekit.otlp.model import OtlpEvent, OtlpLink, OtlpSpan

#: OTLP ``Span.SpanKind`` values by number, as OTel names; UNSPECIFIED reads as INTERNAL,
#: which is what the OTel SDKs assume for a span without a kind.
SPAN_KINDS: tuple[str, ...] = ("INTERNAL", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER")
#: OTLP ``Status.StatusCode`` values by number.
STATUS_CODES: tuple[str, ...] = ("UNSET", "OK", "ERROR")

_TRACE_ID_BYTES = 16
_SPAN_ID_BYTES = 8
_ZERO_SPAN_ID = bytes(_SPAN_ID_BYTES)
_ZERO_TRACE_ID = bytes(_TRACE_ID_BYTES)


#: One span as plain values, in the order :class:`~tracekit.store.convert.SegmentBuilder`
#: takes them: trace id, span id, parent span id, name, kind, start ns, end ns, status code,
#: status message, attributes, resource, scope name, scope version, events as
#: ``(name, time_ns, attributes)`` and links as ``(trace_id, span_id, attributes)``.
SpanFields = tuple[
    str,
    str,
    str | None,
    str,
    str,
    int,
    int,
    str,
    str | None,
    dict[str, Any],
    dict[str, Any],
    str | None,
    str | None,
    list[tuple[str, int, dict[str, Any]]],
    list[tuple[str, str, dict[str, Any]]],
]


def spans_from_resource_spans(resource_spans: Iterable[ResourceSpans]) -> Iterator[OtlpSpan]:
    """Every span of ``resource_spans`` as an :class:`OtlpSpan`.

    The spans of one resource share one ``resource`` dict. Raises OtlpFormatError for a span
    whose trace id is not 16 bytes (or all zero), whose span id is not 8 bytes (or all zero),
    whose parent span id is neither empty nor 8 bytes, or whose kind or status code is not an
    OTLP value.
    """
    for fields in span_fields_from_resource_spans(resource_spans):
        yield OtlpSpan(
            trace_id=fields[0],
            span_id=fields[1],
            parent_span_id=fields[2],
            name=fields[3],
            kind=fields[4],
            start_ns=fields[5],
            end_ns=fields[6],
            status_code=fields[7],
            status_message=fields[8],
            attributes=fields[9],
            resource=fields[10],
            scope_name=fields[11],
            scope_version=fields[12],
            events=tuple(OtlpEvent(name, time_ns, attrs) for name, time_ns, attrs in fields[13]),
            links=tuple(OtlpLink(trace, span, attrs) for trace, span, attrs in fields[14]),
        )


def span_fields_from_resource_spans(
    resource_spans: Iterable[ResourceSpans],
    *,
    span_attributes: Callable[[Any], dict[str, Any]] | None = None,
) -> Iterator[SpanFields]:
    """Every span of ``resource_spans`` as a :data:`SpanFields` tuple: what
    :func:`spans_from_resource_spans` yields, without building objects (the receiver's path,
    where a span is converted straight into segment columns). Validates and raises like it.

    ``span_attributes`` reads a span's ``attributes`` field (default
    :func:`attributes_from_proto`); the receiver's request class holds them as raw bytes,
    which :mod:`tracekit.otlp.raw_attributes` reads."""
    read = attributes_from_proto if span_attributes is None else span_attributes
    for resource_span in resource_spans:
        resource = attributes_from_proto(resource_span.resource.attributes)
        for scope_span in resource_span.scope_spans:
            scope = scope_span.scope
            scope_name = scope.name or None
            scope_version = scope.version or None
            for span in scope_span.spans:
                yield _span_fields(span, resource, scope_name, scope_version, read)


def _span_fields(
    span: Span,
    resource: dict[str, Any],
    scope_name: str | None,
    scope_version: str | None,
    read_attributes: Callable[[Any], dict[str, Any]],
) -> SpanFields:
    name = span.name
    trace_id = span.trace_id
    span_id = span.span_id
    # The usual, well-formed ids take the two cheap tests; anything else gets the reason.
    trace_hex = (
        trace_id.hex()
        if len(trace_id) == _TRACE_ID_BYTES and trace_id != _ZERO_TRACE_ID
        else _trace_id(trace_id, name)
    )
    span_hex = (
        span_id.hex()
        if len(span_id) == _SPAN_ID_BYTES and span_id != _ZERO_SPAN_ID
        else _span_id(span_id, name, "span id")
    )
    parent = span.parent_span_id
    if not parent or parent == _ZERO_SPAN_ID:
        parent_span_id = None
    elif len(parent) == _SPAN_ID_BYTES:
        parent_span_id = parent.hex()
    else:
        parent_span_id = _span_id(parent, name, "parent span id")
    kind = span.kind
    if not 0 <= kind < len(SPAN_KINDS):
        raise OtlpFormatError(f"span {name!r}: unknown span kind {kind}")
    status = span.status
    code = status.code
    if not 0 <= code < len(STATUS_CODES):
        raise OtlpFormatError(f"span {name!r}: unknown status code {code}")
    events = span.events
    links = span.links
    return (
        trace_hex,
        span_hex,
        parent_span_id,
        name,
        SPAN_KINDS[kind],
        span.start_time_unix_nano,
        span.end_time_unix_nano,
        STATUS_CODES[code],
        status.message or None,
        read_attributes(span.attributes),
        resource,
        scope_name,
        scope_version,
        [
            (event.name, event.time_unix_nano, attributes_from_proto(event.attributes))
            for event in events
        ]
        if events
        else [],
        [
            (
                _trace_id(link.trace_id, name),
                _span_id(link.span_id, name, "linked span id"),
                attributes_from_proto(link.attributes),
            )
            for link in links
        ]
        if links
        else [],
    )


def _trace_id(value: bytes, span_name: str) -> str:
    if len(value) != _TRACE_ID_BYTES:
        raise OtlpFormatError(
            f"span {span_name!r}: a trace id must be {_TRACE_ID_BYTES} bytes, got {len(value)}"
        )
    if not any(value):
        raise OtlpFormatError(f"span {span_name!r}: the trace id is all zero")
    return value.hex()


def _span_id(value: bytes, span_name: str, what: str) -> str:
    if len(value) != _SPAN_ID_BYTES:
        raise OtlpFormatError(
            f"span {span_name!r}: a {what} must be {_SPAN_ID_BYTES} bytes, got {len(value)}"
        )
    if not any(value):
        raise OtlpFormatError(f"span {span_name!r}: the {what} is all zero")
    return value.hex()


def attributes_from_proto(attributes: Iterable[KeyValue]) -> dict[str, Any]:
    """OTLP key-values as a dict (a repeated key keeps its last value)."""
    # The per-attribute work is inlined (no call per value): this loop runs for every
    # attribute of every span the receiver takes in.
    result: dict[str, Any] = {}
    for kv in attributes:
        value = kv.value
        which = value.WhichOneof("value")
        if which in _SCALAR_FIELDS:
            result[kv.key] = getattr(value, which)
        else:
            result[kv.key] = _composite_value(value, which)
    return result


#: The ``AnyValue`` fields that hold a plain value as they are.
_SCALAR_FIELDS = frozenset(
    {"string_value", "int_value", "double_value", "bool_value", "bytes_value"}
)


def _composite_value(value: AnyValue, which: str | None) -> Any:
    if which == "array_value":
        return [value_from_proto(item) for item in value.array_value.values]
    if which == "kvlist_value":
        return attributes_from_proto(value.kvlist_value.values)
    return None


def value_from_proto(value: AnyValue) -> Any:
    """One OTLP ``AnyValue`` as a plain value: str, bool, int, float, bytes, a list (array),
    a dict (key-value list), or None (no value set)."""
    which = value.WhichOneof("value")
    if which in _SCALAR_FIELDS:
        return getattr(value, which)
    return _composite_value(value, which)


def traces_data_from_protobuf(payload: bytes) -> TracesData:
    """Parse a binary protobuf ``TracesData`` (or ``ExportTraceServiceRequest``: same wire
    shape). Raises OtlpFormatError when it does not decode."""
    data = TracesData()
    try:
        data.ParseFromString(payload)
    except DecodeError as error:
        # Some SDKs send strings that are not UTF-8: replaced (U+FFFD), never a reason to
        # refuse the whole request. Only a payload that failed pays for the second parse;
        # if that one fails too, the payload is broken in another way.
        repaired = _traces_data_replacing_invalid_utf8(payload)
        if repaired is None:
            raise OtlpFormatError(f"not an OTLP protobuf payload: {_first_line(error)}") from None
        return repaired
    return data


def _traces_data_replacing_invalid_utf8(payload: bytes) -> TracesData | None:
    lenient_class, was_string = _lenient_traces_data()
    lenient = lenient_class()
    try:
        lenient.ParseFromString(payload)
        _replace_invalid_utf8(lenient, was_string)
        return TracesData.FromString(lenient.SerializeToString())
    except (DecodeError, RecursionError):
        return None


_LENIENT: tuple[Any, frozenset[str]] | None = None


def _lenient_traces_data() -> tuple[Any, frozenset[str]]:
    """``TracesData`` with every string field declared ``bytes`` (protobuf checks UTF-8 only
    for strings), in a pool of its own; and the full names of the fields changed."""
    global _LENIENT
    if _LENIENT is not None:
        return _LENIENT
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    from opentelemetry.proto.common.v1 import common_pb2
    from opentelemetry.proto.resource.v1 import resource_pb2
    from opentelemetry.proto.trace.v1 import trace_pb2

    pool = descriptor_pool.DescriptorPool()
    changed: set[str] = set()
    for module in (common_pb2, resource_pb2, trace_pb2):  # dependencies first
        file_proto = descriptor_pb2.FileDescriptorProto()
        module.DESCRIPTOR.CopyToProto(file_proto)
        pending = [(file_proto.package, message) for message in file_proto.message_type]
        while pending:
            prefix, message = pending.pop()
            name = f"{prefix}.{message.name}"
            pending.extend((name, nested) for nested in message.nested_type)
            for field in message.field:
                if field.type == descriptor_pb2.FieldDescriptorProto.TYPE_STRING:
                    field.type = descriptor_pb2.FieldDescriptorProto.TYPE_BYTES
                    changed.add(f"{name}.{field.name}")
        pool.Add(file_proto)
    lenient = message_factory.GetMessageClass(
        pool.FindMessageTypeByName(TracesData.DESCRIPTOR.full_name)
    )
    _LENIENT = (lenient, frozenset(changed))
    return _LENIENT


def _replace_invalid_utf8(message: Any, was_string: frozenset[str]) -> None:
    for field, value in message.ListFields():
        if field.message_type is not None:
            for item in value if _is_repeated(field) else (value,):
                _replace_invalid_utf8(item, was_string)
        elif field.full_name in was_string:
            if _is_repeated(field):
                value[:] = [_valid_utf8(item) for item in value]
            else:
                setattr(message, field.name, _valid_utf8(value))


def _is_repeated(field: Any) -> bool:
    # ``is_repeated`` is new in protobuf 6; ``label`` is deprecated there.
    repeated = getattr(field, "is_repeated", None)
    if repeated is not None:
        return bool(repeated)
    return bool(field.label == field.LABEL_REPEATED)


def _valid_utf8(value: bytes) -> bytes:
    return value.decode("utf-8", "replace").encode("utf-8")


def traces_data_from_json(line: str | bytes) -> TracesData:
    """Parse one OTLP/JSON ``TracesData`` document (one line of a Collector file export, or
    the body of an OTLP/HTTP JSON request).

    Ids are hex; enums may be integers or names; 64-bit integers strings or numbers; field
    names camelCase or snake_case; unknown fields are ignored (OTLP's forward compatibility).
    Raises OtlpFormatError for text that is not JSON, not an object, has ids that are not hex,
    or fields of the wrong type.
    """
    if isinstance(line, bytes | bytearray):
        # Invalid UTF-8 is replaced (U+FFFD), never a reason to refuse a whole document.
        line = bytes(line).decode("utf-8", "replace")
    try:
        document = json.loads(line)
    except json.JSONDecodeError as error:
        raise OtlpFormatError(f"not JSON: {error.msg} at column {error.colno}") from None
    except RecursionError:
        raise OtlpFormatError("not an OTLP TracesData object: nested too deeply") from None
    return traces_data_from_document(document)


def traces_data_from_document(document: Any) -> TracesData:
    """:func:`traces_data_from_json` for a document already parsed from JSON (a backend's
    answer that wraps a ``TracesData`` in an envelope of its own). The document's id fields
    are rewritten in place. Raises OtlpFormatError like :func:`traces_data_from_json`."""
    if not isinstance(document, dict):
        raise OtlpFormatError("not an OTLP TracesData object (expected a JSON object)")
    for resource_span in _objects(document, "resourceSpans", "resource_spans"):
        for scope_span in _objects(resource_span, "scopeSpans", "scope_spans"):
            for span in _objects(scope_span, "spans"):
                _hex_ids_to_base64(span, ("traceId", "trace_id", "spanId", "span_id"))
                _hex_ids_to_base64(span, ("parentSpanId", "parent_span_id"))
                for link in _objects(span, "links"):
                    _hex_ids_to_base64(link, ("traceId", "trace_id", "spanId", "span_id"))
    try:
        return _parse_traces_data(document)
    except json_format.ParseError as error:
        if "surrogate" not in str(error):
            raise OtlpFormatError(f"not an OTLP TracesData object: {_first_line(error)}") from None
    # A ``"\\udce9"`` escape decodes to a lone surrogate, which protobuf refuses: replaced
    # (U+FFFD) and parsed again. Only such a document pays for the walk.
    try:
        return _parse_traces_data(_valid_text_in(document, _MAX_JSON_DEPTH))
    except (json_format.ParseError, RecursionError) as error:
        raise OtlpFormatError(f"not an OTLP TracesData object: {_first_line(error)}") from None


def _parse_traces_data(document: dict[str, Any]) -> TracesData:
    data = TracesData()
    try:
        json_format.ParseDict(document, data, ignore_unknown_fields=True)
    except RecursionError:
        raise OtlpFormatError("not an OTLP TracesData object: nested too deeply") from None
    except (ValueError, TypeError, AttributeError, OverflowError) as error:
        # json_format lets a few shapes through as these (a list where a map is expected, an
        # integer no float holds where a double is due).
        if isinstance(error, json_format.ParseError):
            raise
        raise OtlpFormatError(f"not an OTLP TracesData object: {_first_line(error)}") from None
    return data


#: Deeper than any OTLP document protobuf accepts (its parser stops at 100 levels).
_MAX_JSON_DEPTH = 200


def _valid_text_in(value: Any, depth: int) -> Any:
    if depth <= 0:
        raise OtlpFormatError("not an OTLP TracesData object: nested too deeply")
    if isinstance(value, str):
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if isinstance(value, dict):
        return {
            _valid_text_in(key, depth - 1): _valid_text_in(item, depth - 1)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_valid_text_in(item, depth - 1) for item in value]
    return value


def _objects(parent: dict[str, Any], *keys: str) -> list[dict[str, Any]]:
    """The list of objects under the first of ``keys`` present (missing or null: none)."""
    for key in keys:
        value = parent.get(key)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise OtlpFormatError(f"not an OTLP TracesData object: {key!r} must be a list")
        return value
    return []


def _hex_ids_to_base64(obj: dict[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        value = obj.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            raise OtlpFormatError(f"{key} must be a hex string, got {value!r}")
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            raise OtlpFormatError(f"{key} {value!r} is not hex") from None
        obj[key] = base64.b64encode(raw).decode("ascii")


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


__all__ = [
    "SPAN_KINDS",
    "STATUS_CODES",
    "SpanFields",
    "attributes_from_proto",
    "span_fields_from_resource_spans",
    "spans_from_resource_spans",
    "traces_data_from_document",
    "traces_data_from_json",
    "traces_data_from_protobuf",
    "value_from_proto",
]
