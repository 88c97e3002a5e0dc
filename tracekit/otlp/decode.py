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
from collections.abc import Iterable, Iterator
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


def spans_from_resource_spans(resource_spans: Iterable[ResourceSpans]) -> Iterator[OtlpSpan]:
    """Every span of ``resource_spans`` as an :class:`OtlpSpan`.

    The spans of one resource share one ``resource`` dict. Raises OtlpFormatError for a span
    whose trace id is not 16 bytes (or all zero), whose span id is not 8 bytes (or all zero),
    whose parent span id is neither empty nor 8 bytes, or whose kind or status code is not an
    OTLP value.
    """
    for resource_span in resource_spans:
        resource = attributes_from_proto(resource_span.resource.attributes)
        for scope_span in resource_span.scope_spans:
            scope = scope_span.scope
            scope_name = scope.name or None
            scope_version = scope.version or None
            for span in scope_span.spans:
                yield _span(span, resource, scope_name, scope_version)


def _span(
    span: Span, resource: dict[str, Any], scope_name: str | None, scope_version: str | None
) -> OtlpSpan:
    name = span.name
    trace_id = _trace_id(span.trace_id, name)
    span_id = _span_id(span.span_id, name, "span id")
    parent = span.parent_span_id
    parent_span_id = (
        None if not parent or parent == _ZERO_SPAN_ID else _span_id(parent, name, "parent span id")
    )
    kind = span.kind
    if not 0 <= kind < len(SPAN_KINDS):
        raise OtlpFormatError(f"span {name!r}: unknown span kind {kind}")
    code = span.status.code
    if not 0 <= code < len(STATUS_CODES):
        raise OtlpFormatError(f"span {name!r}: unknown status code {code}")
    return OtlpSpan(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=parent_span_id,
        name=name,
        kind=SPAN_KINDS[kind],
        start_ns=span.start_time_unix_nano,
        end_ns=span.end_time_unix_nano,
        status_code=STATUS_CODES[code],
        status_message=span.status.message or None,
        attributes=attributes_from_proto(span.attributes),
        resource=resource,
        scope_name=scope_name,
        scope_version=scope_version,
        events=tuple(
            OtlpEvent(
                name=event.name,
                time_ns=event.time_unix_nano,
                attributes=attributes_from_proto(event.attributes),
            )
            for event in span.events
        ),
        links=tuple(
            OtlpLink(
                trace_id=_trace_id(link.trace_id, name),
                span_id=_span_id(link.span_id, name, "linked span id"),
                attributes=attributes_from_proto(link.attributes),
            )
            for link in span.links
        ),
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
    return {kv.key: value_from_proto(kv.value) for kv in attributes}


def value_from_proto(value: AnyValue) -> Any:
    """One OTLP ``AnyValue`` as a plain value: str, bool, int, float, bytes, a list (array),
    a dict (key-value list), or None (no value set)."""
    which = value.WhichOneof("value")
    if which == "string_value":
        return value.string_value
    if which == "int_value":
        return value.int_value
    if which == "double_value":
        return value.double_value
    if which == "bool_value":
        return value.bool_value
    if which == "array_value":
        return [value_from_proto(item) for item in value.array_value.values]
    if which == "kvlist_value":
        return attributes_from_proto(value.kvlist_value.values)
    if which == "bytes_value":
        return value.bytes_value
    return None


def traces_data_from_protobuf(payload: bytes) -> TracesData:
    """Parse a binary protobuf ``TracesData`` (or ``ExportTraceServiceRequest``: same wire
    shape). Raises OtlpFormatError when it does not decode."""
    data = TracesData()
    try:
        data.ParseFromString(payload)
    except DecodeError as error:
        raise OtlpFormatError(f"not an OTLP protobuf payload: {error}") from None
    return data


def traces_data_from_json(line: str | bytes) -> TracesData:
    """Parse one OTLP/JSON ``TracesData`` document (one line of a Collector file export, or
    the body of an OTLP/HTTP JSON request).

    Ids are hex; enums may be integers or names; 64-bit integers strings or numbers; field
    names camelCase or snake_case; unknown fields are ignored (OTLP's forward compatibility).
    Raises OtlpFormatError for text that is not JSON, not an object, has ids that are not hex,
    or fields of the wrong type.
    """
    try:
        document = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        detail = (
            f"{error.msg} at column {error.colno}"
            if isinstance(error, json.JSONDecodeError)
            else "not UTF-8"
        )
        raise OtlpFormatError(f"not JSON: {detail}") from None
    if not isinstance(document, dict):
        raise OtlpFormatError("not an OTLP TracesData object (expected a JSON object)")
    for resource_span in _objects(document, "resourceSpans", "resource_spans"):
        for scope_span in _objects(resource_span, "scopeSpans", "scope_spans"):
            for span in _objects(scope_span, "spans"):
                _hex_ids_to_base64(span, ("traceId", "trace_id", "spanId", "span_id"))
                _hex_ids_to_base64(span, ("parentSpanId", "parent_span_id"))
                for link in _objects(span, "links"):
                    _hex_ids_to_base64(link, ("traceId", "trace_id", "spanId", "span_id"))
    data = TracesData()
    try:
        json_format.ParseDict(document, data, ignore_unknown_fields=True)
    except json_format.ParseError as error:
        raise OtlpFormatError(f"not an OTLP TracesData object: {_first_line(error)}") from None
    return data


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
    "attributes_from_proto",
    "spans_from_resource_spans",
    "traces_data_from_json",
    "traces_data_from_protobuf",
    "value_from_proto",
]
