"""The current GenAI semantic conventions (v1.37+), which tracekit's own spans follow.

Messages are JSON attributes in the semconv message schema: ``gen_ai.system_instructions``
(parts), ``gen_ai.input.messages`` and ``gen_ai.output.messages`` (role + parts). Tools:
``gen_ai.tool.name`` / ``.call.id`` / ``.call.arguments`` / ``.call.result``. tracekit adds
its cost (``tracekit.cost.usd``), agent path, agent and workflow payloads and handoff
(``tracekit.handoff.from`` / ``.to``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tracekit import semconv as sc
from tracekit.otlp.conventions.messages import json_value, messages_from, system_message
from tracekit.otlp.conventions.model import Handoff, Message, SpanRole, ToolCall
from tracekit.otlp.conventions.reading import SpanInput, first_int, first_text
from tracekit.otlp.values import float_value, text_value

NAME = "genai"

_ROLES: dict[str, SpanRole] = {
    sc.OP_INVOKE_WORKFLOW: "workflow",
    sc.OP_INVOKE_AGENT: "agent",
    sc.OP_EXECUTE_TOOL: "tool",
    **{operation: "llm" for operation in sc.LLM_OPERATIONS},
}
_MARKERS = frozenset(
    {
        sc.GEN_AI_OPERATION_NAME,
        sc.GEN_AI_PROVIDER_NAME,
        sc.GEN_AI_INPUT_MESSAGES,
        sc.GEN_AI_OUTPUT_MESSAGES,
        sc.GEN_AI_SYSTEM_INSTRUCTIONS,
        sc.GEN_AI_AGENT_NAME,
        sc.GEN_AI_TOOL_NAME,
        sc.GEN_AI_USAGE_INPUT_TOKENS,
    }
)


def applies(span: SpanInput) -> bool:
    """Whether the span carries current GenAI semconv attributes."""
    return not _MARKERS.isdisjoint(span.attributes)


def role(span: SpanInput) -> SpanRole | None:
    """The span's role in the current GenAI semconv, read from its operation name alone:
    what :func:`read` says it is (and :func:`conversation` what it says was said), which
    :func:`~tracekit.otlp.conventions.normalise.normalise_messages` reads on its own."""
    return _ROLES.get(text_value(span.attributes.get(sc.GEN_AI_OPERATION_NAME)) or "")


def read(span: SpanInput) -> dict[str, Any]:
    """The span's facts in the current GenAI semconv."""
    attrs = span.attributes
    path = text_value(attrs.get(sc.TRACEKIT_AGENT_PATH))
    facts: dict[str, Any] = {
        "role": role(span),
        "agent": text_value(attrs.get(sc.GEN_AI_AGENT_NAME))
        or (path.rsplit("/", 1)[-1] if path else None),
        "model": first_text(attrs, sc.GEN_AI_RESPONSE_MODEL, sc.GEN_AI_REQUEST_MODEL),
        "provider": text_value(attrs.get(sc.GEN_AI_PROVIDER_NAME)),
        "input_tokens": first_int(attrs, sc.GEN_AI_USAGE_INPUT_TOKENS),
        "output_tokens": first_int(attrs, sc.GEN_AI_USAGE_OUTPUT_TOKENS),
        "cache_read_tokens": first_int(attrs, sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
        "cache_write_tokens": first_int(
            attrs,
            sc.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
            sc.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
        ),
        "cost_usd": float_value(attrs.get(sc.TRACEKIT_COST_USD)),
        "messages": conversation(attrs),
        "input": json_value(
            attrs.get(sc.TRACEKIT_AGENT_INPUT, attrs.get(sc.TRACEKIT_WORKFLOW_INPUT))
        ),
        "output": json_value(
            attrs.get(sc.TRACEKIT_AGENT_OUTPUT, attrs.get(sc.TRACEKIT_WORKFLOW_OUTPUT))
        ),
    }
    if facts["role"] == "tool" or sc.GEN_AI_TOOL_NAME in attrs:
        facts["tool"] = ToolCall(
            name=text_value(attrs.get(sc.GEN_AI_TOOL_NAME)),
            id=text_value(attrs.get(sc.GEN_AI_TOOL_CALL_ID)),
            arguments=json_value(attrs.get(sc.GEN_AI_TOOL_CALL_ARGUMENTS)),
            result=json_value(attrs.get(sc.GEN_AI_TOOL_CALL_RESULT)),
        )
    handoff_from = text_value(attrs.get(sc.TRACEKIT_HANDOFF_FROM))
    handoff_to = text_value(attrs.get(sc.TRACEKIT_HANDOFF_TO))
    if handoff_from or handoff_to:
        facts["handoff"] = Handoff(from_agent=handoff_from, to_agent=handoff_to)
    return facts


def conversation(attrs: Mapping[str, Any]) -> list[Message]:
    """System instructions, input and output messages of a span in the current semconv."""
    return [
        *system_message(attrs.get(sc.GEN_AI_SYSTEM_INSTRUCTIONS)),
        *messages_from(attrs.get(sc.GEN_AI_INPUT_MESSAGES)),
        *messages_from(attrs.get(sc.GEN_AI_OUTPUT_MESSAGES), output=True, role="assistant"),
    ]
