"""Tables written to a pipe as Rich writes them there, without loading Rich.

Output that is not a terminal (``tracekit traces | less``, a script, the bench) gets no
styles: Rich's console writes every segment as its bare text, and a table of short cells is
laid out as :class:`~tracekit.cli.stats_table.PlainTable` describes (column widths the widest
cell's, two spaces between columns, each cell padded to its column's width). Importing Rich's
console and table and drawing through them is ~30% of ``tracekit traces`` on a big store,
for text that a few string joins make. :func:`writes_plain_text` says when Rich would write
no styles, with the test Rich's ``Console.is_terminal`` makes; :class:`PipedTable` lays the
table out; anything else (a terminal, forced colours, a table too wide for the pipe's
width, which Rich would wrap) is left to Rich. Tests compare both byte for byte.

Cells are text already made inert (:func:`tracekit.display.inert`): nothing from a trace is
written here that has not been through it.
"""

from __future__ import annotations

import builtins
import sys
from collections.abc import Sequence

from tracekit import settings

__all__ = ["CONSOLE_PIPE_WIDTH", "PIPE_WIDTH", "PipedTable", "writes_plain_text"]

#: The console width the CLI gives Rich when stdout is not a terminal.
PIPE_WIDTH = 160
#: The width :func:`tracekit.cli.output_formats.console` (``stats``, ``sql``, ...) gives Rich
#: when stdout is not a terminal.
CONSOLE_PIPE_WIDTH = 200


def writes_plain_text() -> bool:
    """Whether Rich's console on stdout would write plain text (stdout is not a terminal and
    no variable forces one), so :class:`PipedTable` may write it instead."""
    if hasattr(builtins, "get_ipython") or "idlelib" in sys.modules:
        return False  # Jupyter and IDLE get Rich's own handling
    if settings.terminal_forced() is not None:
        return False  # Rich decides without looking at stdout: leave it to Rich
    try:
        return not sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _cell_width(text: str) -> int:
    if text.isascii():
        return len(text)
    from rich.cells import cell_len  # wide and combining characters, as Rich counts them

    return cell_len(text)


class PipedTable:
    """Columns (a header and whether it is right-justified) and rows of plain cells, written
    as Rich writes a ``box=None, pad_edge=False`` table to a pipe."""

    def __init__(self, columns: Sequence[tuple[str, bool]]) -> None:
        self.columns = list(columns)
        self.rows: list[tuple[str, ...]] = []
        self._widths = [_cell_width(header) for header, _ in self.columns]

    def add_row(self, *cells: str) -> None:
        """One row: a cell per column."""
        widths = self._widths
        for index, cell in enumerate(cells):
            width = _cell_width(cell)
            if width > widths[index]:
                widths[index] = width
        self.rows.append(cells)

    @property
    def width(self) -> int:
        """The table's width in cells: the columns and two spaces between each two."""
        return sum(self._widths) + 2 * (len(self._widths) - 1)

    def fits(self, width: int = PIPE_WIDTH) -> bool:
        """Whether Rich would draw the table in ``width`` cells as it is (nothing wrapped)."""
        return self.width <= width

    def text(self) -> str:
        """The header and every row, each line ending in a newline."""
        right = [justify for _, justify in self.columns]
        lines = [self._line([header for header, _ in self.columns], right)]
        lines.extend(self._line(cells, right) for cells in self.rows)
        return "".join(lines)

    def _line(self, cells: Sequence[str], right: Sequence[bool]) -> str:
        padded = []
        for cell, width, to_right in zip(cells, self._widths, right, strict=True):
            excess = width - _cell_width(cell)
            padded.append(" " * excess + cell if to_right else cell + " " * excess)
        return "  ".join(padded) + "\n"
