"""The older GenAI semantic conventions (before v1.37): ``gen_ai.system`` for the provider,
``gen_ai.usage.prompt_tokens`` / ``completion_tokens``, and content as span events.

Content came in two spellings over the versions:

- events ``gen_ai.content.prompt`` / ``gen_ai.content.completion`` with one attribute,
  ``gen_ai.prompt`` / ``gen_ai.completion`` (messages as JSON, or plain text), also found as
  span attributes of those names;
- one event per message: ``gen_ai.system.message``, ``gen_ai.user.message``,
  ``gen_ai.assistant.message``, ``gen_ai.tool.message`` (``content``, ``tool_calls``, ``id``)
  and ``gen_ai.choice`` (``message``, ``finish_reason``).
"""

from __future__ import annotations

from typing import Any

from tracekit import semconv as sc
from tracekit.otlp.conventions.messages import (
    json_value,
    message,
    messages_from,
    tool_call_part,
)
from tracekit.otlp.conventions.model import Message
from tracekit.otlp.conventions.reading import SpanEvent, SpanInput, first_int, first_text
from tracekit.otlp.values import text_value

NAME = "genai-legacy"

_PROMPT = sc.GEN_AI_PROMPT
_COMPLETION = sc.GEN_AI_COMPLETION
_PROMPT_EVENT = sc.GEN_AI_CONTENT_PROMPT_EVENT
_COMPLETION_EVENT = sc.GEN_AI_CONTENT_COMPLETION_EVENT
_MESSAGE_EVENTS = {
    sc.GEN_AI_SYSTEM_MESSAGE_EVENT: "system",
    sc.GEN_AI_USER_MESSAGE_EVENT: "user",
    sc.GEN_AI_ASSISTANT_MESSAGE_EVENT: "assistant",
    sc.GEN_AI_TOOL_MESSAGE_EVENT: "tool",
}
_CHOICE_EVENT = sc.GEN_AI_CHOICE_EVENT
_EVENTS = frozenset({_PROMPT_EVENT, _COMPLETION_EVENT, _CHOICE_EVENT, *_MESSAGE_EVENTS})


def applies(span: SpanInput) -> bool:
    """Whether the span uses the older names or carries its content as events."""
    attrs = span.attributes
    return (
        sc.GEN_AI_SYSTEM in attrs
        or sc.GEN_AI_USAGE_PROMPT_TOKENS in attrs
        or _PROMPT in attrs
        or any(event.name in _EVENTS for event in span.events)
    )


def read(span: SpanInput) -> dict[str, Any]:
    """The span's facts in the older convention."""
    attrs = span.attributes
    provider = text_value(attrs.get(sc.GEN_AI_SYSTEM))
    model = first_text(attrs, sc.GEN_AI_RESPONSE_MODEL, sc.GEN_AI_REQUEST_MODEL)
    messages = _from_events(span.events) or [
        *messages_from(attrs.get(_PROMPT)),
        *messages_from(attrs.get(_COMPLETION), output=True, role="assistant"),
    ]
    return {
        "role": "llm" if messages or (provider and model) else None,
        "provider": provider.lower() if provider else None,
        "model": model,
        "input_tokens": first_int(attrs, sc.GEN_AI_USAGE_PROMPT_TOKENS),
        "output_tokens": first_int(attrs, sc.GEN_AI_USAGE_COMPLETION_TOKENS),
        "messages": messages,
    }


def _from_events(events: Any) -> list[Message]:
    messages: list[Message] = []
    for event in events:
        if not isinstance(event, SpanEvent) and not hasattr(event, "attributes"):
            continue
        attrs = event.attributes
        if event.name == _PROMPT_EVENT:
            messages += messages_from(attrs.get(_PROMPT))
        elif event.name == _COMPLETION_EVENT:
            messages += messages_from(attrs.get(_COMPLETION), output=True, role="assistant")
        elif event.name in _MESSAGE_EVENTS:
            messages.append(_event_message(_MESSAGE_EVENTS[event.name], attrs, output=False))
        elif event.name == _CHOICE_EVENT:
            body = json_value(attrs.get("message")) or {}
            body = body if isinstance(body, dict) else {"content": body}
            merged = {**body, "finish_reason": attrs.get("finish_reason")}
            messages.append(_event_message(body.get("role") or "assistant", merged, output=True))
    return messages


def _event_message(role: str, attrs: Any, *, output: bool) -> Message:
    calls = json_value(attrs.get("tool_calls")) or []
    parts = [
        tool_call_part(call.get("id"), *_function(call))
        for call in (calls if isinstance(calls, list) else [])
        if isinstance(call, dict)
    ]
    return message(
        role,
        attrs.get("content"),
        tool_calls=parts,
        tool_call_id=attrs.get("id") if role == "tool" else None,
        finish_reason=attrs.get("finish_reason"),
        output=output,
    )


def _function(call: dict[str, Any]) -> tuple[Any, Any]:
    function = call.get("function")
    function = function if isinstance(function, dict) else call
    return function.get("name"), function.get("arguments")
