"""A span's details as Rich renderables: facts, error, events, the LLM conversation, tool
payloads and attributes. Pure functions of the span and its content; everything from the
trace is rendered literally (see :mod:`tracekit.display`).

A long text (a message, a tool result, an attribute) is shown a page at a time
(:class:`Paging`): laying out megabytes would freeze the screen.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tracekit import semconv as sc
from tracekit.display import (
    clip,
    format_cost,
    format_duration,
    format_size,
    highlight_json,
    json_shown,
    literal,
)
from tracekit.store import HandoffEnds
from tracekit.store.models import SpanEvent, SpanOutline, SpanRecord
from tracekit.tui.widgets.waterfall import span_kind

if TYPE_CHECKING:
    # Read when a span's details are first drawn (see span_details): the conventions'
    # models are not needed to draw a trace's tree.
    from tracekit.otlp.conventions import NormalisedSpan, Part

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


#: Characters of one long text shown at a time.
PAGE_CHARS = 32_000
_MORE_STYLE = "bold yellow"


@dataclass
class Paging:
    """Which page of each long text to show: page ``page`` in pages of ``size`` characters
    (``size`` None: everything). Rendering sets ``more`` when some text goes on after it."""

    page: int = 0
    size: int | None = PAGE_CHARS
    more: bool = False


def paged(
    value: str,
    paging: Paging,
    style: str = "",
    *,
    as_json: bool = False,
    multiline: bool = True,
) -> Text:
    """One page of ``value``, literal, with a line saying how much is before and after it and
    which key shows it."""
    page = clip(value, paging.page, paging.size)
    text = Text()
    if page.before:
        text.append(f"… {format_size(page.before)} before · press M for the previous page\n")
        text.stylize(_MORE_STYLE)
    body = literal(page.text, style, multiline=multiline)
    text.append_text(highlight_json(body) if as_json else body)
    if page.after:
        paging.more = True
        text.append(f"\n… {format_size(page.after)} more · press m to show more", _MORE_STYLE)
    return text


def paged_json(value: Any, paging: Paging) -> Text:
    """``value`` (or JSON text) pretty-printed and highlighted, one page of it."""
    shown, is_json = json_shown(value)
    return paged(shown, paging, as_json=is_json)


def heading(title: str) -> Text:
    """A section heading."""
    return Text(f"\n{title}", style="bold underline")


#: How the words of a ``text:`` search are marked in the details.
MATCH_STYLE = "bold black on yellow"


def span_details(
    span: SpanOutline | SpanRecord,
    content: dict[str, Any],
    paging: Paging | None = None,
    highlight: Sequence[str] = (),
    *,
    handoff: HandoffEnds | None = None,
) -> Group:
    """Everything about one span, top to bottom; of each long text, the page ``paging`` says
    (default: the first). The words of ``highlight`` (a ``text:`` search) are marked, case
    insensitively, in the conversation and the payloads (on the literal text: a match can
    never bring markup or an escape to life). ``handoff``: who the span hands off from and
    to, as the trace's tree reads it (:func:`~tracekit.store.trace_handoffs`)."""
    from tracekit.otlp.conventions import normalise_attributes

    paging = paging or Paging()
    events, attributes = span.events, span.attributes  # an outline parses them per access
    parts: list[RenderableType] = [_title(span), _facts(span, handoff)]
    if span.status_code == "ERROR":
        reason = span.error_type or "error"
        if span.status_message:
            reason = f"{reason}: {span.status_message}"
        parts += [heading("Error"), paged(f"✗ {reason}", paging, "bold red")]
    if events:
        parts += [heading("Events"), *_events(events, paging)]
    normal = normalise_attributes(span.name, attributes, content, events, span.scope_name)
    conversation = list(conversation_parts(content, paging, normal=normal))
    if conversation:
        parts += [heading("Conversation"), *conversation]
    shown = False
    for key, title in _PAYLOADS:
        if key in content:
            parts += [heading(title), paged_json(content[key], paging)]
            shown = True
    if not shown:
        parts += list(_foreign_payloads(normal, paging))
    words = [word for word in highlight if word]
    if words:
        for part in parts:
            if isinstance(part, Text):
                part.highlight_words(words, MATCH_STYLE, case_sensitive=False)
    if attributes:
        parts += [heading("Attributes"), _attributes(attributes, paging)]
    return Group(*parts)


