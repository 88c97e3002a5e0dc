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

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from rich.tree import Tree

from tracekit.cli.tree_text import (
    CONTINUE,
    END,
    FORK,
    GUIDE_WIDTH,
    LINE_BREAK,
    SPACE,
    Item,
    Nodes,
    Parts,
    Summary,
    cells,
    header_label,
    label_parts,
    plain_lines,
)
from tracekit.display import inert, literal
from tracekit.store.tree_lines import SpanLine

__all__ = ["SpanTree", "header_label", "print_span_tree"]

# What Tree puts after its guides so a bold guide style does not leak into the label.
_REMOVE_GUIDE_STYLES = Style(bold=False, underline2=False)


def _text(parts: Parts) -> Text:
    return Text.assemble(*("\n" if part is LINE_BREAK else literal(*part) for part in parts))


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


def _plain_lines(nodes: Nodes, console: Console) -> list[str]:
    # The tree as lines of text, for output without colour (where Rich writes text only);
    # a label that does not fit is laid out by Rich.
    options = console.options

    def laid_out(item: Item, depth: int, width: int) -> list[str]:
        lines = _laid_out(console, options, label_parts(item, depth), width)
        return [
            "".join([segment.text for segment in line if not segment.control]) for line in lines
        ]

    lines = plain_lines(nodes, _guides(console, options), options.max_width, laid_out)
    assert lines is not None  # every label fits, or is laid out
    return lines


class SpanTree:
    """The tree as a Rich renderable, for a terminal: styled as Tree styles it."""

    def __init__(self, nodes: Nodes) -> None:
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
                levels = (*before, END if last else FORK)
                rest = (*before, SPACE if last else CONTINUE)
                if depth < len(leads):
                    leads[depth] = rest
                else:
                    leads.append(rest)
            else:
                levels = rest = ()
            width = options.max_width - GUIDE_WIDTH * depth
            parts = label_parts(item, depth)
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
    return segments if cells("".join([text for text, _ in parts])) <= width else None


def _rich_tree(nodes: Nodes) -> Tree:
    # The same tree as a Rich Tree, for a branch so deep that its guides fill the width.
    tree = Tree(_text(label_parts(nodes.items[0], 0)))
    path = [tree]
    for depth, item in zip(nodes.depths[1:], nodes.items[1:], strict=True):
        node = path[depth - 1].add(_text(label_parts(item, depth)))
        del path[depth:]
        path.append(node)
    return tree


def print_span_tree(summary: Summary, spans: Sequence[SpanLine], console: Console) -> None:
    """Print the trace's tree on ``console``: plain lines where there is no colour (a pipe,
    a file), segments in a terminal, and a Rich ``Tree`` for a branch so deep that its
    guides fill the width, which only Tree itself draws. ``spans`` in tree order, as
    :meth:`TraceStore.get_trace_lines` reads them."""
    nodes = Nodes(summary, spans)
    if max(nodes.depths) * GUIDE_WIDTH >= console.options.max_width:
        console.print(_rich_tree(nodes))
    elif console.color_system is None and not console.is_jupyter:
        console.file.write("".join([line + "\n" for line in _plain_lines(nodes, console)]))
    else:
        console.print(SpanTree(nodes))
