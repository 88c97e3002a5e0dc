"""OpenInference (Arize Phoenix), as its instrumentations of the Anthropic and OpenAI SDKs,
LangChain/LangGraph, CrewAI and the OpenAI Agents SDK write it.

- ``openinference.span.kind``: ``LLM``, ``AGENT``, ``TOOL``, ``CHAIN`` (and retriever,
  embedding, ... which read as chains);
- model calls: ``llm.model_name``, ``llm.provider`` / ``llm.system``, ``llm.token_count.prompt``
  / ``completion`` / ``prompt_details.cache_read`` / ``cache_write``, ``llm.cost.total``;
- messages flattened: ``llm.input_messages.{i}.message.role|content|name|tool_call_id``,
  ``...message.contents.{j}.message_content.type|text``,
  ``...message.tool_calls.{j}.tool_call.id|function.name|function.arguments``, and the same
  under ``llm.output_messages``;
- any span's I/O: ``input.value`` / ``output.value`` with ``input.mime_type`` /
  ``output.mime_type`` (``application/json`` or ``text/plain``);
- tools: ``tool.name``, ``tool.description``, ``tool.parameters``, ``tool_call.id`` /
  ``tool_call.function.arguments``; agents: ``agent.name``, ``graph.node.id``;
- handoffs: a tool named ``transfer_to_{agent}`` (langgraph-supervisor and langgraph-swarm
  handoff tools) hands off to ``{agent}``.
"""

from __future__ import annotations

from typing import Any

from tracekit import semconv as sc
from tracekit.otlp.conventions.flattened import has_prefix, unflatten
from tracekit.otlp.conventions.messages import json_value, message, parts_of, tool_call_part
from tracekit.otlp.conventions.model import Handoff, Message, Part, SpanRole, ToolCall
from tracekit.otlp.conventions.reading import SpanInput, first_int, first_text
from tracekit.otlp.values import float_value, text_value

NAME = "openinference"

_KINDS: dict[str, SpanRole] = {
    sc.OI_LLM: "llm",
    sc.OI_AGENT: "agent",
    sc.OI_TOOL: "tool",
    sc.OI_CHAIN: "chain",
}
_MIME_JSON = "application/json"


def applies(span: SpanInput) -> bool:
    """Whether the span carries OpenInference's attributes."""
    attrs = span.attributes
    return (
        sc.OPENINFERENCE_SPAN_KIND in attrs
        or sc.LLM_MODEL_NAME in attrs
        or sc.LLM_TOKEN_COUNT_PROMPT in attrs
        or has_prefix(attrs, sc.LLM_INPUT_MESSAGES_PREFIX)
    )


def read(span: SpanInput) -> dict[str, Any]:
    """The span's facts in OpenInference's convention."""
    attrs = span.attributes
    kind = (text_value(attrs.get(sc.OPENINFERENCE_SPAN_KIND)) or "").upper()
    role: SpanRole | None = _KINDS.get(kind, "chain" if kind else None)
    messages = conversation(attrs)
    if role is None and messages:
        role = "llm"
    provider = first_text(attrs, sc.LLM_PROVIDER, sc.LLM_SYSTEM)
    facts: dict[str, Any] = {
        "role": role,
        "model": text_value(attrs.get(sc.LLM_MODEL_NAME)),
        "provider": provider.lower() if provider else None,
        "input_tokens": first_int(attrs, sc.LLM_TOKEN_COUNT_PROMPT),
        "output_tokens": first_int(attrs, sc.LLM_TOKEN_COUNT_COMPLETION),
        "cache_read_tokens": first_int(attrs, sc.LLM_TOKEN_COUNT_CACHE_READ),
        "cache_write_tokens": first_int(attrs, sc.LLM_TOKEN_COUNT_CACHE_WRITE),
        "cost_usd": float_value(attrs.get(sc.LLM_COST_TOTAL)),
        "messages": messages,
        "input": io_value(attrs, sc.INPUT_VALUE, sc.INPUT_MIME_TYPE),
        "output": io_value(attrs, sc.OUTPUT_VALUE, sc.OUTPUT_MIME_TYPE),
    }
    agent = text_value(attrs.get(sc.AGENT_NAME))
    if agent is None and role == "agent":
        agent = text_value(attrs.get(sc.GRAPH_NODE_ID)) or span.name or None
    facts["agent"] = agent
    if role == "tool":
        arguments = attrs.get(sc.TOOL_CALL_FUNCTION_ARGUMENTS, attrs.get(sc.INPUT_VALUE))
        facts["tool"] = ToolCall(
            name=text_value(attrs.get(sc.TOOL_NAME)) or span.name or None,
            id=text_value(attrs.get(sc.TOOL_CALL_ID)),
            arguments=json_value(arguments),
            result=facts["output"],
        )
        handoff = handoff_tool_target(facts["tool"].name)
        if handoff is not None:
            # A handoff tool (``transfer_to_{agent}``: langgraph-supervisor, langgraph-swarm,
            # the OpenAI Agents SDK) passes control; the agent handing off is the one the
            # tool ran under, which only the span's ancestry tells.
            facts["role"] = "handoff"
            facts["handoff"] = Handoff(to_agent=handoff)
    return facts


