"""OpenTelemetry wiring: one tracer provider and meter provider per :class:`Telemetry`.

Every span passes through :class:`GenAISpanEnricher` before it reaches the store or an
exporter. The enricher stamps what the emitting code cannot know (which agent a span ran
under, the Phoenix span kind) and derives what only the finished span knows (cost from the
price table, ``gen_ai.response.finish_reasons`` from the Anthropic SDK's stop reason, the two
GenAI client histograms). It works through the SDK's public API: it forwards a new
``ReadableSpan`` with the extra attributes instead of mutating an ended span, so the Anthropic
SDK's own ``anthropic.messages.create`` span becomes a complete LLM span without a duplicate.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.metrics import Histogram, Meter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import Tracer

from tracekit import semconv as sc
from tracekit import settings
from tracekit.pricing import PriceTable

logger = logging.getLogger("tracekit")

P = ParamSpec("P")
R = TypeVar("R")

INSTRUMENTATION_SCOPE = "tracekit"

#: The agent path ("supervisor/billing") of the agent whose code is running; the enricher
#: stamps it on every span started under that agent, including the Anthropic SDK's.
current_agent_path: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "tracekit_agent_path", default=None
)


#: Which agent call is running (``path#sequence``): replay answers model calls by it.
current_invocation: contextvars.ContextVar[str] = contextvars.ContextVar(
    "tracekit_invocation", default=""
)

#: ``gen_ai.tool.definitions`` of the model call in progress, for the client span a library
#: emits (the Anthropic SDK's span does not record the tools it was offered; replay compares
#: them, so the enricher stamps them on).
pending_tool_definitions: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "tracekit_tool_definitions", default=None
)

#: The price table of the run in progress; model clients price their LLM spans with it, so the
#: enricher only has to complete spans from code that does not know tracekit (the Anthropic SDK).
active_prices: contextvars.ContextVar[PriceTable | None] = contextvars.ContextVar(
    "tracekit_active_prices", default=None
)

_tracers: weakref.WeakKeyDictionary[Any, dict[str, Tracer]] = weakref.WeakKeyDictionary()
_tracers_lock = threading.Lock()


def tracer_for(tracer_provider: Any, scope: str) -> Tracer:
    """A tracer of ``tracer_provider`` (the global one if None), cached: ``get_tracer`` costs
    more than a span."""
    if tracer_provider is None:
        return trace.get_tracer(scope)
    with _tracers_lock:
        by_scope = _tracers.setdefault(tracer_provider, {})
        tracer = by_scope.get(scope)
        if tracer is None:
            tracer = by_scope[scope] = tracer_provider.get_tracer(scope)
        return tracer


def error_type(exc: BaseException) -> str:
    """``error.type``: the exception's fully qualified class name (builtins stay short)."""
    cls = type(exc)
    return (
        cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"
    )


def handle_internal_errors(fn: Callable[P, R | None]) -> Callable[P, R | None]:
    """Run a telemetry function so that its failure is logged, never raised into user code."""

    @wraps(fn)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R | None:
        try:
            return fn(*args, **kwargs)
        except Exception:
            logger.exception("tracekit telemetry error in %s (the program goes on)", fn.__name__)
            return None

    return guarded


_OPENINFERENCE_KIND_BY_OPERATION = {
    sc.OP_INVOKE_WORKFLOW: sc.OI_CHAIN,
    sc.OP_INVOKE_AGENT: sc.OI_AGENT,
    sc.OP_EXECUTE_TOOL: sc.OI_TOOL,
    **{op: sc.OI_LLM for op in sc.LLM_OPERATIONS},
}


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

    def add_downstream(self, processor: SpanProcessor) -> None:
        """Send enriched spans to one more processor (an exporter's, say)."""
        self._downstream.append(processor)

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        self._stamp(span)
        for processor in self._downstream:
            processor.on_start(span, parent_context)

    @handle_internal_errors
    def _stamp(self, span: Span) -> None:
        scope = span.instrumentation_scope
        if scope is not None and scope.name == INSTRUMENTATION_SCOPE:
            return  # the orchestrator's own spans are created complete
        attrs = span.attributes or {}
        path = current_agent_path.get()
        if path is not None and sc.TRACEKIT_AGENT_PATH not in attrs:
            span.set_attribute(sc.TRACEKIT_AGENT_PATH, path)
        tools = pending_tool_definitions.get()
        if tools is not None and span.name == sc.ANTHROPIC_SPAN_NAME:
            span.set_attribute(sc.GEN_AI_TOOL_DEFINITIONS, tools)
        if sc.OPENINFERENCE_SPAN_KIND not in attrs:
            operation = attrs.get(sc.GEN_AI_OPERATION_NAME)
            if span.name == sc.ANTHROPIC_SPAN_NAME:
                operation = sc.OP_CHAT
            kind = _OPENINFERENCE_KIND_BY_OPERATION.get(str(operation))
            if kind is not None:
                span.set_attribute(sc.OPENINFERENCE_SPAN_KIND, kind)

    def on_end(self, span: ReadableSpan) -> None:
        enriched = self._enrich(span) or span
        for processor in self._downstream:
            processor.on_end(enriched)

    @handle_internal_errors
    def _enrich(self, span: ReadableSpan) -> ReadableSpan | None:
        attrs = span.attributes or {}
        if attrs.get(sc.GEN_AI_OPERATION_NAME) not in sc.LLM_OPERATIONS:
            return None
        if self._metrics is not None:
            self._metrics.record(span)
        extra: dict[str, Any] = {}
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


