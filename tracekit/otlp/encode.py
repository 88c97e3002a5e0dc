"""Plain values to OTLP: :class:`OtlpSpan` to protobuf ``ResourceSpans``/``TracesData``, a
``TracesData`` to one line of OTLP/JSON (the Collector file exporter's format), and an
:class:`OtlpSpan` to an SDK ``ReadableSpan`` for the official OTLP exporters.

Content attributes (messages, tool arguments and results; see
:func:`tracekit.semconv.is_content_attribute`) are kept unless ``with_content=False``.

>>> span = OtlpSpan(trace_id="5b8efff798038103d269b633813fc60c", span_id="eee19b7ec3c1b174",
...                 parent_span_id=None, name="chat m", kind="CLIENT", start_ns=1, end_ns=2)
>>> traces_data_to_json(traces_data_from_spans([span]))[:60]
'{"resourceSpans":[{"resource":{},"scopeSpans":[{"scope":{},"'
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, InstrumentationScope, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource as ProtoResource
from opentelemetry.proto.trace.v1.trace_pb2 import (
    ResourceSpans,
    ScopeSpans,
    Span,
    Status,
    TracesData,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope as SdkScope
from opentelemetry.trace import Link, SpanContext, SpanKind, TraceFlags
from opentelemetry.trace.status import Status as SdkStatus
from opentelemetry.trace.status import StatusCode

from tracekit.exceptions import OtlpFormatError
from tracekit.otlp.decode import SPAN_KINDS, STATUS_CODES
from tracekit.otlp.model import OtlpSpan
from tracekit.semconv import is_content_attribute

_KIND_NUMBER = {name: number for number, name in enumerate(SPAN_KINDS) if number}
_STATUS_NUMBER = {name: number for number, name in enumerate(STATUS_CODES)}
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_ID_KEYS = ("traceId", "spanId", "parentSpanId")
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def drop_content(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """``attributes`` without content attributes (messages, tool arguments and results)."""
    return {key: value for key, value in attributes.items() if not is_content_attribute(key)}


def resource_spans_from_spans(
    spans: Iterable[OtlpSpan], *, with_content: bool = True
) -> list[ResourceSpans]:
    """The spans as protobuf ``ResourceSpans``, one per distinct resource and within it one
    ``ScopeSpans`` per instrumentation scope (name and version), in order of first appearance."""
    by_resource: dict[str, tuple[ResourceSpans, dict[tuple[str, str], ScopeSpans]]] = {}
    resource_keys: dict[int, tuple[Mapping[str, Any], str]] = {}
    for span in spans:
        cached = resource_keys.get(id(span.resource))
        if cached is not None and cached[0] is span.resource:
            key = cached[1]
        else:
            key = json.dumps(span.resource, sort_keys=True, default=repr)
            resource_keys[id(span.resource)] = (span.resource, key)
        entry = by_resource.get(key)
        if entry is None:
            message = ResourceSpans(
                resource=ProtoResource(attributes=attributes_to_proto(span.resource))
            )
            entry = by_resource[key] = (message, {})
        message, scopes = entry
        scope_key = (span.scope_name or "", span.scope_version or "")
        scope_spans = scopes.get(scope_key)
        if scope_spans is None:
            scope_spans = message.scope_spans.add()
            scope_spans.scope.CopyFrom(
                InstrumentationScope(name=scope_key[0], version=scope_key[1])
            )
            scopes[scope_key] = scope_spans
        _fill_span(scope_spans.spans.add(), span, with_content)
    return [message for message, _ in by_resource.values()]


def traces_data_from_spans(spans: Iterable[OtlpSpan], *, with_content: bool = True) -> TracesData:
    """The spans as one protobuf ``TracesData`` (see :func:`resource_spans_from_spans`)."""
    return TracesData(resource_spans=resource_spans_from_spans(spans, with_content=with_content))


def _fill_span(out: Span, span: OtlpSpan, with_content: bool) -> None:
    try:
        out.trace_id = bytes.fromhex(span.trace_id)
        out.span_id = bytes.fromhex(span.span_id)
        if span.parent_span_id:
            out.parent_span_id = bytes.fromhex(span.parent_span_id)
    except ValueError:
        raise OtlpFormatError(f"span {span.name!r}: its ids are not hex") from None
    out.name = span.name
    out.kind = _KIND_NUMBER.get(span.kind, 1)  # type: ignore[assignment]
    out.start_time_unix_nano = span.start_ns
    out.end_time_unix_nano = span.end_ns
    attributes = span.attributes if with_content else drop_content(span.attributes)
    out.attributes.extend(attributes_to_proto(attributes))
    for event in span.events:
        proto_event = out.events.add()
        proto_event.name = event.name
        proto_event.time_unix_nano = event.time_ns
        proto_event.attributes.extend(attributes_to_proto(event.attributes))
    for link in span.links:
        proto_link = out.links.add()
        proto_link.trace_id = bytes.fromhex(link.trace_id)
        proto_link.span_id = bytes.fromhex(link.span_id)
        proto_link.attributes.extend(attributes_to_proto(link.attributes))
    if span.status_code != "UNSET" or span.status_message:
        out.status.CopyFrom(
            Status(
                code=_STATUS_NUMBER.get(span.status_code, 0),  # type: ignore[arg-type]
                message=span.status_message or "",
            )
        )


def attributes_to_proto(attributes: Mapping[str, Any]) -> list[KeyValue]:
    """A dict of plain values as OTLP key-values."""
    return [KeyValue(key=str(k), value=value_to_proto(v)) for k, v in attributes.items()]


def value_to_proto(value: Any) -> AnyValue:
    """A plain value as an OTLP ``AnyValue``: None is an empty value; an integer outside the
    int64 range is sent as its decimal text (OTLP has no wider integer)."""
    if value is None:
        return AnyValue()
    if isinstance(value, str):
        return AnyValue(string_value=value)
    if isinstance(value, bool):
        return AnyValue(bool_value=value)
    if isinstance(value, int):
        if _INT64_MIN <= value <= _INT64_MAX:
            return AnyValue(int_value=value)
        return AnyValue(string_value=str(value))
    if isinstance(value, float):
        return AnyValue(double_value=value)
    if isinstance(value, bytes | bytearray):
        return AnyValue(bytes_value=bytes(value))
    if isinstance(value, Mapping):
        result = AnyValue()
        result.kvlist_value.values.extend(attributes_to_proto(value))
        return result
    if isinstance(value, list | tuple):
        result = AnyValue()
        result.array_value.values.extend(value_to_proto(item) for item in value)
        return result
    return AnyValue(string_value=str(value))


def traces_data_to_json(data: TracesData) -> str:
    """One line of OTLP/JSON (no newline): camelCase fields, hex ids, integer enums, 64-bit
    integers as strings, default values left out, as the Collector's file exporter writes."""
    document = json_format.MessageToDict(data, use_integers_for_enums=True)
    for resource_span in document.get("resourceSpans", ()):
        for scope_span in resource_span.get("scopeSpans", ()):
            for span in scope_span.get("spans", ()):
                _base64_ids_to_hex(span)
                for link in span.get("links", ()):
                    _base64_ids_to_hex(link)
    return _ENCODER.encode(document)


