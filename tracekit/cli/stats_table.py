"""The stats tables drawn as Rich draws them, without Rich's per-cell layout machinery.

``tracekit stats`` prints a table of a few hundred rows of 17 cells. Rich's ``Table`` measures
every cell, wraps it in padding and renders it line by line: ~100 ms of CPU for 105 rows, half
the command. :class:`PlainTable` lays the same table out once: column widths are the widest
cell's, cells are padded and justified as Rich does for a table with ``box=None``,
``pad_edge=False``, one space of padding and a bold header, and the segments (styles
included) are the ones Rich's ``Table`` yields, so the output is the same byte for byte, in a
terminal and in a pipe (a test compares them). A table wider than the console, or a title
wider than the table, would be wrapped or cropped by Rich: :meth:`PlainTable.fits` says so and
the caller draws those with Rich's ``Table``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["PlainTable"]


class PlainTable:
    """Columns (a header, whether it is right-justified, whether Rich may wrap it), rows of
    Rich ``Text`` cells, and an optional title: a Rich renderable."""

    def __init__(
        self, columns: Sequence[tuple[str, bool, bool]], *, title: str | None = None
    ) -> None:
        self.columns = list(columns)
        self.title = title
        self.rows: list[Sequence[Text]] = []
        self._widths = [len(header) for header, _, _ in self.columns]

    def add_row(self, *cells: Text) -> None:
        """One row: a cell per column."""
        widths = self._widths
        for index, cell in enumerate(cells):
            width = cell.cell_len
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

    def rich_table(self) -> Table:
        """The same table as Rich's ``Table`` (for a console too narrow for it, and tests)."""
        from rich.table import Table  # only where it is drawn: ~15 ms of start-up

        table = Table(title=self.title, box=None, header_style="bold", pad_edge=False)
        for header, right, wraps in self.columns:
            table.add_column(header, justify="right" if right else "left", no_wrap=not wraps)
        for cells in self.rows:
            table.add_row(*cells)
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        if self.title is not None:
            title = Text(self.title, style=console.get_style("table.title"), justify="center")
            yield from console.render(title, options.update(width=self.width, highlight=False))
        header_style = console.get_style("bold")
        yield from self._line([Text(header) for header, _, _ in self.columns], header_style, console)
        plain = Style.null()
        for cells in self.rows:
            yield from self._line(cells, plain, console)

    def _line(self, cells: Iterable[Text], style: Style, console: Console) -> Iterator[Segment]:
        last = len(self.columns) - 1
        pad = Segment(" ", style)
        for index, (cell, width, (_, right, _)) in enumerate(
            zip(cells, self._widths, self.columns, strict=True)
        ):
            if index:
                yield pad
            text = cell.copy()
            excess = width - text.cell_len
            if excess:
                if right:
                    text.pad_left(excess)
                else:
                    text.pad_right(excess)
            if text.spans:
                for segment in text.render(console, end=""):
                    own = segment.style
                    yield Segment(segment.text, style + own if own else style)
            else:
                # Text.render leaves a text without spans unstyled; Rich's table renders each
                # cell through Text.join, which makes the text's style a span: it is kept.
                own = console.get_style(text.style) if text.style else None
                yield Segment(text.plain, style + own if own else style)
            if index < last:
                yield pad
        yield Segment.line()
