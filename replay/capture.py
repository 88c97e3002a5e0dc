"""The replayed run's spans, captured straight into :class:`~tracekit.otlp.OtlpSpan` values.

A replay needs its spans only as an in-memory trajectory: nothing exports them, nothing
samples them. Through the OTel SDK each span paid for sampling, attribute validation, two
processors, a ``ReadableSpan`` and a conversion back to plain values — most of a replayed
step's cost. :class:`CaptureTelemetry` is a :class:`~tracekit.telemetry.Telemetry` whose
tracer implements the OpenTelemetry *API* (the orchestrator, the models and user code use only
that) and whose spans become ``OtlpSpan`` values when they end.

What the SDK path records, this records too: the same attributes (values the SDK would refuse or
convert go through the SDK's own :class:`~opentelemetry.attributes.BoundedAttributes`), the span
limits, events, links, status rules, exceptions recorded as ``exception`` events, sequential ids
and the service resource. What the GenAI enricher adds to spans from other scopes (the agent
path, ``openinference.span.kind``, the cost of an unpriced LLM span) is added here the same way.
A session with its own span processors or live models uses the SDK path (see
:class:`~replay.session.ReplaySession`): processors need SDK spans, and the Anthropic SDK's
spans need the whole enricher.
"""

from __future__ import annotations

import functools
import threading
import time
import traceback
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any

from opentelemetry import context as context_api
from opentelemetry import trace
from opentelemetry.attributes import BoundedAttributes
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanLimits
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags
from opentelemetry.util import types

from tracekit import semconv as sc
from tracekit import settings
from tracekit.otlp import OtlpEvent, OtlpLink, OtlpSpan
from tracekit.otlp.model import new_span
from tracekit.pricing import PriceTable
from tracekit.telemetry import INSTRUMENTATION_SCOPE, SequentialIds, Telemetry, current_agent_path

_PLAIN = (str, bool, int, float)
_SEQUENCES = (tuple, list)
_SAMPLED = TraceFlags(TraceFlags.SAMPLED)
#: A span's status until one is set (a Status is never changed: set_status replaces it).
_UNSET = Status(StatusCode.UNSET)
_OPENINFERENCE_KINDS = {
    sc.OP_INVOKE_WORKFLOW: sc.OI_CHAIN,
    sc.OP_INVOKE_AGENT: sc.OI_AGENT,
    sc.OP_EXECUTE_TOOL: sc.OI_TOOL,
    **{op: sc.OI_LLM for op in sc.LLM_OPERATIONS},
}


@functools.lru_cache(maxsize=16)
def _resource(service_name: str, resource_env: str | None) -> dict[str, Any]:
    # Resource.create reads the environment and the process (~1 ms); the env key keeps
    # OTEL_RESOURCE_ATTRIBUTES changes visible.
    return dict(Resource.create({sc.SERVICE_NAME: service_name}).attributes)


class _Limits:
    """The SDK's span limits (from the same environment variables), read once per capture."""

    def __init__(self) -> None:
        limits = SpanLimits()
        self.attributes = limits.max_span_attributes
        self.events = limits.max_events
        self.links = limits.max_links
        self.event_attributes = limits.max_event_attributes
        self.link_attributes = limits.max_link_attributes
        self.value_length = limits.max_attribute_length


def _all_plain(values: Iterable[Any]) -> bool:
    """``all(type(v) in _PLAIN for v in values)``, without a generator resumed per value."""
    for value in values:  # noqa: SIM110 (the loop is the point: see the docstring)
        if type(value) not in _PLAIN:
            return False
    return True


def _cleaned(
    attributes: types.Attributes, maxlen: int | None, value_length: int | None
) -> dict[str, Any]:
    """``attributes`` as the SDK keeps them: plain values as they are, the rest through the
    SDK's own validation (lists become tuples, invalid values are dropped with its warning)."""
    if not attributes:
        return {}
    plain = value_length is None and (maxlen is None or len(attributes) <= maxlen)
    if plain and _all_plain(attributes.values()):
        return dict(attributes)
    return dict(BoundedAttributes(maxlen, attributes, immutable=False, max_value_len=value_length))


def _homogeneous(values: Sequence[Any]) -> bool:
    """Plain values of one type (finish reasons, say): every SDK version keeps them as a tuple."""
    if not values:
        return False
    kind = type(values[0])
    return kind in _PLAIN and all(type(v) is kind for v in values)


