"""Claude through the official ``anthropic`` SDK.

The SDK (2.x) traces itself: given tracekit's tracer provider with content mode on, it emits one
``anthropic.messages.create`` CLIENT span per call, in the GenAI semconv shape, under the current
span. So this client adds no span of its own; the enricher completes the SDK's span with cost and
finish reasons. Tests inject an ``httpx2`` transport; nothing is monkeypatched.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

import anthropic
import httpx2
from opentelemetry.trace import TracerProvider

from tracekit.exceptions import ModelError, TransientModelError
from tracekit.models.base import ModelRequest, ModelResponse, Usage
from tracekit.models.llm_span import tool_definitions_json
from tracekit.models.messages import (
    ChatMessage,
    TextPart,
    ToolCallPart,
    ToolCallResponsePart,
)
from tracekit.telemetry import pending_tool_definitions

ANTHROPIC_PROVIDER = "anthropic"

_TRANSIENT = (
    anthropic.RateLimitError,
    anthropic.InternalServerError,
    anthropic.APIConnectionError,
)


def to_anthropic_params(request: ModelRequest) -> dict[str, Any]:
    """The ``messages.create`` keyword arguments for ``request``."""
    messages: list[dict[str, Any]] = []
    for message in request.messages:
        blocks: list[dict[str, Any]] = []
        for part in message.parts:
            if isinstance(part, TextPart):
                blocks.append({"type": "text", "text": part.content})
            elif isinstance(part, ToolCallPart):
                blocks.append(
                    {"type": "tool_use", "id": part.id, "name": part.name, "input": part.arguments}
                )
            else:
                response = part.response
                blocks.append(
                    {
                        "type": "tool_result",
                        "tool_use_id": part.id,
                        "content": response if isinstance(response, str) else json.dumps(response),
                    }
                )
        role = "assistant" if message.role == "assistant" else "user"
        if messages and messages[-1]["role"] == role:
            # The Messages API wants alternating roles; consecutive tool results merge.
            messages[-1]["content"].extend(blocks)
        else:
            messages.append({"role": role, "content": blocks})
    params: dict[str, Any] = {
        "model": request.model,
        "max_tokens": request.max_tokens,
        "messages": messages,
    }
    if request.system:
        params["system"] = request.system
    if request.temperature is not None:
        params["temperature"] = request.temperature
    if request.tools:
        params["tools"] = [
            {"name": t.name, "description": t.description, "input_schema": t.input_schema}
            for t in request.tools
        ]
    return params


def from_anthropic_message(message: Any) -> ModelResponse:
    """A :class:`ModelResponse` from the SDK's ``Message``."""
    parts: list[TextPart | ToolCallPart | ToolCallResponsePart] = []
    for block in message.content:
        if block.type == "text":
            parts.append(TextPart(content=block.text))
        elif block.type == "tool_use":
            parts.append(ToolCallPart(id=block.id, name=block.name, arguments=dict(block.input)))
    usage = message.usage
    cache_read = usage.cache_read_input_tokens or 0
    cache_creation = usage.cache_creation_input_tokens or 0
    finish = message.stop_reason or "end_turn"
    return ModelResponse(
        id=message.id,
        model=message.model,
        message=ChatMessage(role="assistant", parts=parts, finish_reason=finish),
        finish_reason=finish,
        usage=Usage(
            # GenAI semconv: input tokens include cache reads and writes; the API's do not.
            input_tokens=usage.input_tokens + cache_read + cache_creation,
            output_tokens=usage.output_tokens,
            cache_read_tokens=cache_read,
            cache_creation_tokens=cache_creation,
        ),
    )


def model_error(exc: anthropic.AnthropicError) -> ModelError:
    """The tracekit error for an SDK error: transient (worth a retry) or not."""
    if isinstance(exc, _TRANSIENT):
        return TransientModelError(f"anthropic: {exc}")
    if isinstance(exc, anthropic.APIStatusError) and (
        exc.status_code in (408, 409, 429) or exc.status_code >= 500
    ):
        return TransientModelError(f"anthropic: {exc}")
    return ModelError(f"anthropic: {exc}")


def telemetry_option(tracer_provider: TracerProvider | None) -> Any:
    """The SDK's ``open_telemetry=``: our provider with content on, or tracing off."""
    if tracer_provider is None:
        return False
    return {"tracer_provider": tracer_provider, "traces": {"content_mode": "content"}}


ClientT = TypeVar("ClientT")


class SdkClients(Generic[ClientT]):
    """One SDK client per tracer provider (its spans go there).

    Weak keys, so a provider that is gone never hands its client to a new one.
    """

    def __init__(self, make: Callable[[TracerProvider | None], ClientT]) -> None:
        self._make = make
        self._clients: weakref.WeakKeyDictionary[Any, ClientT] = weakref.WeakKeyDictionary()
        self._untraced: ClientT | None = None
        self._lock = threading.Lock()

    def get(self, tracer_provider: TracerProvider | None) -> ClientT:
        """The client whose spans go to ``tracer_provider`` (made on first use)."""
        with self._lock:
            client = (
                self._untraced if tracer_provider is None else self._clients.get(tracer_provider)
            )
            if client is None:
                try:
                    client = self._make(tracer_provider)
                except anthropic.AnthropicError as exc:
                    raise ModelError(f"anthropic client: {exc}") from exc
                if tracer_provider is None:
                    self._untraced = client
                else:
                    self._clients[tracer_provider] = client
            return client


@contextmanager
def offered_tools(request: ModelRequest) -> Iterator[None]:
    """Hand the request's tool definitions to the enricher, which puts them on the SDK's span
    (the SDK does not record them); SDK errors become tracekit's."""
    tools = tool_definitions_json(request.tools) if request.tools else None
    token = pending_tool_definitions.set(tools)
    try:
        yield
    except anthropic.AnthropicError as exc:
        raise model_error(exc) from exc
    finally:
        pending_tool_definitions.reset(token)


class AnthropicModel:
    """Model client for Claude.

    ``http_client`` is for tests and proxies (``httpx2.Client(transport=...)``). Retries are
    tracekit's (recorded as ``tracekit.retry`` events), so the SDK's own are off by default.
    """

    provider = ANTHROPIC_PROVIDER

    def __init__(
        self,
        *,
        api_key: str | None = None,
        http_client: httpx2.Client | None = None,
        max_retries: int = 0,
        timeout_s: float = 120.0,
    ) -> None:
        self._clients = SdkClients(
            lambda tracer_provider: anthropic.Anthropic(
                api_key=api_key,
                http_client=http_client,
                max_retries=max_retries,
                timeout=timeout_s,
                open_telemetry=telemetry_option(tracer_provider),
            )
        )

    def complete(
        self, request: ModelRequest, tracer_provider: TracerProvider | None
    ) -> ModelResponse:
        """Call ``messages.create``; the SDK emits the LLM span."""
        client = self._clients.get(tracer_provider)
        with offered_tools(request):
            message = client.messages.create(**to_anthropic_params(request))
        return from_anthropic_message(message)
