"""Chat messages in the OTel GenAI semconv JSON schema (role + parts).

These models are both what tracekit's model clients exchange and what lands on spans as
``gen_ai.input.messages`` / ``gen_ai.output.messages``, so a recording needs no translation.
"""

from __future__ import annotations

import functools
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter


class TextPart(BaseModel):
    """Plain text."""

    model_config = ConfigDict(frozen=True)
    type: Literal["text"] = "text"
    content: str


class ToolCallPart(BaseModel):
    """A request from the model to call a tool."""

    model_config = ConfigDict(frozen=True)
    type: Literal["tool_call"] = "tool_call"
    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class ToolCallResponsePart(BaseModel):
    """The result of a tool call, sent back to the model."""

    model_config = ConfigDict(frozen=True)
    type: Literal["tool_call_response"] = "tool_call_response"
    id: str
    response: Any


Part = Annotated[TextPart | ToolCallPart | ToolCallResponsePart, Field(discriminator="type")]


class ChatMessage(BaseModel):
    """One message: a role and its parts; output messages carry a finish reason."""

    model_config = ConfigDict(frozen=True)
    role: Literal["system", "user", "assistant", "tool"]
    parts: list[Part]
    finish_reason: str | None = None

    @classmethod
    def user(cls, text: str) -> ChatMessage:
        """A user message with one text part."""
        return cls(role="user", parts=[TextPart(content=text)])

    def text(self) -> str:
        """The message's text parts joined."""
        return "".join(p.content for p in self.parts if isinstance(p, TextPart))

    def tool_calls(self) -> list[ToolCallPart]:
        """The tool calls the message asks for."""
        return [p for p in self.parts if isinstance(p, ToolCallPart)]


_MESSAGES = TypeAdapter(list[ChatMessage])


def messages_json(messages: list[ChatMessage], *, output: bool = False) -> str:
    """Compact semconv JSON of a message list (``None`` fields left out).

    Only output messages carry ``finish_reason`` in the semconv schema; input history
    (earlier assistant turns included) leaves it out.
    """
    exclude = None if output else {"__all__": {"finish_reason"}}
    return _MESSAGES.dump_json(messages, exclude_none=True, exclude=exclude).decode()


@functools.lru_cache(maxsize=256)  # one per agent: encoded once, not on every call
def system_instructions_json(instructions: str) -> str:
    """``gen_ai.system_instructions``: a list of parts."""
    return json.dumps([{"type": "text", "content": instructions}], separators=(",", ":"))
