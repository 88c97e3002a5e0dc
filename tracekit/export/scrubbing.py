"""Scrub SDK spans on their way to an OTLP exporter: the last step before encoding.

Live export hands the OTel SDK's own spans to the official exporter, and ``export
--otlp-endpoint`` builds SDK spans from stored ones: both wrap their exporter in
:class:`ScrubbingSpanExporter`, so no span reaches the wire without :mod:`tracekit.scrub`
having seen its name, status message and every attribute (resource, events and links
included), whatever produced it.

>>> from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
>>> exporter = ScrubbingSpanExporter(InMemorySpanExporter())
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import Link, Status

from tracekit.scrub import clean_attributes, scrub_text


def _clean(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    return clean_attributes(attributes or {}, True)


class _ResourceMemo:
    """Spans of one provider share their Resource: scrub it once, and keep one object so the
    encoder still groups the spans under one resource."""

    def __init__(self) -> None:
        self._memo: dict[int, tuple[Resource, Resource]] = {}

    def __call__(self, resource: Resource) -> Resource:
        cached = self._memo.get(id(resource))
        if cached is not None and cached[0] is resource:
            return cached[1]
        if len(self._memo) > 256:
            self._memo.clear()
        clean = Resource(_clean(resource.attributes), resource.schema_url)
        self._memo[id(resource)] = (resource, clean)
        return clean


def scrub_readable_span(span: ReadableSpan, resource: Resource | None = None) -> ReadableSpan:
    """A copy of ``span`` with secrets scrubbed from its name, status message and every
    attribute (on the span, its resource, events and links); ``resource``, when given, is the
    already scrubbed resource to use."""
    status = span.status
    if status.description:
        status = Status(status.status_code, scrub_text(status.description))
    return ReadableSpan(
        name=scrub_text(span.name),
        context=span.context,
        parent=span.parent,
        resource=resource if resource is not None else Resource(_clean(span.resource.attributes)),
        attributes=_clean(span.attributes),
        events=[
            Event(scrub_text(event.name), _clean(event.attributes), event.timestamp)
            for event in span.events
        ],
        links=[Link(link.context, _clean(link.attributes)) for link in span.links],
        kind=span.kind,
        status=status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class ScrubbingSpanExporter(SpanExporter):
    """Wraps an exporter: every span it is given is scrubbed (:func:`scrub_readable_span`)
    before the wrapped exporter encodes it."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner
        self._resources = _ResourceMemo()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Scrub one batch and hand it on."""
        resource_of = self._resources
        return self.inner.export(
            [scrub_readable_span(span, resource_of(span.resource)) for span in spans]
        )

    def shutdown(self) -> None:
        """Shut the wrapped exporter down."""
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Flush the wrapped exporter."""
        return self.inner.force_flush(timeout_millis)
