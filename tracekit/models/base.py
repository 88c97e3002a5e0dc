"""The interface every model client implements: one request in, one response out."""

from __future__ import annotations

import hashlib
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from tracekit.models.messages import ChatMessage
from tracekit.models.request_json import request_json


class ToolSpec(BaseModel):
    """A tool as the model sees it: name, description, JSON schema of its arguments."""

    model_config = ConfigDict(frozen=True)
    name: str
    description: str = ""
    input_schema: dict[str, Any]


_TOOL_SERIALIZER = ToolSpec.__pydantic_serializer__


class ModelRequest(BaseModel):
    """One model call."""

    model_config = ConfigDict(frozen=True)
    model: str
    system: str | None = None
    messages: list[ChatMessage]
    tools: list[ToolSpec] = Field(default_factory=list)
    max_tokens: int = 1024
    temperature: float | None = None

    def cache_key(self) -> str:
        """A hash of everything that decides the answer (the input-hash cache key): the
        SHA-256 of the request's JSON with None fields left out."""
        if type(self) is ModelRequest:
            # Asked by the cache and the scripted model: hashed once per request object, from
            # the same bytes made of pieces made once per message (see request_json).
            known = _keys.get(id(self))
            if known is not None and known[0] is self:
                return known[1]
            key = hashlib.sha256(request_json(self, _TOOL_SERIALIZER)).hexdigest()
            if len(_keys) >= _KEYS_MAX:
                _keys.clear()
            _keys[id(self)] = (self, key)
            return key
        return hashlib.sha256(self.model_dump_json(exclude_none=True).encode()).hexdigest()


#: id(request) -> (request, its cache key); the request is kept so its id is not reused.
_keys: dict[int, tuple[ModelRequest, str]] = {}
_KEYS_MAX = 1024


class Usage(BaseModel):
    """Token usage; ``input_tokens`` includes cache tokens (GenAI semconv)."""

    model_config = ConfigDict(frozen=True)
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_creation_tokens: int = 0

    @property
    def total(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens


class ModelResponse(BaseModel):
    """The model's answer: one assistant message, its finish reason and usage."""

    model_config = ConfigDict(frozen=True)
    id: str
    model: str
    message: ChatMessage
    finish_reason: str
    usage: Usage
    cost_usd: float | None = None
    cached: bool = False


@runtime_checkable
class ModelClient(Protocol):
    """Something that answers model requests and emits the LLM span for each call.

    Implementations emit one ``chat {model}`` CLIENT span per call (the Anthropic client lets
    the SDK emit its own), under the current span, with the tracer provider they are given.
    """

    provider: str

    def complete(self, request: ModelRequest, tracer_provider: Any) -> ModelResponse:
        """Answer ``request``; raise TransientModelError for errors worth retrying."""
        ...


@runtime_checkable
class AsyncModelClient(Protocol):
    """The async face of a model client, for ``await workflow.arun(...)``.

    Same contract as :class:`ModelClient` (one LLM span per call, under the current span).
    A client may have both faces (the scripted model does); an async run awaits
    ``acomplete`` and runs a sync-only client's ``complete`` in a worker thread.
    """

    provider: str

    async def acomplete(self, request: ModelRequest, tracer_provider: Any) -> ModelResponse:
        """Answer ``request``; raise TransientModelError for errors worth retrying."""
        ...


#: A client a router may hold: sync, async, or both.
AnyModelClient = ModelClient | AsyncModelClient
