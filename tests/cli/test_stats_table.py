"""The stats tables are drawn exactly as Rich's ``Table`` draws them, styles included: in a
colour terminal, in a pipe, and, where the table is wider than the terminal, by Rich itself."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.text import Text

from tests.cli.test_stats_golden import build_stats_store
from tests.hostile import assert_inert
from tracekit.cli.stats_table import PlainTable
from tracekit.cli.stats_view import _print_table, failure_table, figures_table
from tracekit.store import FigureQuery, TraceStore
from tracekit.store.dimensions import FIGURE_DIMENSIONS

HOUR_NS = 3_600 * 10**9


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> TraceStore:
    return TraceStore(build_stats_store(tmp_path_factory.mktemp("stats-table") / "ops.duckdb"))


def _drawn(renderable: object, *, colour: bool, width: int = 200) -> str:
    out = io.StringIO()
    console = Console(
        file=out,
        width=width,
        highlight=False,
        force_terminal=colour,
        color_system="truecolor" if colour else None,
    )
    console.print(renderable)
    return out.getvalue()


@pytest.mark.parametrize("colour", [False, True])
@pytest.mark.parametrize("bucketed", [False, True])
@pytest.mark.parametrize("by", FIGURE_DIMENSIONS)
def test_tables_are_riches_byte_for_byte(
    store: TraceStore, by: str, bucketed: bool, colour: bool
) -> None:
    query = FigureQuery(by=by, every_ns=HOUR_NS if bucketed else None)  # type: ignore[arg-type]
    rows = store.figure_rows(query)
    for table in (
        figures_table(by, rows, bucketed=bucketed),
        failure_table(by, rows, bucketed=bucketed),
    ):
        assert table.fits(200)
        drawn = _drawn(table, colour=colour)
        assert drawn == _drawn(table.rich_table(), colour=colour)
        if not colour:
            assert_inert(drawn)
            # A pipe gets the same text without Rich (where every cell is plain text).
            plain = table.plain_text()
            assert plain is None or plain == drawn


def test_hostile_and_wide_cells_line_up_as_in_rich() -> None:
    table = PlainTable([("name", False, True), ("n", True, False)], title="t")
    table.add_row(Text("\u7d75\u6587\u5b57 wide"), Text("1", "red"))
    table.add_row(Text.assemble("a", ("\\x1b", "reverse"), "b"), Text("12,345"))
    table.add_row(Text(""), Text(""))
    table.add_row(("\u7d75 x", "yellow"), ("7", "red"))
    table.add_row(("plain", ""), ("—", ""))
    for colour in (False, True):
        assert _drawn(table, colour=colour) == _drawn(table.rich_table(), colour=colour)


@pytest.mark.parametrize("title", [None, "t", "top", "a title"])
def test_plain_cells_are_written_to_a_pipe_as_rich_writes_them(title: str | None) -> None:
    table = PlainTable([("name", False, True), ("n", True, False)], title=title)
    table.add_row(("\u7d75 x", "yellow"), ("7", "red"))
    table.add_row(("plain", ""), ("—", ""))
    table.add_row(("", ""), ("12,345", ""))

    assert (
        table.plain_text()
        == _drawn(table, colour=False)
        == _drawn(table.rich_table(), colour=False)
    )


def test_a_table_with_rich_text_is_left_to_rich() -> None:
    table = PlainTable([("name", False, True)])
    table.add_row(Text.assemble("a", ("\\x1b", "reverse"), "b"))

    assert table.plain_text() is None


def test_a_table_wider_than_the_terminal_is_drawn_by_rich(store: TraceStore) -> None:
    table = figures_table("agent", store.figure_rows(FigureQuery(by="agent")), bucketed=False)
    narrow = Console(file=io.StringIO(), width=80, highlight=False)

    assert not table.fits(80)
    _print_table(narrow, table)
    out = narrow.file.getvalue()  # type: ignore[attr-defined]
    assert out == _drawn(table.rich_table(), colour=False, width=80)
    assert max(len(line) for line in out.splitlines()) <= 80


def test_a_title_wider_than_its_table_does_not_fit() -> None:
    table = PlainTable([("a", False, True)], title="a long title")
    table.add_row(Text("x"))

    assert not table.fits(200)
