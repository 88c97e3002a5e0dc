"""The trace, stats and diff screens, and untrusted text, driven through the real app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from tests.recording import run_cli
from tests.tui.fixture_store import build_fixture_store
from tests.tui.screen_text import screen_text
from tracekit.tui import TracekitApp
from tracekit.tui.screens.diff import DiffScreen
from tracekit.tui.screens.stats import StatsScreen
from tracekit.tui.screens.trace import TraceScreen
from tracekit.tui.screens.traces import TracesScreen
from tracekit.tui.widgets.waterfall import SpanWaterfall

pytestmark = pytest.mark.anyio

# Rows of the traces table, newest first: run 5 is row 0, run 0 is row 5.
ROW_OF_RUN = {run: 5 - run for run in range(6)}


async def _open_run(pilot: object, app: TracekitApp, run: int) -> SpanWaterfall:
    for _ in range(ROW_OF_RUN[run]):
        await pilot.press("j")  # type: ignore[attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    assert isinstance(app.screen, TraceScreen)
    return app.screen.query_one(SpanWaterfall)


async def test_trace_screen_shows_the_span_tree_and_the_conversation_of_a_model_call(
    make_app: Callable[..., TracekitApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        waterfall = await _open_run(pilot, app, 0)
        names = [span.name for span in waterfall.visible_spans]
        assert names[:3] == [
            "invoke_workflow doc-pipeline",
            "invoke_agent planner",
            "chat claude-haiku-4-5",
        ]
        await pilot.press("j", "j", "j", "j")  # the planner's second model call
        await pilot.pause()
        text = screen_text(app)
        for shown in ("── system", "You are the planner.", "── user", "Summarise the Q2 report."):
            assert shown in text
        assert "→ tool call search" in text and "← tool result" in text
        assert '"hits": 3' in text and "120 in / 30 out" in text and "$0.0021" in text

        await pilot.press("k")  # the tool call: arguments and result as JSON
        await pilot.pause()
        text = screen_text(app)
        assert "Tool arguments" in text and '"q": "revenue"' in text
        assert "Tool result" in text and '"top": "Revenue rose 12%"' in text


async def test_fold_and_unfold_an_agent(make_app: Callable[..., TracekitApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        waterfall = await _open_run(pilot, app, 0)
        assert len(waterfall.visible_spans) == 7
        await pilot.press("j", "space")  # fold the planner
        assert len(waterfall.visible_spans) == 4
        assert "▸" in screen_text(app)
        await pilot.press("enter")  # unfold again
        assert len(waterfall.visible_spans) == 7
        await pilot.press("left")  # fold with ←, then ← again goes to the parent
        await pilot.press("left")
        assert waterfall.current is not None and waterfall.current.depth == 0
        await pilot.press("C")
        assert len(waterfall.visible_spans) == 3
        await pilot.press("E")
        assert len(waterfall.visible_spans) == 7


async def test_clicking_rows_selects_and_clicking_again_folds(
    make_app: Callable[..., TracekitApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        waterfall = await _open_run(pilot, app, 0)
        await pilot.click(SpanWaterfall, offset=(20, 1))
        assert waterfall.current is not None and waterfall.current.name == "invoke_agent planner"
        await pilot.click(SpanWaterfall, offset=(20, 1))
        assert len(waterfall.visible_spans) == 4


async def test_errors_and_guardrail_events_stand_out(
    make_app: Callable[..., TracekitApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        waterfall = await _open_run(pilot, app, 1)
        await pilot.press("n")  # next problem: the failed writer chat, past the agent
        await pilot.pause()
        assert waterfall.current is not None
        assert waterfall.current.status_code == "ERROR"
        text = screen_text(app)
        assert "✗" in text
        assert "Error" in text and "ModelError: model failed" in text

        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("g")
        waterfall = await _open_run(pilot, app, 3)  # the stopped run
        text = screen_text(app)
        assert "stopped (limit:max_steps)" in text and "⚠" in text
        assert "⚠ tracekit.limit.exceeded" in text  # root span selected: its events


async def test_stats_screen_groups_by_agent_model_and_workflow_with_charts(
    make_app: Callable[..., TracekitApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        table = app.screen.query_one("#stats", DataTable)
        keys = [str(table.get_cell_at((row, 0))) for row in range(table.row_count)]
        assert keys == ["planner", "writer", "billing", "researcher", "router"]
        assert str(table.get_cell_at((1, 3))) == "25.0%"  # the writer failed once in four
        text = screen_text(app)
        assert "p95 latency (ms)" in text and "tokens" in text and "cost ($)" in text

        await pilot.press("m")
        await pilot.pause()
        keys = [str(table.get_cell_at((row, 0))) for row in range(table.row_count)]
        assert keys == ["claude-haiku-4-5", "claude-sonnet-4-5"]
        await pilot.press("w")
        await pilot.pause()
        keys = [str(table.get_cell_at((row, 0))) for row in range(table.row_count)]
        assert keys == ["doc-pipeline", "guarded-research", "support-router"]


async def test_diff_of_two_marked_runs_highlights_the_first_divergence(
    make_app: Callable[..., TracekitApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("m")  # run 5 (searched "profit"), cursor moves down
        for _ in range(4):
            await pilot.press("j")
        await pilot.press("m", "d")  # run 0 (searched "revenue")
        await pilot.pause()
        assert isinstance(app.screen, DiffScreen)
        screen = app.screen
        assert screen.first_divergence == 2
        assert [pair.status for pair in screen.aligned] == [
            "same",
            "same",
            "changed",
            "changed",
            "same",
            "same",
        ]
        steps = screen.query_one("#steps", DataTable)
        assert steps.cursor_row == 2
        text = screen_text(app)
        assert "First divergence at step 3: tool call search 0 of agent planner" in text
        assert "arguments.q" in text and "A: profit" in text and "B: revenue" in text

        await pilot.press("n")
        assert steps.cursor_row == 3
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TracesScreen)


async def test_text_from_traces_is_shown_literally_never_as_markup_or_escapes(
    tmp_path: Path, make_app: Callable[..., TracekitApp]
) -> None:
    store = build_fixture_store(tmp_path / "hostile.duckdb", hostile_names=True)
    app = make_app(store)
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "[bold red]evil[/]\\x" in text  # workflow name in the table (truncated)
        assert "[blink]agent[/]" in text
        assert "\x1b" not in text

        await pilot.press("j")  # run 5, then run 4 whose answer is hostile
        waterfall = await _open_run(pilot, app, 4)
        await pilot.press("end")  # the writer's model call
        await pilot.pause()
        assert waterfall.current is not None and waterfall.current.name.startswith("chat")
        text = screen_text(app)
        assert "[bold red]x[/] then \\x1b[2J cleared?" in text
        assert "\x1b" not in text
        body = app.screen.query_one("#detail-body", Static)
        assert "\x1b" not in str(body.render())


def test_ui_on_a_missing_store_is_one_clear_line(tmp_path: Path) -> None:
    result = run_cli("ui", "--store", str(tmp_path / "nope.duckdb"))
    assert result.returncode == 3
    assert result.stderr.strip().count("\n") == 0
    assert "no store at" in result.stderr and "Traceback" not in result.stderr


def test_ui_help_names_its_options() -> None:
    result = run_cli("ui", "--help")
    assert result.returncode == 0
    assert "--live" in result.stdout and "--no-live" in result.stdout and "--store" in result.stdout
