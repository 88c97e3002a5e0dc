"""The TUI's analytics: the stats screen's period selector, anomaly marks and Anomalies tab,
the traces screen's session view, and search matches marked in the span details."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from rich.text import Text
from textual.widgets import DataTable, Static

from tests.store.anomaly_data import MONDAY
from tests.tui.analytics_stores import session_store, spiked_store
from tests.tui.screen_text import screen_text
from tracekit.store import TraceStore
from tracekit.tui import TracekitApp
from tracekit.tui.conversation import MATCH_STYLE
from tracekit.tui.screens.stats import ANOMALY_MARK, StatsScreen
from tracekit.tui.screens.trace import TraceScreen
from tracekit.tui.screens.traces import TracesScreen

pytestmark = pytest.mark.anyio


@pytest.fixture
def at_monday() -> Iterator[None]:
    with time_machine.travel(MONDAY / 1e9, tick=True):
        yield


def _keys(table: DataTable[Text]) -> list[str]:
    return [str(table.get_cell_at((row, 0))) for row in range(table.row_count)]


async def test_stats_marks_the_anomalous_agent_and_lists_the_flags(
    tmp_path: Path, at_monday: None
) -> None:
    spiked = spiked_store(tmp_path / "spiked.duckdb")
    app = TracekitApp(TraceStore(tmp_path / "spiked.duckdb"), live=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        table = app.screen.query_one("#stats", DataTable)
        assert _keys(table) == ["planner", f"{ANOMALY_MARK}writer"]
        assert "anomalies (n)" in screen_text(app)

        await pilot.press("n")
        await pilot.pause()
        flags = app.screen.query_one("#anomalies", DataTable)
        rows = [[str(cell) for cell in flags.get_row_at(row)] for row in range(flags.row_count)]
        assert ["agent", "writer", "tokens_per_call"] in [row[:3] for row in rows]
        assert all(row[1] != "planner" for row in rows)

        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TraceScreen)
        assert app.screen.trace_id in spiked


async def test_the_period_selector_narrows_the_figures(tmp_path: Path, at_monday: None) -> None:
    spiked_store(tmp_path / "spiked.duckdb")
    app = TracekitApp(TraceStore(tmp_path / "spiked.duckdb"), live=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        table = screen.query_one("#stats", DataTable)
        assert str(table.get_cell_at((0, 1))) == "768"  # 8 days of 4 runs an hour
        assert "the whole store" in str(screen.query_one("#period", Static).render())

        await pilot.press("p")
        await pilot.pause()
        assert "the last 24h" in str(screen.query_one("#period", Static).render())
        assert str(table.get_cell_at((0, 1))) == "96"
        await pilot.press("p", "p")
        await pilot.pause()
        assert "the last 30d" in str(screen.query_one("#period", Static).render())
        assert str(table.get_cell_at((0, 1))) == "768"
        await pilot.press("w")
        await pilot.pause()
        assert sorted(_keys(table)) == [f"{ANOMALY_MARK}billing", f"{ANOMALY_MARK}support"]


async def test_the_traces_screen_groups_runs_by_session(tmp_path: Path) -> None:
    ids = session_store(tmp_path / "sessions.duckdb")
    app = TracekitApp(TraceStore(tmp_path / "sessions.duckdb"), live=False)
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TracesScreen)
        await pilot.press("S")
        await pilot.pause()
        sessions = app.screen.query_one("#sessions", DataTable)
        assert _keys(sessions) == ["carol-3", "bob-7", "alice-1"]
        assert str(sessions.get_cell_at((2, 1))) == "3"  # alice's runs
        assert "3 sessions" in screen_text(app)

        await pilot.press("j", "j", "enter")
        await pilot.pause()
        traces = app.screen.query_one("#traces", DataTable)
        assert {row.value for row in traces.rows} == set(ids["alice-1"])
        assert app.screen.query_text == 'session="alice-1"'
        await pilot.press("S")  # and back again
        await pilot.pause()
        assert _keys(sessions) == ["alice-1"]


async def test_search_matches_are_marked_in_the_conversation(tmp_path: Path) -> None:
    ids = session_store(tmp_path / "sessions.duckdb")
    app = TracekitApp(TraceStore(tmp_path / "sessions.duckdb"), live=False)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        await pilot.press(*"text:REFUND", "enter")
        await pilot.pause()
        traces = app.screen.query_one("#traces", DataTable)
        assert {row.value for row in traces.rows} == set(ids["alice-1"][:2])
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TraceScreen)
        await pilot.press("j")  # the chat span
        await pilot.pause()
        await pilot.pause()
        body = app.screen.query_one("#detail-body", Static).content
        marked = [
            text.plain[span.start : span.end]
            for text in _texts(body)
            for span in text.spans
            if str(span.style) == MATCH_STYLE
        ]
        assert marked and {word.lower() for word in marked} == {"refund"}


def _texts(renderable: object) -> list[Text]:
    if isinstance(renderable, Text):
        return [renderable]
    found: list[Text] = []
    for child in getattr(renderable, "renderables", []):
        found += _texts(child)
    return found
