"""What ``tracekit export`` sends: stored spans, chosen and scrubbed, as a stream.

:func:`stored_spans` is the one place that chooses what an export sends (traces, a start
time, content or not) and scrubs it; a destination then consumes the stream: a file here,
an OTLP endpoint elsewhere. Spans stream from the store trace by trace, never all at once.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator, Sequence

from tracekit.exceptions import TraceNotFoundError
from tracekit.otlp.model import OtlpEvent, OtlpLink, OtlpSpan
from tracekit.scrub import scrub_nested_attributes, scrub_text
from tracekit.store.queries import TraceStore


def scrub_span(span: OtlpSpan) -> OtlpSpan:
    """``span`` with secrets scrubbed from its name, status message and every attribute
    (resource, events and links included). The store scrubs at write time already; an export
    scrubs again so that a store written by other tools (or older rules) leaks nothing."""
    return dataclasses.replace(
        span,
        name=scrub_text(span.name),
        status_message=scrub_text(span.status_message) if span.status_message else None,
        attributes=scrub_nested_attributes(span.attributes),
        resource=_scrubbed_resource(span.resource),
        events=tuple(
            OtlpEvent(e.name, e.time_ns, scrub_nested_attributes(e.attributes)) for e in span.events
        ),
        links=tuple(
            OtlpLink(link.trace_id, link.span_id, scrub_nested_attributes(link.attributes))
            for link in span.links
        ),
    )


_resource_memo: dict[int, tuple[object, dict[str, object]]] = {}


def _scrubbed_resource(resource: dict[str, object]) -> dict[str, object]:
    # Spans of one batch share their resource dict; scrub it once and keep sharing one dict
    # so the encoders still group the spans under one resource.
    cached = _resource_memo.get(id(resource))
    if cached is not None and cached[0] is resource:
        return cached[1]
    if len(_resource_memo) > 1024:
        _resource_memo.clear()
    clean = scrub_nested_attributes(resource)
    _resource_memo[id(resource)] = (resource, clean)
    return clean


def stored_spans(
    store: TraceStore,
    *,
    trace_ids: Sequence[str] | None = None,
    since_ns: int | None = None,
    with_content: bool = True,
) -> Iterator[OtlpSpan]:
    """The spans an export sends, scrubbed, trace by trace.

    Raises TraceNotFoundError before yielding anything when a given trace id matches no
    trace (or several), or when no trace matches at all.
    """
    spans = store.iter_spans(trace_ids=trace_ids, since_ns=since_ns, with_content=with_content)
    first = next(spans, None)
    if first is None:
        raise TraceNotFoundError(
            "no traces to export" + (" in that time range" if since_ns is not None else "")
        )
    return (scrub_span(span) for span in itertools.chain((first,), spans))
