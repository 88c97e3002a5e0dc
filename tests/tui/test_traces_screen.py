"""The traces screen, driven like a user does: keys, clicks, the filter bar, live mode."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from tests.recording import REPO_ROOT
from tests.tui.fixture_store import trace_id
from tests.tui.screen_text import screen_text
from tracekit.tui import TracekitApp
from tracekit.tui.screens.stats import StatsScreen
from tracekit.tui.screens.trace import TraceScreen
from tracekit.tui.screens.traces import TracesScreen

pytestmark = pytest.mark.anyio


def _table(app: TracekitApp) -> DataTable[object]:
    return app.screen.query_one("#traces", DataTable)


def _column(app: TracekitApp, key: str) -> list[str]:
    table = _table(app)
    return [
        str(table.get_cell_at((row, table.get_column_index(key)))) for row in range(table.row_count)
    ]


async def test_lists_every_trace_newest_first_with_the_columns_that_matter(
    make_app: Callable[..., TracekitApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TracesScreen)
        assert _column(app, "time") == [f"06-15 10:0{n}" for n in (5, 4, 3, 2, 1, 0)]
        assert _column(app, "status") == ["ok", "ok", "stopped", "ok", "error", "ok"]
        text = screen_text(app)
        for header in ("time", "workflow", "status", "duration", "steps", "tokens", "cost"):
            assert header in text
        assert "6 traces" in text and "$0.0105" in text and "planner, writer" in text


async def test_sort_by_key_by_header_click_and_reverse(
    make_app: Callable[..., TracekitApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("s", "s")  # time -> workflow -> status
        assert app.screen.sort_column == "status"  # type: ignore[attr-defined]
        assert _column(app, "status") == ["error", "ok", "ok", "ok", "ok", "stopped"]
        await pilot.press("r")
        assert _column(app, "status")[0] == "stopped"

        await pilot.click("#traces", offset=(60, 0))  # the "cost"/"tokens" header area
        await pilot.pause()
        screen = app.screen
        assert screen.sort_column in ("tokens", "cost", "steps", "duration")  # type: ignore[attr-defined]
        assert _column(app, "workflow")[-1] == "guarded-research"  # the cheapest run last


async def test_filter_bar_narrows_the_list_and_escape_clears_it(
    make_app: Callable[..., TracekitApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        await pilot.press(*"agent:writer status:error")
        await pilot.press("enter")
        await pilot.pause()
        assert _column(app, "status") == ["error"]
        assert "filter: agent:writer status:error" in screen_text(app)

        await pilot.press("escape")
        await pilot.pause()
        assert len(_column(app, "status")) == 6

        await pilot.press("slash", *"model:sonnet cost>0.005 duration>2s", "enter")
        await pilot.pause()
        assert _column(app, "workflow") == ["doc-pipeline"] * 4


async def test_a_bad_filter_is_explained_on_screen_and_changes_nothing(
    make_app: Callable[..., TracekitApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"cost>cheap", "enter")
        await pilot.pause()
        text = screen_text(app)
        assert "'cost>cheap': 'cheap' is not an amount of dollars" in text
        assert len(_column(app, "status")) == 6
        assert app.screen.query_text == ""  # type: ignore[attr-defined]

        await pilot.press("ctrl+a", "ctrl+k", *"agnet:planner", "enter")
        await pilot.pause()
        assert "unknown field 'agnet'" in screen_text(app)


async def test_enter_opens_the_trace_under_the_cursor_and_escape_comes_back(
    make_app: Callable[..., TracekitApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("j", "j", "k")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TraceScreen)
        assert app.screen.trace_id == trace_id(4)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TracesScreen)


async def test_number_keys_switch_between_traces_and_stats(
    make_app: Callable[..., TracekitApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("2")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, TracesScreen)


async def _open_over_the_list(pilot: Pilot[None], app: TracekitApp, screen: str) -> None:
    """From the list, open the screen named ``screen``: a trace, a diff, or the help."""
    if screen == "trace":
        await pilot.press("enter")
    elif screen == "diff":
        await pilot.press("m", "j", "m", "d")
    elif screen == "help over a trace":
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("question_mark")
    else:
        await pilot.press("question_mark")
    await pilot.pause()
    assert not isinstance(app.screen, TracesScreen)


@pytest.mark.parametrize("screen", ["trace", "diff", "help", "help over a trace"])
async def test_1_and_2_switch_to_the_list_and_the_stats_from_any_screen(
    make_app: Callable[..., TracekitApp], screen: str
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await _open_over_the_list(pilot, app, screen)
        await pilot.press("1")
        await pilot.pause()
        assert isinstance(app.screen, TracesScreen)
        assert len(app.screen_stack) == 1

        await _open_over_the_list(pilot, app, screen)
        await pilot.press("2")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        await pilot.press("1")  # back to the list, not to the screen left open before
        await pilot.pause()
        assert isinstance(app.screen, TracesScreen)
        assert len(app.screen_stack) == 1
        await pilot.press("enter")  # and the list still opens traces
        await pilot.pause()
        assert isinstance(app.screen, TraceScreen)


async def test_help_lists_the_keys_of_the_current_screen(
    make_app: Callable[..., TracekitApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        assert "Traces — help" in text
        for key in ("Filter", "Mark", "Diff", "Live", "agent:planner"):
            assert key in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TracesScreen)


async def test_usable_at_80_by_24(make_app: Callable[..., TracekitApp]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        for visible in ("workflow", "status", "duration", "cost", "$0.0105", "Filter", "Help"):
            assert visible in text


async def _wait_for(pilot: Pilot[object], condition: Callable[[], bool], timeout: float) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if condition():
            return True
        await pilot.pause(0.1)
    return condition()


def _record_in_other_process(store: Path) -> None:
    code = (
        "import sys; from pathlib import Path; from tests.recording import new_recorder;"
        "r = new_recorder(Path(sys.argv[1])); r.trace(workflow='recorded-meanwhile');"
        "r.provider.shutdown()"
    )
    subprocess.run([sys.executable, "-c", code, str(store)], cwd=REPO_ROOT, check=True, timeout=60)


async def test_live_mode_shows_a_run_another_process_records_meanwhile(
    make_app: Callable[..., TracekitApp], fixture_store: Path
) -> None:
    app = make_app(live=True, poll_s=0.2)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert "live ●" in screen_text(app)
        await asyncio.to_thread(_record_in_other_process, fixture_store)
        assert await _wait_for(pilot, lambda: _table(app).row_count == 7, timeout=20)
        assert _column(app, "workflow")[0] == "recorded-meanwhile"

        await pilot.press("L")  # live off: nothing else changes
        assert "live off" in screen_text(app)


async def test_live_mode_shows_a_run_another_process_records_and_folds_between_polls(
    make_app: Callable[..., TracekitApp], fixture_store: Path
) -> None:
    # The other process folds its run itself (its own read does), so no segment waits in
    # the spool when the screen polls next: the changed store file alone must tell it.
    app = make_app(live=True, poll_s=0.2)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.screen
        assert isinstance(screen, TracesScreen)
        assert await _wait_for(pilot, lambda: screen._files is not None, timeout=20)
        code = (
            "import sys; from pathlib import Path; from tests.recording import new_recorder;"
            "from tracekit.store import TraceStore;"
            "r = new_recorder(Path(sys.argv[1])); r.trace(workflow='folded-meanwhile');"
            "r.provider.shutdown(); TraceStore(sys.argv[1]).change_marker()"
        )
        await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-c", code, str(fixture_store)],
            cwd=REPO_ROOT,
            check=True,
            timeout=60,
        )
        assert await _wait_for(pilot, lambda: _table(app).row_count == 7, timeout=20)
        assert _column(app, "workflow")[0] == "folded-meanwhile"


async def test_marking_needs_two_traces_before_a_diff(
    make_app: Callable[..., TracekitApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, TracesScreen)
        await pilot.press("m")
        assert _column(app, "mark")[0] == "●"
        assert "marked 1/2" in screen_text(app)
