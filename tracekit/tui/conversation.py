"""A span's details as Rich renderables: facts, error, events, the LLM conversation, tool
payloads and attributes. Pure functions of the span and its content; everything from the
trace is rendered literally (see :mod:`tracekit.display`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tracekit import semconv as sc
from tracekit.display import format_cost, format_duration, literal, pretty_json
from tracekit.otlp.values import parse_json
from tracekit.store.models import SpanEvent, SpanOutline, SpanRecord
from tracekit.tui.widgets.waterfall import span_kind

_ROLE_STYLE = {
    "system": "bold yellow",
    "user": "bold green",
    "assistant": "bold magenta",
    "tool": "bold cyan",
}
#: Content attributes shown as JSON sections, with their headings.
_PAYLOADS = (
    (sc.GEN_AI_TOOL_CALL_ARGUMENTS, "Tool arguments"),
    (sc.GEN_AI_TOOL_CALL_RESULT, "Tool result"),
    (sc.TRACEKIT_AGENT_INPUT, "Agent input"),
    (sc.TRACEKIT_AGENT_OUTPUT, "Agent output"),
    (sc.TRACEKIT_WORKFLOW_INPUT, "Workflow input"),
    (sc.TRACEKIT_WORKFLOW_OUTPUT, "Workflow output"),
    (sc.TRACEKIT_STATE_CHANGES, "State changes"),
    (sc.GEN_AI_TOOL_DEFINITIONS, "Tool definitions"),
)


def heading(title: str) -> Text:
    """A section heading."""
    return Text(f"\n{title}", style="bold underline")


def span_details(span: SpanOutline | SpanRecord, content: dict[str, Any]) -> Group:
    """Everything about one span, top to bottom."""
    events, attributes = span.events, span.attributes  # an outline parses them per access
    parts: list[RenderableType] = [_title(span), _facts(span)]
    if span.status_code == "ERROR":
        reason = span.error_type or "error"
        if span.status_message:
            reason = f"{reason}: {span.status_message}"
        parts += [heading("Error"), literal(f"✗ {reason}", "bold red", multiline=True)]
    if events:
        parts += [heading("Events"), *_events(events)]
    conversation = list(conversation_parts(content))
    if conversation:
        parts += [heading("Conversation"), *conversation]
    for key, title in _PAYLOADS:
        if key in content:
            parts += [heading(title), pretty_json(content[key])]
    if attributes:
        parts += [heading("Attributes"), _attributes(attributes)]
    return Group(*parts)


def _title(span: SpanOutline | SpanRecord) -> Text:
    style = "bold red" if span.status_code == "ERROR" else "bold"
    text = literal(span.name, style)
    text.append(f"  {span_kind(span)} · {span.kind} · {span.status_code}", style="dim")
    return text


def _facts(span: SpanOutline | SpanRecord) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column()
    facts: list[tuple[str, object]] = [("duration", format_duration(span.duration_ns))]
    for label, value in (
        ("agent", span.agent_path or span.agent),
        ("model", span.model),
        ("provider", span.provider),
        ("tool", span.tool),
        ("workflow", span.workflow),
    ):
        if value:
            facts.append((label, value))
    if span.input_tokens is not None or span.output_tokens is not None:
        tokens = f"{span.input_tokens or 0:,} in / {span.output_tokens or 0:,} out"
        if span.cache_read_tokens or span.cache_creation_tokens:
            tokens += (
                f" (cache read {span.cache_read_tokens or 0:,}, "
                f"write {span.cache_creation_tokens or 0:,})"
            )
        facts.append(("tokens", tokens))
    if span.cost_usd is not None:
        facts.append(("cost", format_cost(span.cost_usd)))
    facts.append(("span", span.span_id))
    for label, fact in facts:
        table.add_row(label, literal(fact))
    return table


def _events(events: list[SpanEvent]) -> Iterable[Text]:
    for event in events:
        guard = event.name in sc.GUARDRAIL_EVENTS
        line = literal(f"{'⚠' if guard else '•'} {event.name}", "bold yellow" if guard else "")
        if event.attributes:
            shown = " ".join(f"{key}={value}" for key, value in event.attributes.items())
            line.append_text(literal(f"  {shown}", "dim"))
        yield line


def _attributes(attributes: dict[str, Any]) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column()
    for key in sorted(attributes):
        value = attributes[key]
        shown = value if isinstance(value, str) else json.dumps(value, default=str)
        table.add_row(literal(key), literal(shown, multiline=True))
    return table


def conversation_parts(content: dict[str, Any]) -> Iterable[RenderableType]:
    """System instructions, input and output messages as a conversation, text in full."""
    system = parse_json(content.get(sc.GEN_AI_SYSTEM_INSTRUCTIONS))
    if system:
        yield _role("system")
        if isinstance(system, list):
            for part in system:
                yield from _part(part)
        else:
            yield literal(system, multiline=True)
    for key, label in ((sc.GEN_AI_INPUT_MESSAGES, ""), (sc.GEN_AI_OUTPUT_MESSAGES, "output")):
        messages = parse_json(content.get(key))
        if not messages:
            continue
        if not isinstance(messages, list):
            yield literal(messages, multiline=True)
            continue
        for message in messages:
            if not isinstance(message, dict):
                yield literal(message, multiline=True)
                continue
            role = str(message.get("role", "?"))
            finish = message.get("finish_reason")
            yield _role(role, label, finish)
            for part in message.get("parts") or []:
                yield from _part(part)


def _role(role: str, label: str = "", finish: object = None) -> Text:
    text = literal(f"── {role}", _ROLE_STYLE.get(role, "bold"))
    if label:
        text.append(f" ({label})", style="dim")
    if finish:
        text.append_text(literal(f" · {finish}", "dim"))
    return text


def _part(part: Any) -> Iterable[RenderableType]:
    if not isinstance(part, dict):
        yield literal(part, multiline=True)
        return
    kind = part.get("type")
    if kind == "text":
        yield literal(part.get("content", ""), multiline=True)
    elif kind == "tool_call":
        yield literal(f"→ tool call {part.get('name', '?')} ({part.get('id', '')})", "bold cyan")
        yield pretty_json(part.get("arguments", {}))
    elif kind == "tool_call_response":
        yield literal(f"← tool result ({part.get('id', '')})", "bold cyan")
        yield pretty_json(part.get("response"))
    else:
        yield pretty_json(part)