def handoff_tool_target(tool: str | None) -> str | None:
    """The agent a handoff tool (``transfer_to_{agent}``) hands control to, or None for any
    other tool.

    >>> handoff_tool_target("transfer_to_weather_agent"), handoff_tool_target("get_weather")
    ('weather_agent', None)
    """
    if tool is None or not tool.startswith(sc.HANDOFF_TOOL_PREFIX):
        return None
    return tool[len(sc.HANDOFF_TOOL_PREFIX) :] or None


def io_value(attrs: Any, key: str, mime_key: str) -> Any:
    """``input.value`` / ``output.value``: parsed when its mime type is JSON (or it looks
    like JSON and no type is given), else the text."""
    value = attrs.get(key)
    if not isinstance(value, str):
        return value
    mime = text_value(attrs.get(mime_key))
    if mime == _MIME_JSON or mime is None:
        return json_value(value)
    return value


def conversation(attrs: Any) -> list[Message]:
    """The flattened input and output messages, in order."""
    messages = [
        _message(item, output=False) for item in unflatten(attrs, sc.LLM_INPUT_MESSAGES_PREFIX)
    ]
    outputs = [
        _message(item, output=True) for item in unflatten(attrs, sc.LLM_OUTPUT_MESSAGES_PREFIX)
    ]
    finish = text_value(attrs.get(sc.LLM_FINISH_REASON))
    if finish:
        outputs = [
            m if m.finish_reason else m.model_copy(update={"finish_reason": finish})
            for m in outputs
        ]
    return [m for m in [*messages, *outputs] if m.parts]


def _message(item: Any, *, output: bool) -> Message:
    body = item.get("message") if isinstance(item, dict) else None
    if not isinstance(body, dict):
        return message("assistant" if output else "user", item, output=output)
    content: Any = body.get("content")
    contents = body.get("contents")
    parts: list[Part] = []
    calls = body.get("tool_calls")
    tool_calls = [
        tool_call_part(call.get("id"), *_function(call))
        for call in (calls if isinstance(calls, list) else [])
        for call in [call.get("tool_call", call) if isinstance(call, dict) else {}]
    ]
    if content is None and isinstance(contents, list):
        for entry in contents:
            entry = entry if isinstance(entry, dict) else {}
            block = entry.get("message_content")
            call = entry.get("tool_call")
            if isinstance(block, dict) and block.get("type", "text") == "text":
                parts += parts_of(str(block.get("text", "")))
            elif isinstance(call, dict):
                # The Anthropic instrumentation lists a tool_use block among the contents
                # and again under tool_calls: shown once.
                if not tool_calls:
                    parts.append(tool_call_part(call.get("id"), *_function(call)))
            elif isinstance(block, dict):
                parts.append(Part(type=str(block.get("type")), content=str(block)))
    result = message(
        body.get("role") or ("assistant" if output else "user"),
        content,
        tool_calls=tool_calls,
        tool_call_id=body.get("tool_call_id"),
        finish_reason=body.get("finish_reason"),
        output=output,
    )
    if parts:
        result = result.model_copy(update={"parts": [*parts, *result.parts]})
    return result


def _function(call: dict[str, Any]) -> tuple[Any, Any]:
    function = call.get("function")
    function = function if isinstance(function, dict) else {}
    return function.get("name"), function.get("arguments")
