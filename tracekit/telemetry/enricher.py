"""The GenAI span enricher and the two GenAI client metrics.

Every span passes through :class:`GenAISpanEnricher` before it reaches the store or an
exporter. The enricher stamps what the emitting code cannot know (which agent a span ran
under, the Phoenix span kind) and derives what only the finished span knows (cost from the
price table, ``gen_ai.response.finish_reasons`` from the Anthropic SDK's stop reason, the two
GenAI client histograms). It works through the SDK's public API: it forwards a new
``ReadableSpan`` with the extra attributes instead of mutating an ended span, so the Anthropic
SDK's own ``anthropic.messages.create`` span becomes a complete LLM span without a duplicate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry.attributes import BoundedAttributes
from opentelemetry.metrics import Histogram, Meter
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from tracekit import semconv as sc
from tracekit.pricing import PriceTable
from tracekit.telemetry.guards import handle_internal_errors
from tracekit.telemetry.scope import (
    current_agent_path,
    pending_span_attributes,
    pending_tool_definitions,
)

#: The instrumentation scope of tracekit's own tracer and meter.
INSTRUMENTATION_SCOPE = "tracekit"


def error_type(exc: BaseException) -> str:
    """``error.type``: the exception's fully qualified class name (builtins stay short)."""
    cls = type(exc)
    return (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )


_OPENINFERENCE_KIND_BY_OPERATION = {
    sc.OP_INVOKE_WORKFLOW: sc.OI_CHAIN,
    sc.OP_INVOKE_AGENT: sc.OI_AGENT,
    sc.OP_EXECUTE_TOOL: sc.OI_TOOL,
    **{op: sc.OI_LLM for op in sc.LLM_OPERATIONS},
}


#: Operations :meth:`GenAISpanEnricher._enrich` completes (the model calls), and ``""``, which
#: stands for attributes the SDK does not hold as usual (read through the guarded path).
_MAYBE_ENRICHED = sc.LLM_OPERATIONS | {""}


def _int_attr(attributes: Any, key: str) -> int:
    value = attributes.get(key)
    return int(value) if isinstance(value, int | float) else 0


class GenAIMetrics:
    """The two GenAI client histograms, with the bucket boundaries the semconv gives."""

    def __init__(self, meter: Meter) -> None:
        self.token_usage: Histogram = meter.create_histogram(
            sc.METRIC_TOKEN_USAGE,
            unit="{token}",
            description="Number of input and output tokens used.",
            explicit_bucket_boundaries_advisory=list(sc.TOKEN_USAGE_BUCKETS),
        )
        self.operation_duration: Histogram = meter.create_histogram(
            sc.METRIC_OPERATION_DURATION,
            unit="s",
            description="GenAI operation duration.",
            explicit_bucket_boundaries_advisory=list(sc.OPERATION_DURATION_BUCKETS),
        )

    def record(self, span: ReadableSpan) -> None:
        """Record one finished LLM span."""
        attrs = span.attributes or {}
        common: dict[str, str] = {}
        for key in (
            sc.GEN_AI_OPERATION_NAME,
            sc.GEN_AI_PROVIDER_NAME,
            sc.GEN_AI_REQUEST_MODEL,
            sc.GEN_AI_RESPONSE_MODEL,
        ):
            value = attrs.get(key)
            if isinstance(value, str):
                common[key] = value
        if span.start_time is not None and span.end_time is not None:
            duration_attrs = dict(common)
            error_type = attrs.get(sc.ERROR_TYPE)
            if isinstance(error_type, str):
                duration_attrs[sc.ERROR_TYPE] = error_type
            self.operation_duration.record(
                (span.end_time - span.start_time) / 1e9, attributes=duration_attrs
            )
        for token_type, key in (
            ("input", sc.GEN_AI_USAGE_INPUT_TOKENS),
            ("output", sc.GEN_AI_USAGE_OUTPUT_TOKENS),
        ):
            if key in attrs:
                self.token_usage.record(
                    _int_attr(attrs, key), attributes={**common, sc.GEN_AI_TOKEN_TYPE: token_type}
                )


