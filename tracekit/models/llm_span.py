"""The ``chat {model}`` span for model calls that the Anthropic SDK does not trace itself.

The offline scripted model and the response cache emit this span; it has the same shape as the
SDK's ``anthropic.messages.create`` span in content mode, so the store, the TUI and replay see
one kind of LLM span whichever client answered.
"""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any

from opentelemetry.trace import NoOpTracer, Span, SpanKind, Status, StatusCode, Tracer

from tracekit import semconv as sc
from tracekit.models.base import ModelRequest, ModelResponse, ToolSpec, Usage
from tracekit.models.messages import system_instructions_json
from tracekit.models.request_json import input_messages_json, output_message_json
from tracekit.telemetry import active_prices, current_agent_path, error_type
from tracekit.telemetry.current_span import CurrentSpan

# Tool definitions per distinct tool list (one per agent): encoding them on every call would cost
# more than the span. The tuple of specs is kept so its ids cannot be reused.
_tool_definitions: dict[tuple[int, ...], tuple[tuple[ToolSpec, ...], str]] = {}


def tool_definitions_json(tools: list[ToolSpec]) -> str:
    """``gen_ai.tool.definitions``: the tools offered to the model, as semconv JSON."""
    key = tuple(id(t) for t in tools)
    cached = _tool_definitions.get(key)
    if cached is None:
        definitions = [
            {
                "type": "function",
                "name": t.name,
                "description": t.description,
                "parameters": t.input_schema,
            }
            for t in tools
        ]
        cached = (tuple(tools), json.dumps(definitions, separators=(",", ":"), sort_keys=True))
        if len(_tool_definitions) < 4096:
            _tool_definitions[key] = cached
    return cached[1]


def request_attributes(request: ModelRequest, provider: str) -> dict[str, Any]:
    """The attributes known before the call, content included."""
    attrs: dict[str, Any] = {
        sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
        sc.GEN_AI_PROVIDER_NAME: provider,
        sc.GEN_AI_REQUEST_MODEL: request.model,
        sc.GEN_AI_REQUEST_MAX_TOKENS: request.max_tokens,
        sc.GEN_AI_INPUT_MESSAGES: input_messages_json(request.messages),
    }
    if request.temperature is not None:
        attrs[sc.GEN_AI_REQUEST_TEMPERATURE] = request.temperature
    if request.system:
        attrs[sc.GEN_AI_SYSTEM_INSTRUCTIONS] = system_instructions_json(request.system)
    if request.tools:
        attrs[sc.GEN_AI_TOOL_DEFINITIONS] = tool_definitions_json(request.tools)
    return attrs


def set_response_attributes(span: Span, response: ModelResponse) -> None:
    """Response model, id, finish reason, usage (input includes cache tokens) and output;
    nothing on a span that records nothing (tracing off, or a sampler dropped it)."""
    if not span.is_recording():
        # OTel's advice for costly attributes: the output message's JSON and the cost are
        # most of a scripted call, and a non-recording span would drop them unread.
        return
    usage = response.usage
    attributes: dict[str, Any] = {
        sc.GEN_AI_RESPONSE_MODEL: response.model,
        sc.GEN_AI_RESPONSE_ID: response.id,
        sc.GEN_AI_RESPONSE_FINISH_REASONS: (response.finish_reason,),
        sc.GEN_AI_USAGE_INPUT_TOKENS: usage.input_tokens,
        sc.GEN_AI_USAGE_OUTPUT_TOKENS: usage.output_tokens,
        sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: usage.cache_read_tokens,
        sc.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: usage.cache_creation_tokens,
        sc.GEN_AI_OUTPUT_MESSAGES: output_message_json(response.message),
    }
    # One call into the SDK (one lock, one validation pass) for all of them, in this order.
    try:
        _add_cost_attributes(attributes, response, usage)
    finally:
        span.set_attributes(attributes)


def _add_cost_attributes(attributes: dict[str, Any], response: ModelResponse, usage: Usage) -> None:
    cost = response.cost_usd
    prices = active_prices.get()
    if cost is None and prices is not None:
        cost = prices.cost(
            response.model,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_creation_tokens=usage.cache_creation_tokens,
        )
    if cost is not None:
        attributes[sc.TRACEKIT_COST_USD] = cost
    if response.cached:
        attributes[sc.TRACEKIT_CACHE_HIT] = True


class ChatSpan(CurrentSpan):
    """The span of :func:`chat_span`: an exception marks it ERROR with ``error.type``."""

    __slots__ = ()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is not None:
            span = self._span
            span.set_status(Status(StatusCode.ERROR, str(exc)))
            span.set_attribute(sc.ERROR_TYPE, error_type(exc))
        super().__exit__(exc_type, exc, traceback)


def chat_span(tracer: Tracer, request: ModelRequest, provider: str) -> ChatSpan:
    """A CLIENT span around one model call (``with chat_span(...) as span``), current in the
    block; an exception marks it ERROR with ``error.type`` and is recorded on it.

    With tracing off (a no-op tracer) the attributes are not built: the span records nothing
    and no sampler reads them, and the request's messages as JSON are most of the call."""
    if type(tracer) is NoOpTracer:
        return ChatSpan(tracer, sc.OP_CHAT, kind=SpanKind.CLIENT, record_exception=True)
    attributes = request_attributes(request, provider)
    # What the GenAI enricher would stamp on when the span starts (the agent path, the
    # Phoenix span kind), last and in its order: the same attributes, without a second call
    # into the SDK (its lock and validation pass) on every model call.
    path = current_agent_path.get()
    if path is not None:
        attributes[sc.TRACEKIT_AGENT_PATH] = path
    attributes[sc.OPENINFERENCE_SPAN_KIND] = sc.OI_LLM
    return ChatSpan(
        tracer,
        sc.chat_span_name(request.model),
        kind=SpanKind.CLIENT,
        attributes=attributes,
        record_exception=True,
    )
