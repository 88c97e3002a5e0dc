"""What a span means, whichever convention wrote it: tracekit's model of one span.

A normaliser (one module per convention beside this one) reads a span's attributes, content
and events and fills a :class:`NormalisedSpan`: its kind, agent, model, provider, tokens, cost,
the tool it called, a handoff, and its conversation as :class:`Message` values in the GenAI
semconv JSON message schema (role + parts: text, tool_call, tool_call_response).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: What a span does, in tracekit's words.
SpanRole = Literal["workflow", "agent", "llm", "tool", "handoff", "chain"]


class Part(BaseModel):
    """One part of a message: ``text`` (``content``), ``tool_call`` (``id``, ``name``,
    ``arguments``), ``tool_call_response`` (``id``, ``response``), or another type kept as
    it came (``content`` holds its JSON)."""

    model_config = ConfigDict(frozen=True)

    type: str
    content: str | None = None
    id: str | None = None
    name: str | None = None
    arguments: Any = None
    response: Any = None


class Message(BaseModel):
    """One message of a model call. ``output`` marks the model's answer (as opposed to the
    request it was sent); only output messages carry a ``finish_reason``."""

    model_config = ConfigDict(frozen=True)

    role: str
    parts: list[Part]
    finish_reason: str | None = None
    output: bool = False

    def text(self) -> str:
        """The message's text parts joined."""
        return "".join(part.content or "" for part in self.parts if part.type == "text")


class ToolCall(BaseModel):
    """The tool a tool span ran: its name, call id, arguments and result (parsed JSON where
    they are JSON)."""

    model_config = ConfigDict(frozen=True)

    name: str | None = None
    id: str | None = None
    arguments: Any = None
    result: Any = None


class Handoff(BaseModel):
    """Control passed from one agent to another."""

    model_config = ConfigDict(frozen=True)

    from_agent: str | None = None
    to_agent: str | None = None


class NormalisedSpan(BaseModel):
    """One span in tracekit's model. Every figure a convention did not give is None (an
    unknown cost is not 0); ``conventions`` names the normalisers that read something."""

    model_config = ConfigDict(frozen=True)

    conventions: list[str] = Field(default_factory=list)
    role: SpanRole | None = None
    agent: str | None = None
    model: str | None = None
    provider: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    cost_usd: float | None = None
    tool: ToolCall | None = None
    handoff: Handoff | None = None
    messages: list[Message] = Field(default_factory=list)
    #: What an agent, chain or workflow span was given and returned (parsed JSON where it is).
    input: Any = None
    output: Any = None

    @property
    def is_llm(self) -> bool:
        """Whether the span is a model call."""
        return self.role == "llm"
