"""Finished OTel SDK spans as :class:`~tracekit.otlp.OtlpSpan` values (the replayed run's side)."""

from __future__ import annotations

from collections.abc import Iterable

from opentelemetry.sdk.trace import ReadableSpan

from tracekit.otlp import OtlpEvent, OtlpLink, OtlpSpan


def otlp_span(span: ReadableSpan) -> OtlpSpan:
    """One finished SDK span as plain values."""
    context = span.get_span_context()
    assert context is not None
    scope = span.instrumentation_scope
    return OtlpSpan(
        trace_id=format(context.trace_id, "032x"),
        span_id=format(context.span_id, "016x"),
        parent_span_id=format(span.parent.span_id, "016x") if span.parent else None,
        name=span.name,
        kind=span.kind.name,
        start_ns=span.start_time or 0,
        end_ns=span.end_time or span.start_time or 0,
        status_code=span.status.status_code.name,
        status_message=span.status.description,
        attributes=dict(span.attributes or {}),
        resource=dict(span.resource.attributes),
        scope_name=scope.name if scope else None,
        scope_version=scope.version if scope else None,
        events=tuple(
            OtlpEvent(event.name, event.timestamp, dict(event.attributes or {}))
            for event in span.events
        ),
        links=tuple(
            OtlpLink(
                format(link.context.trace_id, "032x"),
                format(link.context.span_id, "016x"),
                dict(link.attributes or {}),
            )
            for link in span.links
        ),
    )


def otlp_spans(spans: Iterable[ReadableSpan]) -> list[OtlpSpan]:
    """Finished SDK spans as plain values."""
    return [otlp_span(span) for span in spans]