@functools.lru_cache(maxsize=64)
def _resource(service_name: str, resource_env: str | None) -> Resource:
    # Resource detection reads the environment and the process every time (~1 ms): too slow
    # for replay, which builds a provider per run. The env key keeps OTEL_RESOURCE_ATTRIBUTES
    # changes visible.
    return Resource.create({sc.SERVICE_NAME: service_name})


class Telemetry:
    """A tracer provider and meter provider whose spans go through the GenAI enricher.

    >>> from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    >>> from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    >>> exporter = InMemorySpanExporter()
    >>> telemetry = Telemetry(processors=[SimpleSpanProcessor(exporter)])
    """

    def __init__(
        self,
        *,
        processors: Sequence[SpanProcessor] = (),
        metric_readers: Sequence[MetricReader] = (),
        prices: PriceTable | None = None,
        service_name: str = "tracekit",
        id_generator: IdGenerator | None = None,
    ) -> None:
        self.prices = prices or PriceTable.default()
        # OTEL_SERVICE_NAME names the service wherever the spans go, as in any OTel SDK.
        service_name = settings.service_name(service_name)
        resource = _resource(service_name, settings.resource_attributes())
        self.meter_provider = MeterProvider(resource=resource, metric_readers=list(metric_readers))
        # Without a reader, recorded measurements go nowhere: skip the work on the hot path.
        self.metrics = (
            GenAIMetrics(self.meter_provider.get_meter(INSTRUMENTATION_SCOPE))
            if metric_readers
            else None
        )
        self.enricher = GenAISpanEnricher(processors, self.prices, self.metrics)
        self.tracer_provider = TracerProvider(resource=resource, id_generator=id_generator)
        self.tracer_provider.add_span_processor(self.enricher)
        self.tracer: Tracer = self.tracer_provider.get_tracer(INSTRUMENTATION_SCOPE)

    @classmethod
    def recording_to(cls, store: str | Path | None = None, **kwargs: Any) -> Telemetry:
        """Telemetry that records into a tracekit store (default path rules apply)."""
        from tracekit.export.live import live_export_processor
        from tracekit.store import StoreSpanProcessor, resolve_store_path

        processor = StoreSpanProcessor(resolve_store_path(store))
        extra: Sequence[SpanProcessor] = kwargs.pop("processors", ())
        # With OTEL_EXPORTER_OTLP_ENDPOINT set, spans also go live to that OTLP endpoint.
        live = live_export_processor()
        return cls(processors=[processor, *extra, *([live] if live else [])], **kwargs)

    def flush(self, timeout_millis: int = 30000) -> bool:
        """Write every finished span through to its destinations."""
        return bool(self.tracer_provider.force_flush(timeout_millis))

    def shutdown(self) -> None:
        """Flush and close; the telemetry records nothing afterwards."""
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


_default: Telemetry | None = None


def configure(store: str | Path | None = None, **kwargs: Any) -> Telemetry:
    """Make the default telemetry record into ``store`` and return it.

    Workflows use the default unless given ``telemetry=``. Calling ``configure`` again
    replaces the default (the old one is flushed and shut down).
    """
    global _default
    old, _default = _default, Telemetry.recording_to(store, **kwargs)
    if old is not None:
        old.shutdown()
    return _default


def default_telemetry() -> Telemetry:
    """The default telemetry, recording into the default store on first use."""
    global _default
    if _default is None:
        _default = Telemetry.recording_to(None)
    return _default


@contextmanager
def agent_scope(path: str, invocation: str = "") -> Iterator[None]:
    """Mark the code in the block as running under the agent call ``invocation`` of the
    agent at ``path``."""
    token = current_agent_path.set(path)
    invocation_token = current_invocation.set(invocation)
    try:
        yield
    finally:
        current_invocation.reset(invocation_token)
        current_agent_path.reset(token)
