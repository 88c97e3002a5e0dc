"""A fork's lineage: which trace it was forked from, at which step, with which overrides.

The fork's workflow span carries ``tracekit.fork.parent_trace_id``, ``tracekit.fork.at`` and
``tracekit.fork.overrides``, and an OpenTelemetry span link to the parent's workflow span (so
Jaeger, Tempo and Phoenix show the relation too). :class:`LineageProcessor` stamps them when
the fork's root span starts; :func:`lineage_of` reads them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import SpanContext, TraceFlags

from tracekit import semconv as sc
from tracekit.otlp.values import parse_json


@dataclass(frozen=True)
class ForkLineage:
    """Where a fork comes from."""

    parent_trace_id: str
    at: str
    overrides: dict[str, Any]


class LineageProcessor(SpanProcessor):
    """Stamps a fork's lineage on the workflow span of every run it sees start."""

    def __init__(
        self,
        *,
        parent_trace_id: str,
        parent_span_id: str | None,
        at: str,
        overrides_json: str,
    ) -> None:
        self._attributes = {
            sc.TRACEKIT_FORK_PARENT_TRACE_ID: parent_trace_id,
            sc.TRACEKIT_FORK_AT: at,
            sc.TRACEKIT_FORK_OVERRIDES: overrides_json,
        }
        self._link: SpanContext | None = None
        if parent_span_id:
            self._link = SpanContext(
                trace_id=int(parent_trace_id, 16),
                span_id=int(parent_span_id, 16),
                is_remote=True,
                trace_flags=TraceFlags(TraceFlags.SAMPLED),
            )

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        """Stamp the lineage on a root workflow span."""
        attrs = span.attributes or {}
        if span.parent is not None or attrs.get(sc.GEN_AI_OPERATION_NAME) != sc.OP_INVOKE_WORKFLOW:
            return
        span.set_attributes(self._attributes)
        if self._link is not None:
            span.add_link(self._link, {sc.TRACEKIT_LINK_TYPE: sc.LINK_TYPE_FORKED_FROM})

    def on_end(self, span: ReadableSpan) -> None:
        """Nothing to do when a span ends."""

    def shutdown(self) -> None:
        """Nothing to release."""

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Nothing is buffered."""
        return True


def lineage_of(root_attributes: dict[str, Any]) -> ForkLineage | None:
    """The lineage a workflow span's attributes record, or None for a run that is no fork."""
    parent = root_attributes.get(sc.TRACEKIT_FORK_PARENT_TRACE_ID)
    if not isinstance(parent, str) or not parent:
        return None
    overrides = parse_json(root_attributes.get(sc.TRACEKIT_FORK_OVERRIDES))
    return ForkLineage(
        parent_trace_id=parent,
        at=str(root_attributes.get(sc.TRACEKIT_FORK_AT) or ""),
        overrides=overrides if isinstance(overrides, dict) else {},
    )