def _foreign_payloads(normal: NormalisedSpan, paging: Paging) -> Iterable[RenderableType]:
    """Tool arguments and result, or a span's input and output, as other conventions spell
    them (OpenInference ``input.value``, Traceloop entity input, ...)."""
    tool = normal.tool
    if tool is not None and (tool.arguments is not None or tool.result is not None):
        if tool.arguments is not None:
            yield from (heading("Tool arguments"), paged_json(tool.arguments, paging))
        if tool.result is not None:
            yield from (heading("Tool result"), paged_json(tool.result, paging))
    elif not normal.messages:
        if normal.input is not None:
            yield from (heading("Input"), paged_json(normal.input, paging))
        if normal.output is not None:
            yield from (heading("Output"), paged_json(normal.output, paging))


def _title(span: SpanOutline | SpanRecord) -> Text:
    style = "bold red" if span.status_code == "ERROR" else "bold"
    text = literal(span.name, style)
    text.append(f"  {span_kind(span)} · {span.kind} · {span.status_code}", style="dim")
    return text


def _facts(span: SpanOutline | SpanRecord, handoff: HandoffEnds | None) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column()
    facts: list[tuple[str, object]] = [("duration", format_duration(span.duration_ns))]
    if handoff is not None:
        facts.append(("handoff", handoff.label()))
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


def _events(events: list[SpanEvent], paging: Paging) -> Iterable[Text]:
    for event in events:
        guard = event.name in sc.GUARDRAIL_EVENTS
        line = literal(f"{'⚠' if guard else '•'} {event.name}", "bold yellow" if guard else "")
        if event.attributes:
            shown = " ".join(f"{key}={value}" for key, value in event.attributes.items())
            line.append_text(paged(f"  {shown}", paging, "dim", multiline=False))
        yield line


#: The attribute table's columns: a key longer than its share folds onto more lines, and the
#: value always keeps room to be read (a 56-character key once left it none).
ATTRIBUTE_KEY_MAX_WIDTH = 32
ATTRIBUTE_VALUE_MIN_WIDTH = 24


def _attributes(attributes: dict[str, Any], paging: Paging) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", max_width=ATTRIBUTE_KEY_MAX_WIDTH, overflow="fold")
    table.add_column(min_width=ATTRIBUTE_VALUE_MIN_WIDTH, ratio=1, overflow="fold")
    for key in sorted(attributes):
        value = attributes[key]
        shown = value if isinstance(value, str) else json.dumps(value, default=str)
        table.add_row(literal(key), paged(shown, paging))
    return table


def conversation_parts(
    content: dict[str, Any],
    paging: Paging | None = None,
    *,
    normal: NormalisedSpan | None = None,
) -> Iterable[RenderableType]:
    """The span's conversation (system, user, assistant, tool calls and results) in any
    convention, as :mod:`tracekit.otlp.conventions` reads it; of each long text, the page
    ``paging`` says (default: the first). ``normal`` is the span already normalised (else
    ``content`` alone is read)."""
    paging = paging or Paging()
    if normal is None:
        from tracekit.otlp.conventions import normalise_attributes

        normal = normalise_attributes("", content)
    for message in normal.messages:
        yield _role(message.role, "output" if message.output else "", message.finish_reason)
        for part in message.parts:
            yield from _part(part, paging)


def _role(role: str, label: str = "", finish: object = None) -> Text:
    text = literal(f"── {role}", _ROLE_STYLE.get(role, "bold"))
    if label:
        text.append(f" ({label})", style="dim")
    if finish:
        text.append_text(literal(f" · {finish}", "dim"))
    return text


def _part(part: Part, paging: Paging) -> Iterable[RenderableType]:
    if part.type == "text":
        yield paged(part.content or "", paging)
    elif part.type == "tool_call":
        yield literal(f"→ tool call {part.name or '?'} ({part.id or ''})", "bold cyan")
        yield paged_json(part.arguments if part.arguments is not None else {}, paging)
    elif part.type == "tool_call_response":
        yield literal(f"← tool result ({part.id or ''})", "bold cyan")
        yield paged_json(part.response, paging)
    else:
        yield paged(part.content or part.type, paging)