class GenAISpanEnricher(SpanProcessor):
    """Completes GenAI spans, then hands them to the downstream processors.

    ``on_start`` stamps the agent path and ``openinference.span.kind``; ``on_end`` adds
    ``tracekit.cost.usd`` and ``gen_ai.response.finish_reasons`` to LLM spans that lack them
    and records the GenAI metrics. Spans that need nothing pass through untouched.
    """

    def __init__(
        self,
        downstream: Sequence[SpanProcessor],
        prices: PriceTable,
        metrics: GenAIMetrics | None = None,
    ) -> None:
        self._downstream = list(downstream)
        self._prices = prices
        self._metrics = metrics
        # Spans started with attributes still to come (a stream's deltas), by span id.
        self._pending: dict[int, Callable[[], dict[str, Any]]] = {}

    def add_downstream(self, processor: SpanProcessor) -> None:
        """Send enriched spans to one more processor (an exporter's, say)."""
        self._downstream.append(processor)

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        # The orchestrator's own spans are created complete: told apart here by two reads of
        # the SDK's fields (which cannot raise), without a guarded call a span.
        scope = getattr(span, "_instrumentation_scope", None)
        if not (type(scope) is InstrumentationScope and scope._name == INSTRUMENTATION_SCOPE):
            self._stamp(span)
        for processor in self._downstream:
            processor.on_start(span, parent_context)

    @handle_internal_errors
    def _stamp(self, span: Span) -> None:
        scope = span.instrumentation_scope
        if scope is not None and scope.name == INSTRUMENTATION_SCOPE:
            return  # the orchestrator's own spans are created complete
        attrs = _attributes_of(span)
        # Set in one call at the end, in this order: one lock and call into the SDK a span.
        stamps: dict[str, Any] = {}
        path = current_agent_path.get()
        if path is not None and sc.TRACEKIT_AGENT_PATH not in attrs:
            stamps[sc.TRACEKIT_AGENT_PATH] = path
        tools = pending_tool_definitions.get()
        if tools is not None and span.name == sc.ANTHROPIC_SPAN_NAME:
            stamps[sc.GEN_AI_TOOL_DEFINITIONS] = tools
        later = pending_span_attributes.get()
        if later is not None and span.name == sc.ANTHROPIC_SPAN_NAME:
            self._pending[span.context.span_id] = later
        if sc.OPENINFERENCE_SPAN_KIND not in attrs:
            operation = attrs.get(sc.GEN_AI_OPERATION_NAME)
            if span.name == sc.ANTHROPIC_SPAN_NAME:
                operation = sc.OP_CHAT
            kind = _OPENINFERENCE_KIND_BY_OPERATION.get(str(operation))
            if kind is not None:
                stamps[sc.OPENINFERENCE_SPAN_KIND] = kind
        if stamps:
            span.set_attributes(stamps)

    def on_end(self, span: ReadableSpan) -> None:
        # Most spans need nothing (no attributes wait for them, and their operation is no
        # model call): told apart by plain reads of the SDK's fields, which cannot raise,
        # without a guarded call a span. Any other span takes the guarded path.
        raw = getattr(span, "_attributes", None)
        operation = (
            raw._dict.get(sc.GEN_AI_OPERATION_NAME) if type(raw) is BoundedAttributes else ""
        )
        if not self._pending and (
            operation is None or (type(operation) is str and operation not in _MAYBE_ENRICHED)
        ):
            enriched = span
        else:
            enriched = self._enrich(span) or span
        for processor in self._downstream:
            processor.on_end(enriched)

    @handle_internal_errors
    def _enrich(self, span: ReadableSpan) -> ReadableSpan | None:
        attrs = _attributes_of(span)
        later = self._pending.pop(span.context.span_id, None) if self._pending else None
        if attrs.get(sc.GEN_AI_OPERATION_NAME) not in sc.LLM_OPERATIONS:
            return None
        if self._metrics is not None:
            self._metrics.record(span)
        extra: dict[str, Any] = later() if later is not None else {}
        if sc.TRACEKIT_COST_USD not in attrs and sc.GEN_AI_USAGE_INPUT_TOKENS in attrs:
            model = attrs.get(sc.GEN_AI_RESPONSE_MODEL) or attrs.get(sc.GEN_AI_REQUEST_MODEL)
            cost = self._prices.cost(
                str(model) if model else None,
                input_tokens=_int_attr(attrs, sc.GEN_AI_USAGE_INPUT_TOKENS),
                output_tokens=_int_attr(attrs, sc.GEN_AI_USAGE_OUTPUT_TOKENS),
                cache_read_tokens=_int_attr(attrs, sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
                cache_creation_tokens=_int_attr(attrs, sc.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS)
                or _int_attr(attrs, sc.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS),
            )
            if cost is not None:
                extra[sc.TRACEKIT_COST_USD] = cost
        stop_reason = attrs.get(sc.ANTHROPIC_STOP_REASON)
        if sc.GEN_AI_RESPONSE_FINISH_REASONS not in attrs and isinstance(stop_reason, str):
            extra[sc.GEN_AI_RESPONSE_FINISH_REASONS] = (stop_reason,)
        if not extra:
            return None
        return ReadableSpan(
            name=span.name,
            context=span.context,
            parent=span.parent,
            resource=span.resource,
            attributes={**attrs, **extra},
            events=span.events,
            links=span.links,
            kind=span.kind,
            status=span.status,
            start_time=span.start_time,
            end_time=span.end_time,
            instrumentation_scope=span.instrumentation_scope,
        )

    def shutdown(self) -> None:
        for processor in self._downstream:
            processor.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return all(p.force_flush(timeout_millis) for p in self._downstream)


def _attributes_of(span: ReadableSpan) -> Mapping[str, Any]:
    """The span's attributes, read through. ``span.attributes`` is a read-only proxy over
    ``BoundedAttributes``, whose ``get`` and ``in`` are Python calls; its plain dict is read
    directly where the SDK has one (only read here: writes go through the span)."""
    raw = getattr(span, "_attributes", None)
    if type(raw) is BoundedAttributes:
        return raw._dict
    return span.attributes or {}