def _base64_ids_to_hex(obj: dict[str, Any]) -> None:
    for key in _ID_KEYS:
        value = obj.get(key)
        if value:
            obj[key] = base64.b64decode(value).hex()


def spans_to_json_line(spans: Iterable[OtlpSpan], *, with_content: bool = True) -> str:
    """The spans as one OTLP/JSON ``TracesData`` line (no newline)."""
    return traces_data_to_json(traces_data_from_spans(spans, with_content=with_content))


class ReadableSpanFactory:
    """Builds SDK ``ReadableSpan`` objects, sharing one ``Resource`` per distinct resource
    dict (the OTLP exporter groups spans by resource)."""

    def __init__(self) -> None:
        self._resources: dict[int, tuple[Mapping[str, Any], Resource]] = {}

    def __call__(self, span: OtlpSpan, *, with_content: bool = True) -> ReadableSpan:
        """``span`` as a finished SDK span."""
        cached = self._resources.get(id(span.resource))
        if cached is not None and cached[0] is span.resource:
            resource = cached[1]
        else:
            resource = Resource(dict(span.resource))
            self._resources[id(span.resource)] = (span.resource, resource)
        return _readable_span(span, resource, with_content)


def to_readable_span(span: OtlpSpan, *, with_content: bool = True) -> ReadableSpan:
    """``span`` as a finished OpenTelemetry SDK span, ready for an SDK ``SpanExporter`` such
    as the official ``OTLPSpanExporter``. Use :class:`ReadableSpanFactory` for many spans."""
    return _readable_span(span, Resource(dict(span.resource)), with_content)


def _readable_span(span: OtlpSpan, resource: Resource, with_content: bool) -> ReadableSpan:
    flags = TraceFlags(TraceFlags.SAMPLED)
    trace_id = int(span.trace_id, 16)
    context = SpanContext(trace_id, int(span.span_id, 16), is_remote=False, trace_flags=flags)
    parent = (
        SpanContext(trace_id, int(span.parent_span_id, 16), is_remote=False, trace_flags=flags)
        if span.parent_span_id
        else None
    )
    attributes = dict(span.attributes) if with_content else drop_content(span.attributes)
    return ReadableSpan(
        name=span.name,
        context=context,
        parent=parent,
        resource=resource,
        attributes=attributes,
        events=[
            Event(event.name, dict(event.attributes), timestamp=event.time_ns)
            for event in span.events
        ],
        links=[
            Link(
                SpanContext(
                    int(link.trace_id, 16),
                    int(link.span_id, 16),
                    is_remote=True,
                    trace_flags=flags,
                ),
                dict(link.attributes),
            )
            for link in span.links
        ],
        kind=SpanKind[span.kind] if span.kind in SpanKind.__members__ else SpanKind.INTERNAL,
        status=SdkStatus(
            StatusCode[span.status_code]
            if span.status_code in StatusCode.__members__
            else StatusCode.UNSET,
            span.status_message if span.status_code == "ERROR" else None,
        ),
        start_time=span.start_ns,
        end_time=span.end_ns,
        instrumentation_scope=SdkScope(span.scope_name or "", span.scope_version),
    )