class CapturedSpan(trace.Span):
    """A recording span that becomes an :class:`OtlpSpan` when it ends."""

    def __init__(
        self,
        capture: SpanCapture,
        name: str,
        context: SpanContext,
        parent: SpanContext | None,
        kind: SpanKind,
        attributes: types.Attributes,
        links: Sequence[Link],
        start_time: int | None,
        scope: tuple[str, str | None],
        record_exception: bool,
        set_status_on_exception: bool,
    ) -> None:
        limits = capture.limits
        self._capture = capture
        self._name = name
        self._context = context
        self._parent = parent
        self._kind = kind
        self._scope = scope
        self._attributes = _cleaned(attributes, limits.attributes, limits.value_length)
        self._events: list[OtlpEvent] = []
        self._links = [
            OtlpLink(
                format(link.context.trace_id, "032x"),
                format(link.context.span_id, "016x"),
                _cleaned(link.attributes, limits.link_attributes, limits.value_length),
            )
            for link in links
        ]
        self._status = _UNSET
        self._start = start_time if start_time is not None else time.time_ns()
        self._ended = False
        self._record_exception = record_exception
        self._set_status_on_exception = set_status_on_exception
        self._lock = threading.Lock()
        if scope[0] != INSTRUMENTATION_SCOPE:
            self._stamp()

    def _stamp(self) -> None:
        """What the enricher stamps on a span of another scope when it starts."""
        attrs = self._attributes
        path = current_agent_path.get()
        if path is not None and sc.TRACEKIT_AGENT_PATH not in attrs:
            self.set_attribute(sc.TRACEKIT_AGENT_PATH, path)
        if sc.OPENINFERENCE_SPAN_KIND not in attrs:
            operation = attrs.get(sc.GEN_AI_OPERATION_NAME)
            if self._name == sc.ANTHROPIC_SPAN_NAME:
                operation = sc.OP_CHAT
            kind = _OPENINFERENCE_KINDS.get(str(operation))
            if kind is not None:
                self.set_attribute(sc.OPENINFERENCE_SPAN_KIND, kind)

    # --- the API ----------------------------------------------------------------------------

    def get_span_context(self) -> SpanContext:
        return self._context

    def is_recording(self) -> bool:
        return not self._ended

    def set_attributes(self, attributes: Mapping[str, types.AttributeValue]) -> None:
        limits = self._capture.limits
        if limits.value_length is None and _all_plain(attributes.values()):
            # Plain values (what the orchestrator and the models set): kept as they are, under
            # one lock, each set key moved to the end as set_attribute does.
            with self._lock:
                attrs = self._attributes
                room = (
                    limits.attributes is None or len(attrs) + len(attributes) <= limits.attributes
                )
                if room and not self._ended:
                    for key, value in attributes.items():
                        if key in attrs:
                            del attrs[key]
                        attrs[key] = value
                    return
                if self._ended:
                    return
        for key, value in attributes.items():
            self.set_attribute(key, value)

    def set_attribute(self, key: str, value: types.AttributeValue) -> None:
        limits = self._capture.limits
        if type(value) in _PLAIN and limits.value_length is None:
            pass  # kept as it is (the usual case: asked first)
        elif isinstance(value, _SEQUENCES) and limits.value_length is None and _homogeneous(value):
            value = tuple(value)  # what the SDK keeps of a list of plain values of one type
        elif type(value) not in _PLAIN or limits.value_length is not None:
            cleaned = _cleaned({key: value}, None, limits.value_length)
            if key not in cleaned:
                return
            value = cleaned[key]
        with self._lock:
            if self._ended:
                return
            attrs = self._attributes
            if key in attrs:
                del attrs[key]  # as the SDK: a set key moves to the end
            elif limits.attributes is not None and len(attrs) >= limits.attributes:
                del attrs[next(iter(attrs))]  # as the SDK: the oldest goes
            attrs[key] = value

    def add_event(
        self, name: str, attributes: types.Attributes = None, timestamp: int | None = None
    ) -> None:
        limits = self._capture.limits
        event = OtlpEvent(
            name,
            timestamp if timestamp is not None else time.time_ns(),
            _cleaned(attributes, limits.event_attributes, limits.value_length),
        )
        with self._lock:
            if self._ended:
                return
            if limits.events is not None and len(self._events) >= limits.events:
                del self._events[0]
            self._events.append(event)

    def add_link(self, context: SpanContext, attributes: types.Attributes = None) -> None:
        limits = self._capture.limits
        with self._lock:
            if self._ended or (limits.links is not None and len(self._links) >= limits.links):
                return
            self._links.append(
                OtlpLink(
                    format(context.trace_id, "032x"),
                    format(context.span_id, "016x"),
                    _cleaned(attributes, limits.link_attributes, limits.value_length),
                )
            )

    def update_name(self, name: str) -> None:
        if not self._ended:
            self._name = name

    def set_status(self, status: Status | StatusCode, description: str | None = None) -> None:
        # The SDK's rules: OK is final, UNSET never replaces anything.
        if self._ended or self._status.status_code is StatusCode.OK:
            return
        if isinstance(status, Status):
            if status.status_code is not StatusCode.UNSET:
                self._status = status
        elif status is not StatusCode.UNSET:
            self._status = Status(status, description)

    def record_exception(
        self,
        exception: BaseException,
        attributes: types.Attributes = None,
        timestamp: int | None = None,
        escaped: bool = False,
    ) -> None:
        cls = type(exception)
        module, qualname = cls.__module__, cls.__qualname__
        recorded: dict[str, Any] = {
            "exception.type": f"{module}.{qualname}"
            if module and module != "builtins"
            else qualname,
            "exception.message": str(exception),
            "exception.stacktrace": "".join(traceback.format_exception(exception)),
            "exception.escaped": str(escaped),
        }
        if attributes:
            recorded.update(attributes)
        self.add_event("exception", recorded, timestamp)

    def end(self, end_time: int | None = None) -> None:
        with self._lock:
            if self._ended:
                return
            self._ended = True
        if self._scope[0] != INSTRUMENTATION_SCOPE:
            self._price()
        context, parent, status = self._context, self._parent, self._status
        self._capture.add(
            new_span(
                format(context.trace_id, "032x"),
                format(context.span_id, "016x"),
                format(parent.span_id, "016x") if parent is not None else None,
                self._name,
                # The members' own ``_name_``: ``.name`` is a Python-level property.
                self._kind._name_,
                self._start,
                end_time if end_time is not None else time.time_ns(),
                status.status_code._name_,
                status.description,
                self._attributes,
                self._capture.resource,
                self._scope[0],
                self._scope[1],
                tuple(self._events),
                tuple(self._links),
            )
        )

    def _price(self) -> None:
        """What the enricher adds to an LLM span of another scope when it ends."""
        attrs = self._attributes
        if attrs.get(sc.GEN_AI_OPERATION_NAME) not in sc.LLM_OPERATIONS:
            return
        if sc.TRACEKIT_COST_USD not in attrs and sc.GEN_AI_USAGE_INPUT_TOKENS in attrs:
            model = attrs.get(sc.GEN_AI_RESPONSE_MODEL) or attrs.get(sc.GEN_AI_REQUEST_MODEL)
            cost = self._capture.prices.cost(
                str(model) if model else None,
                input_tokens=_int(attrs, sc.GEN_AI_USAGE_INPUT_TOKENS),
                output_tokens=_int(attrs, sc.GEN_AI_USAGE_OUTPUT_TOKENS),
                cache_read_tokens=_int(attrs, sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
                cache_creation_tokens=_int(attrs, sc.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS)
                or _int(attrs, sc.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS),
            )
            if cost is not None:
                attrs[sc.TRACEKIT_COST_USD] = cost
        stop_reason = attrs.get(sc.ANTHROPIC_STOP_REASON)
        if sc.GEN_AI_RESPONSE_FINISH_REASONS not in attrs and isinstance(stop_reason, str):
            attrs[sc.GEN_AI_RESPONSE_FINISH_REASONS] = (stop_reason,)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        # As the SDK's span used as a context manager.
        if exc_val is not None and self.is_recording():
            if self._record_exception:
                self.record_exception(exc_val, escaped=True)
            if self._set_status_on_exception:
                self.set_status(Status(StatusCode.ERROR, f"{type(exc_val).__name__}: {exc_val}"))
        super().__exit__(exc_type, exc_val, exc_tb)


def _int(attributes: Mapping[str, Any], key: str) -> int:
    value = attributes.get(key)
    return int(value) if isinstance(value, int | float) else 0


class _CurrentSpan:
    """``start_as_current_span``'s context manager (``trace.use_span``'s rules), in one object."""

    def __init__(
        self, span: CapturedSpan, end_on_exit: bool, record: bool, set_status: bool
    ) -> None:
        self._span = span
        self._end_on_exit = end_on_exit
        self._record = record
        self._set_status = set_status

    def __enter__(self) -> CapturedSpan:
        self._token = context_api.attach(trace.set_span_in_context(self._span))
        return self._span

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        span = self._span
        try:
            context_api.detach(self._token)
            # As use_span: Exception subclasses only (not GeneratorExit, KeyboardInterrupt).
            if isinstance(exc, Exception) and span.is_recording():
                if self._record:
                    span.record_exception(exc)
                if self._set_status:
                    span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
        finally:
            if self._end_on_exit:
                span.end()


class CaptureTracer(trace.Tracer):
    """A tracer whose spans are captured (see the module docstring)."""

    def __init__(self, capture: SpanCapture, scope: tuple[str, str | None]) -> None:
        self._capture = capture
        self._scope = scope

    def start_span(
        self,
        name: str,
        context: context_api.Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: types.Attributes = None,
        links: Sequence[Link] | None = (),
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> CapturedSpan:
        parent: SpanContext | None = trace.get_current_span(context).get_span_context()
        ids = self._capture.ids
        with self._capture.lock:
            if parent is None or not parent.is_valid:
                parent = None
                trace_id = ids.generate_trace_id()
            else:
                trace_id = parent.trace_id
            span_id = ids.generate_span_id()
        span_context = SpanContext(trace_id, span_id, is_remote=False, trace_flags=_SAMPLED)
        return CapturedSpan(
            self._capture,
            name,
            span_context,
            parent,
            kind,
            attributes,
            links or (),
            start_time,
            self._scope,
            record_exception,
            set_status_on_exception,
        )

    def start_as_current_span(  # type: ignore[override]
        self,
        name: str,
        context: context_api.Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: types.Attributes = None,
        links: Sequence[Link] | None = (),
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
        end_on_exit: bool = True,
    ) -> _CurrentSpan:
        span = self.start_span(
            name, context, kind, attributes, links, start_time, record_exception,
            set_status_on_exception,
        )  # fmt: skip
        return _CurrentSpan(span, end_on_exit, record_exception, set_status_on_exception)


class SpanCapture(trace.TracerProvider):
    """A tracer provider whose finished spans are kept, in the order they ended, as
    :class:`OtlpSpan` values (:attr:`spans`)."""

    def __init__(self, prices: PriceTable, service_name: str = "tracekit") -> None:
        self.prices = prices
        self.ids = SequentialIds()
        self.limits = _Limits()
        self.resource = _resource(
            settings.service_name(service_name), settings.resource_attributes()
        )
        self.lock = threading.Lock()
        self.spans: list[OtlpSpan] = []
        self._tracers: dict[tuple[str, str | None], CaptureTracer] = {}

    def get_tracer(
        self,
        instrumenting_module_name: str,
        instrumenting_library_version: str | None = None,
        schema_url: str | None = None,
        attributes: types.Attributes | None = None,
    ) -> CaptureTracer:
        scope = (instrumenting_module_name, instrumenting_library_version)
        with self.lock:
            tracer = self._tracers.get(scope)
            if tracer is None:
                tracer = self._tracers[scope] = CaptureTracer(self, scope)
            return tracer

    def add(self, span: OtlpSpan) -> None:
        """Keep one finished span."""
        with self.lock:
            self.spans.append(span)

    def __iter__(self) -> Iterator[OtlpSpan]:
        return iter(list(self.spans))


class CaptureTelemetry(Telemetry):
    """A :class:`Telemetry` whose spans are only captured (:attr:`capture`): no SDK provider,
    no processors, no metrics."""

    def __init__(self, *, prices: PriceTable, service_name: str = "tracekit") -> None:
        # The SDK providers are what this replaces: Telemetry.__init__ is not run.
        self.prices = prices
        self.metrics = None
        self.capture = SpanCapture(prices, service_name)
        self.tracer_provider = self.capture  # type: ignore[assignment]
        self.tracer = self.capture.get_tracer(INSTRUMENTATION_SCOPE)

    def flush(self, timeout_millis: int = 30000) -> bool:
        """Nothing to write through: spans are captured as they end."""
        return True

    def shutdown(self) -> None:
        """Nothing to close."""
