"""``tracekit show``'s span tree: the same characters Rich's ``Tree`` prints, drawn faster.

A ``rich.tree.Tree`` lays out every node's label as a renderable of its own (measure, wrap,
crop), about 70 µs a node: 0.7 s for a 10,000-span trace. Nearly every label is one line
that fits, so here a label that fits is written as it is, after the guides Rich would draw
before it, and only a label that does not fit (a long name, hostile text) is laid out by
Rich itself, exactly as ``Tree`` does. Piped output (no colour) is plain text, joined as
strings; a terminal gets Rich segments, styled as ``Tree`` styles them. The golden files in
``tests/cli/golden`` hold what ``Tree`` printed, and both paths print it byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

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
from tracekit.store.handoffs import HandoffEnds, trace_handoffs
from tracekit.store.models import SpanOutline, TraceSummary

__all__ = ["SpanTree", "header_label", "print_span_tree"]

#: A label as (untrusted text, style) parts: made inert either way, as text or as Rich Text.
Parts = list[tuple[str, str]]
#: The one part that is not text: a line break inside a label (the fork line of the header).
LINE_BREAK = ("\n", "")
_SPACE, _CONTINUE, _FORK, _END = range(4)
_GUIDE_WIDTH = 4
# What Tree puts after its guides so a bold guide style does not leak into the label.
_REMOVE_GUIDE_STYLES = Style(bold=False, underline2=False)


class _Node:
    __slots__ = ("children", "parts")

    def __init__(self, parts: Parts) -> None:
        self.parts = parts
        self.children: list[_Node] = []


def _status_parts(summary: TraceSummary) -> Parts:
    label: str = summary.status
    if summary.stop_reason:
        label = f"{label} ({summary.stop_reason})"
    return [(label, STATUS_STYLES.get(summary.status, ""))]


def header_label(summary: TraceSummary) -> Parts:
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
    def shown(count: int | None) -> str:
        return UNKNOWN if count is None else f"{count:,}"

    return f"{shown(tokens_in)}/{shown(tokens_out)}"


def _span_parts(span: SpanOutline, handoff: HandoffEnds | None = None) -> Parts:
    is_error = span.status_code == "ERROR"
    details = [format_duration(span.duration_ns)]
    if span.input_tokens is not None or span.output_tokens is not None:
        details.append(f"{_token_pair(span.input_tokens, span.output_tokens)} tokens")
    if span.cost_usd is not None:
        details.append(format_cost(span.cost_usd))
    elif span.operation in sc.LLM_OPERATIONS:
        details.append(f"{UNKNOWN} unpriced")
    parts: Parts = [(span.name, "bold red" if is_error else "bold")]
    if handoff is not None:
        parts.append((f"  ⇢ {handoff.label()}", "cyan"))
    parts.append(("  " + " · ".join(details), "dim"))
    if is_error:
        reason = span.error_type or "error"
        if span.status_message:
            reason = f"{reason}: {span.status_message}"
        parts.append((f"  ✗ {reason}", "bold red"))
    return parts


def _event_parts(name: str, attributes: dict[str, Any]) -> Parts:
    shown = " ".join(f"{key}={value}" for key, value in attributes.items())
    return [(f"⚠ {name}", "yellow"), (f"  {shown}" if shown else "", "")]


def _tree(summary: TraceSummary, spans: Sequence[SpanOutline]) -> _Node:
    # The shape trace_tree built as a Rich Tree: a span under the last node one level up,
    # a span's guardrail events first among its children.
    root = _Node(header_label(summary))
    parents = [root]
    handoffs = trace_handoffs(spans)
    for span in spans:
        depth = min(span.depth, len(parents) - 1)
        node = _Node(_span_parts(span, handoffs.get(span.span_id)))
        parents[depth].children.append(node)
        del parents[depth + 1 :]
        parents.append(node)
        if span.has_guardrail:
            for event in span.events:
                if event.name in sc.GUARDRAIL_EVENTS:
                    node.children.append(_Node(_event_parts(event.name, event.attributes)))
    return root


def _text(parts: Parts) -> Text:
    return Text.assemble(*("\n" if part is LINE_BREAK else literal(*part) for part in parts))


def _walk(root: _Node) -> Iterator[tuple[list[int], bool, _Node]]:
    """Each node with the guides before its first line and whether it is the last of its
    siblings: Tree.__rich_console__'s walk, without the drawing."""
    levels = [_CONTINUE]
    stack: list[Iterator[tuple[bool, _Node]]] = [iter([(True, root)])]
    while stack:
        step = next(stack[-1], None)
        if step is None:
            stack.pop()
            levels.pop()
            if levels:
                levels[-1] = _FORK
            continue
        last, node = step
        if last:
            levels[-1] = _END
        yield levels[1:], last, node
        if node.children:
            levels[-1] = _SPACE if last else _CONTINUE
            levels.append(_END if len(node.children) == 1 else _FORK)
            count = len(node.children)
            stack.append(iter([(i == count - 1, child) for i, child in enumerate(node.children)]))


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


