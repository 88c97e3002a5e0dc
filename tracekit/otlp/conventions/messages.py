"""Messages in any of the shapes instrumentations write, read into :class:`Message` values.

The shapes met in the wild:

- the GenAI semconv JSON schema: ``{"role", "parts": [{"type": "text", "content"},
  {"type": "tool_call", "id", "name", "arguments"}, {"type": "tool_call_response", "id",
  "response"}], "finish_reason"}``;
- OpenAI chat messages: ``{"role", "content", "tool_calls": [{"id", "function": {"name",
  "arguments"}}], "tool_call_id"}``;
- Anthropic content blocks: ``{"type": "text", "text"}``, ``{"type": "tool_use", "id",
  "name", "input"}``, ``{"type": "tool_result", "tool_use_id", "content"}``;
- plain text.

A user message made only of tool results is a ``tool`` message, as in tracekit's own spans
(the Anthropic wire format sends results as the user's turn).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from tracekit.otlp.conventions.model import Message, Part
from tracekit.otlp.values import parse_json

_ROLES = {
    "human": "user",
    "ai": "assistant",
    "model": "assistant",
    "function": "tool",
    "developer": "system",
}


def role_of(value: Any) -> str:
    """A role in the semconv spelling (``human`` → ``user``, ``ai`` → ``assistant``)."""
    role = str(value or "?").lower()
    return _ROLES.get(role, role)


def json_value(value: Any) -> Any:
    """``value`` parsed if it is JSON text (an object or array), else as it is."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        return parse_json(value)
    return value


def text_part(text: str) -> Part:
    """A text part."""
    return Part(type="text", content=text)


def tool_call_part(call_id: Any, name: Any, arguments: Any) -> Part:
    """A tool call part; JSON arguments are parsed."""
    return Part(
        type="tool_call",
        id=_text(call_id),
        name=_text(name),
        arguments=json_value(arguments) if arguments is not None else {},
    )


def tool_result_part(call_id: Any, response: Any) -> Part:
    """A tool result part; a list of text blocks (the Anthropic wire format) becomes its
    text, JSON text is parsed."""
    return Part(type="tool_call_response", id=_text(call_id), response=_unwrap(response))


def parts_of(value: Any) -> list[Part]:
    """The parts of a message's content, whatever its shape."""
    value = json_value(value)
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [text_part(value)]
    if isinstance(value, dict):
        return [_part(value)]
    if isinstance(value, list | tuple):
        return [_part(item) if isinstance(item, dict) else text_part(str(item)) for item in value]
    return [text_part(str(value))]


def message(
    role: Any,
    content: Any = None,
    *,
    tool_calls: Iterable[Part] = (),
    tool_call_id: Any = None,
    finish_reason: Any = None,
    output: bool = False,
) -> Message:
    """One message from its pieces: a role, content in any shape, tool calls already read,
    the id of the call a tool message answers."""
    role_name = role_of(role)
    if role_name == "tool" and tool_call_id is not None:
        parts = [tool_result_part(tool_call_id, content)]
    else:
        parts = parts_of(content)
    parts += list(tool_calls)
    if role_name == "user" and parts and all(p.type == "tool_call_response" for p in parts):
        role_name = "tool"
    return Message(
        role=role_name,
        parts=parts,
        finish_reason=_text(finish_reason) if output else None,
        output=output,
    )


def messages_from(value: Any, *, output: bool = False, role: str = "user") -> list[Message]:
    """Messages from a JSON attribute or a parsed value: a list of messages in any of the
    shapes above, one message, or plain text (a ``role`` message)."""
    value = json_value(value)
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, dict):
        value = value.get("messages", [value]) if "role" not in value else [value]
    if isinstance(value, str):
        return [message(role, value, output=output)]
    if not isinstance(value, list | tuple):
        return [message(role, str(value), output=output)]
    messages = []
    for item in value:
        if isinstance(item, dict) and ("role" in item or "parts" in item):
            messages.append(_message(item, output))
        elif isinstance(item, list | tuple) and len(item) == 2 and isinstance(item[0], str):
            messages.append(message(item[0], item[1], output=output))  # ("user", "hi")
        elif item is not None:
            messages.append(message(role, item, output=output))
    return messages


def system_message(value: Any) -> list[Message]:
    """``gen_ai.system_instructions`` (a list of parts, or text) as a system message."""
    parts = parts_of(value)
    return [Message(role="system", parts=parts)] if parts else []


def _message(item: dict[str, Any], output: bool) -> Message:
    calls = [
        tool_call_part(call.get("id"), *_function(call))
        for call in item.get("tool_calls") or ()
        if isinstance(call, dict)
    ]
    content = item.get("parts") if "parts" in item else item.get("content")
    return message(
        item.get("role"),
        content,
        tool_calls=calls,
        tool_call_id=item.get("tool_call_id"),
        finish_reason=item.get("finish_reason") or item.get("stop_reason"),
        output=output,
    )


def _function(call: dict[str, Any]) -> tuple[Any, Any]:
    function = call.get("function")
    if isinstance(function, dict):
        return function.get("name"), function.get("arguments")
    return call.get("name"), call.get("arguments", call.get("input"))


def _part(item: dict[str, Any]) -> Part:
    kind = item.get("type")
    if kind == "text" or (kind is None and "text" in item):
        return text_part(str(item.get("content", item.get("text", ""))))
    if kind in ("tool_call", "tool_use", "function_call"):
        return tool_call_part(
            item.get("id") or item.get("call_id"),
            item.get("name"),
            item.get("arguments", item.get("input")),
        )
    if kind in ("tool_call_response", "tool_result", "function_call_output"):
        return tool_result_part(
            item.get("id") or item.get("tool_use_id") or item.get("call_id"),
            item.get("response", item.get("content", item.get("output"))),
        )
    if kind in ("input_text", "output_text"):  # the OpenAI Responses API
        return text_part(str(item.get("text", "")))
    return Part(type=str(kind or "other"), content=json.dumps(item, default=str))


def _unwrap(value: Any) -> Any:
    value = json_value(value)
    if (
        isinstance(value, list)
        and value
        and all(isinstance(block, dict) and block.get("type") == "text" for block in value)
    ):
        return json_value(
            "".join(str(block.get("text", block.get("content", ""))) for block in value)
        )
    return value


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
