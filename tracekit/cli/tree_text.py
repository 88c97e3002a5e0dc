"""``tracekit show``'s span tree as plain text, without loading Rich.

The tree's nodes in drawing order and every label's parts (text and a style's name) are
here, shared by the Rich renderings of :mod:`tracekit.cli.trace_view`. Written to a pipe
(no colour), the tree is plain lines: the guides Rich's ``Tree`` draws before each label,
then the label made inert. Importing Rich's console to draw them was a quarter of
``tracekit show``'s time on a big trace, so where Rich would write plain text
(:func:`~tracekit.cli.piped_text.writes_plain_text`) and every label fits on its line,
:func:`plain_tree_text` writes the lines itself; a label that Rich would lay out (a line
break, wider than its room) leaves the whole tree to Rich. Tests compare both byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from tracekit import semconv as sc
from tracekit.figure_text import (
    STATUS_STYLES,
    UNKNOWN,
    format_cost,
    format_duration,
    format_partial_cost,
)
from tracekit.inert_text import inert
from tracekit.store.tree_lines import SpanLine

if TYPE_CHECKING:
    # Only named: the summary may be the store's plain row, and a guardrail event is told
    # apart from a span by its type, so drawing a tree loads no pydantic.
    from tracekit.store.models import SpanEvent, TraceSummary
    from tracekit.store.trace_rows import TraceRow

__all__ = [
    "ASCII_GUIDES",
    "LINE_BREAK",
    "TREE_GUIDES",
    "Nodes",
    "Parts",
    "header_label",
    "label_parts",
    "plain_lines",
    "plain_tree_text",
]

#: A label as (untrusted text, style) parts: made inert either way, as text or as Rich Text.
Parts = list[tuple[str, str]]
#: The one part that is not text: a line break inside a label (the fork line of the header).
LINE_BREAK = ("\n", "")
#: The guides before a label (blank, carry on, fork, end), as ``rich.tree.Tree`` draws
#: them: its ``TREE_GUIDES[0]`` (the default style) and its ``ASCII_GUIDES`` (a console
#: that cannot write anything else). A test holds them equal to Rich's.
TREE_GUIDES = ("    ", "│   ", "├── ", "└── ")
ASCII_GUIDES = ("    ", "|   ", "+-- ", "`-- ")
SPACE, CONTINUE, FORK, END = range(4)
GUIDE_WIDTH = 4
#: The characters beyond ASCII in tracekit's own figures, one cell each (see _cells).
_ONE_CELL = str.maketrans("µ·—", "   ")

#: The trace a tree is drawn for: the model, or the store's row with the same fields.
Summary: TypeAlias = "TraceSummary | TraceRow"
#: What a node of the tree shows: the trace (the header, the one node at depth 0), a span,
#: or a guardrail event.
Item: TypeAlias = "TraceSummary | TraceRow | SpanLine | SpanEvent"
#: Lays out a label that does not fit on one line: its lines' text, for ``(item, depth,
#: width)``.
LaidOut = Callable[[Item, int, int], list[str]]


class Nodes:
    """The tree in drawing order (depth first, the header first at depth 0): each node's
    depth, whether it is the last of its siblings, and what it shows."""

    __slots__ = ("depths", "items", "lasts")

    def __init__(self, summary: Summary, spans: Sequence[SpanLine]) -> None:
        # The shape trace_tree builds as a Rich Tree: a span under the last node one level
        # up, a span's guardrail events first among its children.
        depths = [0]
        items: list[Item] = [summary]
        limit = 0  # the deepest a span may sit: one below the span before it
        for span in spans:
            depth = span.depth if span.depth < limit else limit
            depths.append(depth + 1)
            items.append(span)
            limit = depth + 1
            for event in span.guardrails:
                depths.append(depth + 2)
                items.append(event)
        lasts = [True] * len(depths)
        # open_at[d]: the node at depth d that is last of its siblings so far.
        open_at: list[int] = []
        for index, depth in enumerate(depths):
            if depth < len(open_at):
                lasts[open_at[depth]] = False
                del open_at[depth:]
            open_at.append(index)
        self.depths, self.lasts, self.items = depths, lasts, items


def _status_parts(summary: Summary) -> Parts:
    label: str = summary.status
    if summary.stop_reason:
        label = f"{label} ({summary.stop_reason})"
    return [(label, STATUS_STYLES.get(summary.status, ""))]


def header_label(summary: Summary) -> Parts:
    """The first line: workflow, trace id, status and the trace's totals; for a fork, a
    second line says what it was forked from."""
    parts: Parts = [
        (summary.workflow, "bold"),
        ("  ", ""),
        (summary.trace_id, ""),
        ("  ", ""),
        *_status_parts(summary),
        (
            f"  {format_duration(summary.duration_ns)} · {summary.span_count} spans · "
            f"{summary.steps} steps · "
            f"{_token_pair(summary.input_tokens, summary.output_tokens)} tokens"
            f" · {format_partial_cost(summary.cost_usd, summary.unpriced_spans)}",
            "",
        ),
    ]
    if summary.parent_trace_id is not None:
        parts.append(LINE_BREAK)
        parts.append(
            (f"⑂ fork of {summary.parent_trace_id} at step {summary.fork_at or '?'}", "magenta")
        )
    return parts


def _token_pair(tokens_in: int | None, tokens_out: int | None) -> str:
    shown_in = UNKNOWN if tokens_in is None else f"{tokens_in:,}"
    return f"{shown_in}/{UNKNOWN if tokens_out is None else f'{tokens_out:,}'}"


def _details(span: SpanLine) -> str:
    # Duration, tokens and cost: tracekit's own text, with nothing to make inert.
    details = format_duration(span.duration_ns)
    if span.input_tokens is not None or span.output_tokens is not None:
        details += f" · {_token_pair(span.input_tokens, span.output_tokens)} tokens"
    if span.cost_usd is not None:
        details += f" · {format_cost(span.cost_usd)}"
    elif span.operation in sc.LLM_OPERATIONS:
        details += f" · {UNKNOWN} unpriced"
    return details


def _reason(span: SpanLine) -> str:
    reason = span.error_type or "error"
    if span.status_message:
        reason = f"{reason}: {span.status_message}"
    return f"  ✗ {reason}"


def _span_parts(span: SpanLine) -> Parts:
    is_error = span.status_code == "ERROR"
    parts: Parts = [(span.name, "bold red" if is_error else "bold")]
    if span.handoff is not None:
        parts.append((f"  ⇢ {span.handoff.label()}", "cyan"))
    parts.append(("  " + _details(span), "dim"))
    if is_error:
        parts.append((_reason(span), "bold red"))
    return parts


def _span_plain(span: SpanLine, names: dict[str, tuple[str, bool]]) -> tuple[str, int | None]:
    # "".join(inert(text) for text, _ in _span_parts(span)), without building the parts,
    # and its width in cells where that is its length: a name of printable ASCII (made
    # inert once per distinct name, in ``names``) and the details, tracekit's own text,
    # whose only characters beyond ASCII ("µ", "·", "—") are one cell each.
    named = names.get(span.name)
    if named is None:
        shown = inert(span.name)
        named = names[span.name] = (shown, shown.isascii())
    plain, counted = named
    if span.handoff is not None:
        plain += inert(f"  ⇢ {span.handoff.label()}")
        counted = False
    plain += "  " + _details(span)
    if span.status_code == "ERROR":
        plain += inert(_reason(span))
        counted = False
    return plain, len(plain) if counted else None


def _event_parts(name: str, attributes: dict[str, Any]) -> Parts:
    shown = " ".join(f"{key}={value}" for key, value in attributes.items())
    return [(f"⚠ {name}", "yellow"), (f"  {shown}" if shown else "", "")]


def label_parts(item: Item, depth: int) -> Parts:
    """What node ``item`` at ``depth`` shows, as parts."""
    if type(item) is SpanLine:
        return _span_parts(item)
    if not depth:
        return header_label(cast("Summary", item))
    event = cast("SpanEvent", item)
    return _event_parts(event.name, event.attributes)


def cells(plain: str) -> int:
    """The width of inert text in cells, as Rich counts it."""
    # Inert text holds no controls, so printable ASCII is one cell a character, and so are
    # the few characters beyond it in tracekit's own figures.
    if plain.isascii() or plain.translate(_ONE_CELL).isascii():
        return len(plain)
    from rich.cells import cell_len  # wide and combining characters, as Rich counts them

    return cell_len(plain)


def plain_lines(
    nodes: Nodes, guides: Sequence[str], max_width: int, laid_out: LaidOut | None
) -> list[str] | None:
    """The tree as lines of text, as Rich writes it without colour, ``max_width`` cells
    wide. A label that does not fit its line is given to ``laid_out``; without it, the
    answer is None (the tree is Rich's to draw)."""
    space, carry_on, fork, end = guides
    # leads[d]: the guides before a line of a node at depth d + 1 (its ancestors' part).
    leads = [""]
    lines: list[str] = []
    append = lines.append
    names: dict[str, tuple[str, bool]] = {}
    for depth, last, item in zip(nodes.depths, nodes.lasts, nodes.items, strict=True):
        if depth:
            before = leads[depth - 1]
            lead = before + (end if last else fork)
            rest = before + (space if last else carry_on)
            if depth < len(leads):
                leads[depth] = rest
            else:
                leads.append(rest)
        else:
            lead = rest = ""
        counted: int | None = None
        if type(item) is SpanLine:
            plain, counted = _span_plain(item, names)
        else:
            parts = label_parts(item, depth)
            plain = "".join(["\n" if part is LINE_BREAK else inert(part[0]) for part in parts])
        width = max_width - GUIDE_WIDTH * depth
        if "\n" not in plain and (cells(plain) if counted is None else counted) <= width:
            append(lead + plain)
            continue
        if laid_out is None:
            return None
        for index, line in enumerate(laid_out(item, depth, width)):
            append((rest if index else lead) + line)
    return lines


def plain_tree_text(
    summary: Summary, spans: Sequence[SpanLine], *, width: int, ascii_only: bool, note: str
) -> str | None:
    """The tree and ``note`` (the unpriced footnote, or empty) as Rich writes them to a
    pipe ``width`` cells wide; None when Rich must lay something out (a branch so deep that
    its guides fill the width, a label or the note too wide or of two lines)."""
    nodes = Nodes(summary, spans)
    if max(nodes.depths) * GUIDE_WIDTH >= width:
        return None
    if note and ("\n" in note or cells(inert(note)) > width):
        return None
    lines = plain_lines(nodes, ASCII_GUIDES if ascii_only else TREE_GUIDES, width, None)
    if lines is None:
        return None
    if note:
        lines.append(inert(note))
    return "".join([line + "\n" for line in lines])