def _plain_lines(root: _Node, console: Console) -> list[str]:
    # The tree as lines of text, for output without colour (where Rich writes text only).
    options = console.options
    guides = _guides(console, options)
    max_width = options.max_width
    lines: list[str] = []
    append = lines.append
    for prefix, last, node in _walk(root):
        width = max_width - _GUIDE_WIDTH * len(prefix)
        lead = "".join([guides[level] for level in prefix])
        plain = "".join(["\n" if part is LINE_BREAK else inert(part[0]) for part in node.parts])
        if "\n" not in plain and cell_len(plain) <= width:
            append(lead + plain)
            continue
        for index, line in enumerate(_laid_out(console, options, node.parts, width)):
            if index == 1 and prefix:
                lead = "".join([guides[level] for level in prefix[:-1]])
                lead += guides[_SPACE if last else _CONTINUE]
            append(lead + "".join([segment.text for segment in line if not segment.control]))
    return lines


def _room_everywhere(root: _Node, max_width: int) -> bool:
    return all(len(prefix) * _GUIDE_WIDTH < max_width for prefix, _, _ in _walk(root))


class SpanTree:
    """The tree as a Rich renderable, for a terminal: styled as Tree styles it."""

    def __init__(self, root: _Node) -> None:
        self.root = root

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        guides = _guides(console, options)
        guide_style = console.get_style("tree.line", default="") or Style.null()
        node_style = console.get_style("tree", default="") or Style.null()
        new_line = Segment.line()
        for prefix, last, node in _walk(self.root):
            width = options.max_width - _GUIDE_WIDTH * len(prefix)
            text = _text(node.parts)
            if "\n" not in text.plain and text.cell_len <= width:
                rendered: Iterable[list[Segment]] = [list(text.render(console))]
            else:
                rendered = _laid_out(console, options, node.parts, width)
            levels = list(prefix)
            for index, line in enumerate(rendered):
                if index == 1 and levels:
                    levels[-1] = _SPACE if last else _CONTINUE
                if levels:
                    yield from Segment.apply_style(
                        [Segment(guides[level], guide_style) for level in levels],
                        node_style.background_style,
                        post_style=_REMOVE_GUIDE_STYLES,
                    )
                yield from line
                yield new_line


def print_span_tree(
    summary: TraceSummary,
    spans: Sequence[SpanOutline],
    console: Console,
    fallback: Callable[[], Tree],
) -> None:
    """Print the tree on ``console``: plain lines where there is no colour (a pipe, a
    file), segments in a terminal, and ``fallback()`` (the same tree as a Rich Tree) for a
    branch so deep that its guides fill the width, which only Tree itself draws."""
    root = _tree(summary, spans)
    if not _room_everywhere(root, console.options.max_width):
        console.print(fallback())
    elif console.color_system is None and not console.is_jupyter:
        console.file.write("".join(line + "\n" for line in _plain_lines(root, console)))
    else:
        console.print(SpanTree(root))
