"""The stats tables drawn as Rich draws them, without Rich's per-cell layout machinery.

``tracekit stats`` prints a table of hundreds (``--every``: thousands) of rows of 17 cells.
Rich's ``Table`` measures every cell, wraps it in padding and renders it line by line: ~100 ms
of CPU for 105 rows, 6 s for 6,250 hourly rows. :class:`PlainTable` lays the same table out
once: column widths are the widest cell's, cells are padded and justified as Rich does for a
table with ``box=None``, ``pad_edge=False``, one space of padding and a bold header, and the
styled segments are the ones Rich's ``Table`` yields (unstyled text is joined: it is written
as it is either way), so the output is the same byte for byte, in a terminal and in a pipe (a
test compares them). A table wider than the console, or a title wider than the table, would
be wrapped or cropped by Rich: :meth:`PlainTable.fits` says so and the caller draws those with
Rich's ``Table`` (:meth:`PlainTable.rich_table`).

A cell is our own text and a style name (``("1,234", "red")``), or Rich ``Text`` (what
:func:`tracekit.display.literal` makes of text from traces).

Where Rich would write no styles (a pipe), a table of plain cells is the same text without
Rich at all (:meth:`PlainTable.plain_text`): importing Rich's console is ~30% of a piped
``tracekit stats``; Rich is imported here only where it draws.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions
    from rich.segment import Segment
    from rich.table import Table
    from rich.text import Text

__all__ = ["Cell", "PlainTable"]

#: One cell: our own text with a style name ("" for none), or Rich Text.
Cell = Union[tuple[str, str], "Text"]


def cell_len(text: str) -> int:
    """``text``'s width in terminal cells, as Rich counts them (Rich's own count, loaded only
    for text that is not ASCII)."""
    if text.isascii():
        return len(text)
    from rich.cells import cell_len as rich_cell_len

    return rich_cell_len(text)


class PlainTable:
    """Columns (a header, whether it is right-justified, whether Rich may wrap it), rows of
    cells, and an optional title: a Rich renderable."""

    def __init__(
        self, columns: Sequence[tuple[str, bool, bool]], *, title: str | None = None
    ) -> None:
        self.columns = list(columns)
        self.title = title
        self.rows: list[Sequence[Cell]] = []
        self._widths = [len(header) for header, _, _ in self.columns]

    def add_row(self, *cells: Cell) -> None:
        """One row: a cell per column."""
        widths = self._widths
        for index, cell in enumerate(cells):
            width = cell_len(cell[0]) if isinstance(cell, tuple) else cell.cell_len
            if width > widths[index]:
                widths[index] = width
        self.rows.append(cells)

    @property
    def row_count(self) -> int:
        """How many rows (not counting the header)."""
        return len(self.rows)

    @property
    def width(self) -> int:
        """The table's width in cells: the columns and a space each side between them."""
        return sum(self._widths) + 2 * (len(self._widths) - 1)

    def fits(self, width: int) -> bool:
        """Whether Rich would draw this table in ``width`` cells as it is (neither a column
        nor the title wrapped or cropped)."""
        return self.width <= width and (self.title is None or len(self.title) <= self.width)

    def plain_text(self) -> str | None:
        """The table as a console that writes no styles (a pipe) writes it, as text; None
        when a cell is Rich ``Text`` (drawn by Rich then). Only for a table that
        :meth:`fits` the console."""
        lines: list[str] = []
        if self.title is not None:
            # Rich centres the title in the table's width, padded on both sides.
            excess = self.width - cell_len(self.title)
            lines.append(" " * (excess // 2) + self.title + " " * (excess - excess // 2) + "\n")
        columns = [
            (width, right) for width, (_, right, _) in zip(self._widths, self.columns, strict=True)
        ]
        headers = [(header, "") for header, _, _ in self.columns]
        for cells in (headers, *self.rows):
            parts: list[str] = []
            for (width, right), cell in zip(columns, cells, strict=True):
                if not isinstance(cell, tuple):
                    return None
                text = cell[0]
                excess = width - cell_len(text)
                parts.append(" " * excess + text if right else text + " " * excess)
            lines.append("  ".join(parts) + "\n")
        return "".join(lines)

    def rich_table(self) -> Table:
        """The same table as Rich's ``Table`` (for a console too narrow for it, and tests)."""
        from rich.table import Table  # only where it is drawn: ~15 ms of start-up
        from rich.text import Text

        table = Table(title=self.title, box=None, header_style="bold", pad_edge=False)
        for header, right, wraps in self.columns:
            table.add_column(header, justify="right" if right else "left", no_wrap=not wraps)
        for cells in self.rows:
            table.add_row(*(Text(*cell) if isinstance(cell, tuple) else cell for cell in cells))
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        from rich.segment import Segment
        from rich.text import Text

        if self.title is not None:
            title = Text(self.title, style=console.get_style("table.title"), justify="center")
            yield from console.render(title, options.update(width=self.width, highlight=False))
        bold = console.get_style("bold")
        pad = Segment(" ", bold)
        last = len(self.columns) - 1
        # The header: every part bold, each its own segment, as Rich's Table yields them.
        for index, ((header, right, _), width) in enumerate(
            zip(self.columns, self._widths, strict=True)
        ):
            if index:
                yield pad
            yield Segment(header.rjust(width) if right else header.ljust(width), bold)
            if index < last:
                yield pad
        yield Segment.line()
        yield from self._body(console)

    def _body(self, console: Console) -> Iterator[Segment]:
        from rich.segment import Segment
        from rich.style import Style

        # Unstyled text is written as it is, so it is joined: one segment per line, a styled
        # cell apart. Without a colour system every style is written as plain text too.
        colour = console.color_system is not None
        styles: dict[str, Style] = {}
        columns = [
            (width, right) for width, (_, right, _) in zip(self._widths, self.columns, strict=True)
        ]
        for cells in self.rows:
            pending: list[str] = []
            for index, ((width, right), cell) in enumerate(zip(columns, cells, strict=True)):
                if index:
                    pending.append("  ")  # the cells' padding: one space each side
                if isinstance(cell, tuple):
                    text, style_name = cell
                    excess = width - cell_len(text)
                    text = " " * excess + text if right else text + " " * excess
                    if style_name and colour:
                        style = styles.get(style_name)
                        if style is None:
                            style = styles[style_name] = console.get_style(style_name)
                        if style:
                            if pending:
                                yield Segment("".join(pending))
                                pending = []
                            yield Segment(text, style)
                            continue
                    pending.append(text)
                else:
                    for segment in _rich_cell(cell, width, right, console):
                        if segment.style and colour:
                            if pending:
                                yield Segment("".join(pending))
                                pending = []
                            yield segment
                        else:
                            pending.append(segment.text)
            pending.append("\n")
            yield Segment("".join(pending))


def _rich_cell(cell: Text, width: int, right: bool, console: Console) -> Iterator[Segment]:
    """``cell`` justified to ``width``, as the segments Rich's Table renders of it."""
    from rich.segment import Segment

    text = cell.copy()
    excess = width - text.cell_len
    if excess:
        if right:
            text.pad_left(excess)
        else:
            text.pad_right(excess)
    if text.spans:
        yield from text.render(console, end="")
    else:
        # Text.render leaves a text without spans unstyled; Rich's Table renders each cell
        # through Text.join, which makes the text's style a span: it is kept.
        yield Segment(text.plain, console.get_style(text.style) if text.style else None)
