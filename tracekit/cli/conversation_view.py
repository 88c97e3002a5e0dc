"""``tracekit show --messages``: every model call's conversation under its span, and the
normalised messages ``show --json`` carries.

Conversations are read by :mod:`tracekit.otlp.conventions`, so tracekit's own spans and
every foreign convention (OpenInference, OpenLLMetry, the Anthropic SDK's spans, the older
GenAI semconv) print alike. Everything from the trace is rendered inert
(:func:`tracekit.display.literal`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text
from rich.tree import Tree

from tracekit.display import format_cost, format_duration, literal
from tracekit.otlp.conventions import Message, NormalisedSpan, Part, normalise_attributes
from tracekit.store import SpanRecord, TraceDetail, TraceStore

_ROLE_STYLE = {
    "system": "bold yellow",
    "user": "bold green",
    "assistant": "bold magenta",
    "tool": "bold cyan",
}


def normalised_spans(store: TraceStore, detail: TraceDetail) -> dict[str, NormalisedSpan]:
    """Every span of the trace in tracekit's model, by span id (content read in one round)."""
    content = store.get_trace_content(detail.summary.trace_id)
    return {
        span.span_id: normalise_attributes(
            span.name, span.attributes, content.get(span.span_id), span.events, span.scope_name
        )
        for span in detail.spans
    }


def trace_document(detail: TraceDetail, normal: dict[str, NormalisedSpan]) -> dict[str, Any]:
    """``show --json``: the trace, each model-call span with its normalised ``messages``
    (the GenAI semconv message schema; ``output`` marks the model's answer)."""
    document = detail.model_dump(mode="json")
    for span in document["spans"]:
        found = normal.get(span["span_id"])
        if found is not None and found.is_llm:
            span["messages"] = [
                message.model_dump(mode="json", exclude_none=True) for message in found.messages
            ]
    return document


def conversation_tree(
    detail: TraceDetail,
    normal: dict[str, NormalisedSpan],
    span_label: Callable[[SpanRecord], Text],
) -> Tree:
    """The trace as a tree of spans, each model call's conversation under it."""
    summary = detail.summary
    tree = Tree(
        Text.assemble(
            literal(summary.workflow, "bold"),
            "  ",
            literal(summary.trace_id),
            literal(
                f"  {format_duration(summary.duration_ns)} · {summary.span_count} spans · "
                f"{format_cost(summary.cost_usd)}",
                "dim",
            ),
        )
    )
    parents: list[Tree] = [tree]
    for span in detail.spans:
        depth = min(span.depth, len(parents) - 1)
        node = parents[depth].add(span_label(span))
        del parents[depth + 1 :]
        parents.append(node)
        found = normal.get(span.span_id)
        if found is not None and found.is_llm:
            node.add(conversation(found.messages))
    return tree


def conversation(messages: list[Message]) -> RenderableType:
    """A conversation, message by message: role, then its text, tool calls and results."""
    if not messages:
        return literal("(no messages recorded)", "dim")
    return Group(*_lines(messages))


_INDENT = "   "


def _lines(messages: list[Message]) -> Iterator[RenderableType]:
    for message in messages:
        head = literal(f"── {message.role}", _ROLE_STYLE.get(message.role, "bold"))
        if message.output:
            head.append(" (output)", "dim")
        if message.finish_reason:
            head.append_text(literal(f" · {message.finish_reason}", "dim"))
        yield head
        for part in message.parts:
            # Indented line by line (a Padding would pad every line to the full width).
            for line in _part(part).split("\n"):
                yield Text.assemble(_INDENT, line)


def _part(part: Part) -> Text:
    if part.type == "text":
        return literal(part.content or "", multiline=True)
    if part.type == "tool_call":
        text = literal(f"→ tool call {part.name or '?'} ({part.id or ''}) ", "cyan")
        text.append_text(literal(_json(part.arguments)))
        return text
    if part.type == "tool_call_response":
        text = literal(f"← tool result ({part.id or ''}) ", "cyan")
        text.append_text(literal(_json(part.response), multiline=True))
        return text
    return literal(f"[{part.type}] {part.content or ''}", "dim")


def _json(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)
