"""Provider wiring: one tracer provider and meter provider per :class:`Telemetry`.

A :class:`Telemetry` routes every span through the GenAI enricher to its processors (the
store's, an exporter's). :func:`configure` and :func:`default_telemetry` hold the process-wide
default that workflows use; :func:`tracer_for` caches tracers. Span ids come from
:class:`~tracekit.telemetry.ids.RandomIds` unless another generator is given
(:class:`~tracekit.telemetry.ids.SequentialIds` for replay and tests).
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import Tracer

from tracekit import semconv as sc
from tracekit import settings
from tracekit.pricing import PriceTable
from tracekit.telemetry.enricher import INSTRUMENTATION_SCOPE, GenAIMetrics, GenAISpanEnricher
from tracekit.telemetry.ids import RandomIds

# Tracers by scope, kept on the provider itself (under this attribute) where it can hold
# them, so they live and die with it; only a provider without a ``__dict__`` is looked up in
# the weak-keyed table. In that table a tracer that refers back to its provider (replay's
# capture tracer does) keeps its own key alive, and with it the provider and every span it
# captured: a replay suite grew by every replay's spans.
_CACHE_ATTRIBUTE = "_tracekit_tracers"
_tracers: weakref.WeakKeyDictionary[Any, dict[str, Tracer]] = weakref.WeakKeyDictionary()
_tracers_lock = threading.Lock()
_last_tracer: tuple[weakref.ref[Any], str, weakref.ref[Tracer]] | None = None


def tracer_for(tracer_provider: Any, scope: str) -> Tracer:
    """A tracer of ``tracer_provider`` (the global one if None), cached: ``get_tracer`` costs
    more than a span."""
    if tracer_provider is None:
        return trace.get_tracer(scope)
    # The last answer, weakly held: a model client asks once a call, nearly always for the
    # same provider and scope, and a WeakKeyDictionary lookup makes a weak reference a call.
    last = _last_tracer
    if last is not None and last[1] == scope and last[0]() is tracer_provider:
        known = last[2]()
        if known is not None:
            return known
    with _tracers_lock:
        by_scope = _scope_cache(tracer_provider)
        tracer = by_scope.get(scope)
        if tracer is None:
            tracer = by_scope[scope] = tracer_provider.get_tracer(scope)
    _remember(tracer_provider, scope, tracer)
    return tracer


def _scope_cache(tracer_provider: Any) -> dict[str, Tracer]:
    """The cache of ``tracer_provider``'s tracers by scope (under ``_tracers_lock``)."""
    try:
        attributes = vars(tracer_provider)
        cache: dict[str, Tracer] | None = attributes.get(_CACHE_ATTRIBUTE)
        if cache is None:
            cache = attributes[_CACHE_ATTRIBUTE] = {}
        return cache
    except TypeError:  # no __dict__ (slots, a C type), or not a writable one
        pass
    try:
        return _tracers.setdefault(tracer_provider, {})
    except TypeError:  # nor weakly referable: its tracers are not cached
        return {}


def _remember(tracer_provider: Any, scope: str, tracer: Tracer) -> None:
    global _last_tracer
    try:
        _last_tracer = (weakref.ref(tracer_provider), scope, weakref.ref(tracer))
    except TypeError:  # a provider or tracer that cannot be weakly referenced: not kept
        _last_tracer = None


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
        self._resource = resource
        self._metric_readers = list(metric_readers)
        self._meter_provider: MeterProvider | None = None
        self._meter_lock = threading.Lock()
        self._shut_down = False
        # Without a reader, recorded measurements go nowhere: skip the work on the hot path.
        self.metrics = (
            GenAIMetrics(self.meter_provider.get_meter(INSTRUMENTATION_SCOPE))
            if metric_readers
            else None
        )
        self.enricher = GenAISpanEnricher(processors, self.prices, self.metrics)
        # Ids from a generator of our own: the SDK's draw from ``random``, which runs seed.
        self.tracer_provider = TracerProvider(
            resource=resource, id_generator=id_generator or RandomIds()
        )
        self.tracer_provider.add_span_processor(self.enricher)
        self.tracer: Tracer = self.tracer_provider.get_tracer(INSTRUMENTATION_SCOPE)

    @classmethod
    def recording_to(cls, store: str | Path | None = None, **kwargs: Any) -> Telemetry:
        """Telemetry that records into a tracekit store (default path rules apply)."""
        from tracekit.export.live import live_export_processor, live_metric_reader
        from tracekit.store import StoreSpanProcessor, resolve_store_path

        processor = StoreSpanProcessor(resolve_store_path(store))
        extra: Sequence[SpanProcessor] = kwargs.pop("processors", ())
        # With OTEL_EXPORTER_OTLP_ENDPOINT set, spans also go live to that OTLP endpoint,
        # and the GenAI metric histograms too.
        live = live_export_processor()
        readers: Sequence[MetricReader] = kwargs.pop("metric_readers", ())
        reader = live_metric_reader()
        return cls(
            processors=[processor, *extra, *([live] if live else [])],
            metric_readers=[*readers, *([reader] if reader else [])],
            **kwargs,
        )

    @property
    def meter_provider(self) -> MeterProvider:
        """The meter provider, made on first use: without a metric reader nothing records
        into it, and each one the SDK makes leaves a fork hook behind for good (one per replay
        or fork that builds a telemetry of its own)."""
        provider = self._meter_provider
        if provider is None:
            with self._meter_lock:
                provider = self._meter_provider
                if provider is None:
                    provider = MeterProvider(
                        resource=self._resource, metric_readers=self._metric_readers
                    )
                    if self._shut_down:
                        provider.shutdown()
                    self._meter_provider = provider
        return provider

    def flush(self, timeout_millis: int = 30000) -> bool:
        """Write every finished span through to its destinations."""
        return bool(self.tracer_provider.force_flush(timeout_millis))

    def shutdown(self) -> None:
        """Flush and close; the telemetry records nothing afterwards."""
        self.tracer_provider.shutdown()
        with self._meter_lock:
            self._shut_down = True
            provider = self._meter_provider
        if provider is not None:
            provider.shutdown()


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
