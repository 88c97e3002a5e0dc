"""OpenLLMetry (Traceloop): flattened messages and ``traceloop.*`` entities.

- Model calls: ``llm.request.type`` (``chat``), ``gen_ai.system``, ``gen_ai.request.model`` /
  ``gen_ai.response.model``, usage as ``gen_ai.usage.prompt_tokens`` / ``completion_tokens``
  (newer releases: ``input_tokens`` / ``output_tokens``), ``llm.usage.total_tokens``,
  ``gen_ai.usage.cache_read_input_tokens`` / ``cache_creation_input_tokens``;
- messages flattened: ``gen_ai.prompt.{i}.role|content|tool_call_id``,
  ``gen_ai.completion.{i}.role|content|finish_reason|tool_calls.{j}.id|name|arguments``
  (content is text, or a JSON list of content blocks);
- workflow, task, agent and tool spans of the SDK's decorators: ``traceloop.span.kind``,
  ``traceloop.entity.name``, ``traceloop.entity.input`` / ``.output`` (JSON, usually
  ``{"args": [...], "kwargs": {...}}``).
"""

from __future__ import annotations

from typing import Any

from tracekit import semconv as sc
from tracekit.otlp.conventions.flattened import has_prefix, unflatten
from tracekit.otlp.conventions.messages import json_value, message, tool_call_part
from tracekit.otlp.conventions.model import Message, SpanRole, ToolCall
from tracekit.otlp.conventions.reading import SpanInput, first_int, first_text
from tracekit.otlp.values import text_value

NAME = "openllmetry"

_KINDS: dict[str, SpanRole] = {
    "workflow": "workflow",
    "agent": "agent",
    "tool": "tool",
    "task": "chain",
}
_REQUEST_TYPES = frozenset({"chat", "completion"})
_MARKERS = frozenset({sc.TRACELOOP_SPAN_KIND, sc.LLM_REQUEST_TYPE, sc.LLM_USAGE_TOTAL_TOKENS})


def applies(span: SpanInput) -> bool:
    """Whether the span carries OpenLLMetry's attributes."""
    attrs = span.attributes
    return not _MARKERS.isdisjoint(attrs) or has_prefix(
        attrs, (sc.GEN_AI_PROMPT_PREFIX, sc.GEN_AI_COMPLETION_PREFIX)
    )


def read(span: SpanInput) -> dict[str, Any]:
    """The span's facts in OpenLLMetry's convention."""
    attrs = span.attributes
    kind = text_value(attrs.get(sc.TRACELOOP_SPAN_KIND))
    request_type = text_value(attrs.get(sc.LLM_REQUEST_TYPE))
    entity = text_value(attrs.get(sc.TRACELOOP_ENTITY_NAME))
    messages = conversation(attrs)
    role: SpanRole | None = _KINDS.get(kind or "")
    if role is None and (request_type in _REQUEST_TYPES or messages):
        role = "llm"
    provider = text_value(attrs.get(sc.GEN_AI_SYSTEM))
    facts: dict[str, Any] = {
        "role": role,
        "model": first_text(attrs, sc.GEN_AI_RESPONSE_MODEL, sc.GEN_AI_REQUEST_MODEL),
        "provider": provider.lower() if provider else None,
        "input_tokens": first_int(
            attrs, sc.GEN_AI_USAGE_INPUT_TOKENS, sc.GEN_AI_USAGE_PROMPT_TOKENS
        ),
        "output_tokens": first_int(
            attrs, sc.GEN_AI_USAGE_OUTPUT_TOKENS, sc.GEN_AI_USAGE_COMPLETION_TOKENS
        ),
        "cache_read_tokens": first_int(attrs, sc.LLM_USAGE_CACHE_READ_INPUT_TOKENS_OLD),
        "cache_write_tokens": first_int(attrs, sc.LLM_USAGE_CACHE_CREATION_INPUT_TOKENS_OLD),
        "messages": messages,
        "input": _payload(attrs.get(sc.TRACELOOP_ENTITY_INPUT)),
        "output": _payload(attrs.get(sc.TRACELOOP_ENTITY_OUTPUT)),
    }
    if role == "agent":
        facts["agent"] = text_value(attrs.get(sc.GEN_AI_AGENT_NAME)) or entity
    if role == "tool":
        facts["tool"] = ToolCall(name=entity, arguments=facts["input"], result=facts["output"])
    return facts


def conversation(attrs: Any) -> list[Message]:
    """The flattened prompt and completion messages, in order."""
    messages = [_message(item, output=False) for item in unflatten(attrs, sc.GEN_AI_PROMPT_PREFIX)]
    messages += [
        _message(item, output=True) for item in unflatten(attrs, sc.GEN_AI_COMPLETION_PREFIX)
    ]
    return [m for m in messages if m.parts]


def _message(item: Any, *, output: bool) -> Message:
    if not isinstance(item, dict):
        return message("assistant" if output else "user", item, output=output)
    calls = item.get("tool_calls")
    parts = [
        tool_call_part(call.get("id"), call.get("name"), call.get("arguments"))
        for call in (calls if isinstance(calls, list) else [])
        if isinstance(call, dict)
    ]
    return message(
        item.get("role") or ("assistant" if output else "user"),
        item.get("content"),
        tool_calls=parts,
        tool_call_id=item.get("tool_call_id"),
        finish_reason=item.get("finish_reason"),
        output=output,
    )


def _payload(value: Any) -> Any:
    """``traceloop.entity.input``/``output`` parsed; the decorators' ``{"args": [x],
    "kwargs": {}}`` wrapper around one argument is taken off."""
    value = json_value(value)
    if isinstance(value, dict) and set(value) <= {"args", "kwargs"}:
        args, kwargs = value.get("args") or [], value.get("kwargs") or {}
        if isinstance(args, list) and len(args) == 1 and not kwargs:
            return json_value(args[0])
        if not args and isinstance(kwargs, dict) and kwargs:
            return kwargs
    return value
