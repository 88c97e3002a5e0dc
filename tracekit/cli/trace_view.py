"""``tracekit show``'s span tree: the same characters Rich's ``Tree`` prints, drawn faster.

A ``rich.tree.Tree`` lays out every node's label as a renderable of its own (measure, wrap,
crop), about 70 µs a node: 0.7 s for a 10,000-span trace. Nearly every label is one line
that fits, so here the tree is a flat list of nodes in drawing order, each knowing its
depth and whether it is the last of its siblings; a label that fits is written as it is,
after the guides Rich would draw before it, and only a label that does not fit (a long
name, hostile text) is laid out by Rich itself, exactly as ``Tree`` does. Piped output (no
colour) is plain text, joined as strings; a terminal gets Rich segments, styled as ``Tree``
styles them (a label with text to escape is drawn as Rich ``Text``). The golden files in
``tests/cli/golden`` hold what ``Tree`` printed, and both paths print it byte for byte.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from rich.tree import Tree

from tracekit import semconv as sc
from tracekit.display import (
    STATUS_STYLES,
    UNKNOWN,
    format_cost,
    format_duration,
    format_partial_cost,
    inert,
    literal,
)
from tracekit.store.tree_lines import SpanLine

if TYPE_CHECKING:
    # Only named: the summary may be the store's plain row, and a guardrail event is told
    # apart from a span by its type, so drawing a tree loads no pydantic.
    from tracekit.store.models import SpanEvent, TraceSummary
    from tracekit.store.trace_rows import TraceRow

__all__ = ["SpanTree", "header_label", "print_span_tree"]

#: A label as (untrusted text, style) parts: made inert either way, as text or as Rich Text.
Parts = list[tuple[str, str]]
#: The one part that is not text: a line break inside a label (the fork line of the header).
LINE_BREAK = ("\n", "")
_SPACE, _CONTINUE, _FORK, _END = range(4)
_GUIDE_WIDTH = 4
# What Tree puts after its guides so a bold guide style does not leak into the label.
_REMOVE_GUIDE_STYLES = Style(bold=False, underline2=False)

#: The trace a tree is drawn for: the model, or the store's row with the same fields.
Summary: TypeAlias = "TraceSummary | TraceRow"
#: What a node of the tree shows: the trace (the header, the one node at depth 0), a span,
#: or a guardrail event.
_Item: TypeAlias = "TraceSummary | TraceRow | SpanLine | SpanEvent"


class _Nodes:
    """The tree in drawing order (depth first, the header first at depth 0): each node's
    depth, whether it is the last of its siblings, and what it shows."""

    __slots__ = ("depths", "items", "lasts")

    def __init__(self, summary: Summary, spans: Sequence[SpanLine]) -> None:
        # The shape trace_tree builds as a Rich Tree: a span under the last node one level
        # up, a span's guardrail events first among its children.
        depths = [0]
        items: list[_Item] = [summary]
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


def _parts(item: _Item, depth: int) -> Parts:
    if type(item) is SpanLine:
        return _span_parts(item)
    if not depth:
        return header_label(cast("Summary", item))
    event = cast("SpanEvent", item)
    return _event_parts(event.name, event.attributes)


def _text(parts: Parts) -> Text:
    return Text.assemble(*("\n" if part is LINE_BREAK else literal(*part) for part in parts))


def _cells(plain: str) -> int:
    # Inert text holds no controls, so printable ASCII is one cell a character.
    return len(plain) if plain.isascii() else cell_len(plain)


def _guides(console: Console, options: ConsoleOptions) -> tuple[str, str, str, str]:
    if options.ascii_only:
        return Tree.ASCII_GUIDES
    style = console.get_style("tree.line", default="") or Style.null()
    guide = 1 if style.bold else (2 if style.underline2 else 0)
    return Tree.TREE_GUIDES[0 if options.legacy_windows else guide]


def _laid_out(
    console: Console, options: ConsoleOptions, parts: Parts, width: int
) -> list[list[Segment]]:
    # A label that does not fit on one line: laid out by Rich, as Tree lays it out.
    return console.render_lines(
        _text(parts),
        options.update(width=width, highlight=False, height=None),
        pad=options.justify is not None,
    )


def _plain_lines(nodes: _Nodes, console: Console) -> list[str]:
    # The tree as lines of text, for output without colour (where Rich writes text only).
    options = console.options
    space, carry_on, fork, end = _guides(console, options)
    max_width = options.max_width
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
        cells: int | None = None
        if type(item) is SpanLine:
            plain, cells = _span_plain(item, names)
        else:
            parts = _parts(item, depth)
            plain = "".join(["\n" if part is LINE_BREAK else inert(part[0]) for part in parts])
        width = max_width - _GUIDE_WIDTH * depth
        if "\n" not in plain and (_cells(plain) if cells is None else cells) <= width:
            append(lead + plain)
            continue
        for index, line in enumerate(_laid_out(console, options, _parts(item, depth), width)):
            shown = "".join([segment.text for segment in line if not segment.control])
            append((rest if index else lead) + shown)
    return lines


class SpanTree:
    """The tree as a Rich renderable, for a terminal: styled as Tree styles it."""

    def __init__(self, nodes: _Nodes) -> None:
        self.nodes = nodes

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        guides = _guides(console, options)
        guide_style = console.get_style("tree.line", default="") or Style.null()
        node_style = console.get_style("tree", default="") or Style.null()
        new_line = Segment.line()
        styles: dict[str, Style] = {}
        drawn: dict[tuple[int, ...], list[Segment]] = {}

        def guide_segments(levels: tuple[int, ...]) -> list[Segment]:
            found = drawn.get(levels)
            if found is None:
                found = drawn[levels] = list(
                    Segment.apply_style(
                        [Segment(guides[level], guide_style) for level in levels],
                        node_style.background_style,
                        post_style=_REMOVE_GUIDE_STYLES,
                    )
                )
            return found

        # leads[d]: the guide levels before a line of a node at depth d + 1.
        leads: list[tuple[int, ...]] = [()]
        nodes = self.nodes
        for depth, last, item in zip(nodes.depths, nodes.lasts, nodes.items, strict=True):
            if depth:
                before = leads[depth - 1]
                levels = (*before, _END if last else _FORK)
                rest = (*before, _SPACE if last else _CONTINUE)
                if depth < len(leads):
                    leads[depth] = rest
                else:
                    leads.append(rest)
            else:
                levels = rest = ()
            width = options.max_width - _GUIDE_WIDTH * depth
            parts = _parts(item, depth)
            rendered: Iterable[list[Segment]]
            segments = _plain_segments(parts, console, styles, width)
            if segments is not None:
                rendered = (segments,)
            else:
                text = _text(parts)
                if "\n" not in text.plain and text.cell_len <= width:
                    rendered = (list(text.render(console)),)
                else:
                    rendered = _laid_out(console, options, parts, width)
            for index, line in enumerate(rendered):
                shown = rest if index else levels
                if shown:
                    yield from guide_segments(shown)
                yield from line
                yield new_line


def _plain_segments(
    parts: Parts, console: Console, styles: dict[str, Style], width: int
) -> list[Segment] | None:
    """A one-line label with nothing to escape as the segments ``Text.render`` yields for
    it (one per part, in the part's style); None for any other label."""
    segments: list[Segment] = []
    for text, style_name in parts:
        if not text:
            continue
        if text == "\n" or inert(text) != text:
            return None
        style = styles.get(style_name)
        if style is None:
            style = styles[style_name] = console.get_style(style_name, default=Style.null())
        segments.append(Segment(text, style))
    return segments if _cells("".join([text for text, _ in parts])) <= width else None


def _rich_tree(nodes: _Nodes) -> Tree:
    # The same tree as a Rich Tree, for a branch so deep that its guides fill the width.
    tree = Tree(_text(_parts(nodes.items[0], 0)))
    path = [tree]
    for depth, item in zip(nodes.depths[1:], nodes.items[1:], strict=True):
        node = path[depth - 1].add(_text(_parts(item, depth)))
        del path[depth:]
        path.append(node)
    return tree


def print_span_tree(summary: Summary, spans: Sequence[SpanLine], console: Console) -> None:
    """Print the trace's tree on ``console``: plain lines where there is no colour (a pipe,
    a file), segments in a terminal, and a Rich ``Tree`` for a branch so deep that its
    guides fill the width, which only Tree itself draws. ``spans`` in tree order, as
    :meth:`TraceStore.get_trace_lines` reads them."""
    nodes = _Nodes(summary, spans)
    if max(nodes.depths) * _GUIDE_WIDTH >= console.options.max_width:
        console.print(_rich_tree(nodes))
    elif console.color_system is None and not console.is_jupyter:
        console.file.write("".join([line + "\n" for line in _plain_lines(nodes, console)]))
    else:
        console.print(SpanTree(nodes))
