"""The experiments screen (``3``) and one experiment's cases, driven through the real app on a
store holding the fixed runs and three eval experiments."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rich.text import Text
from textual import on
from textual.app import App
from textual.widgets import DataTable, Static

from tests.tui.fixture_experiments import (
    BASELINE,
    CANDIDATE,
    HOSTILE_REASON,
    PARTIAL,
    add_experiments,
)
from tests.tui.fixture_store import trace_id
from tests.tui.screen_text import screen_text
from tracekit.store import TraceStore
from tracekit.tui import TracekitApp
from tracekit.tui.messages import OpenExperiment
from tracekit.tui.screens.diff import DiffScreen
from tracekit.tui.screens.experiment import ExperimentScreen
from tracekit.tui.screens.experiments import ExperimentsScreen
from tracekit.tui.screens.trace import TraceScreen

pytestmark = pytest.mark.anyio


@pytest.fixture
def experiments_store(fixture_store: Path) -> Path:
    return add_experiments(fixture_store)


def _rows(app: App[object], table_id: str) -> list[str]:
    table = app.screen.query_one(table_id, DataTable)
    return [str(key.value) for key in table.rows]


def _column(app: App[object], table_id: str, column: str) -> list[str]:
    table = app.screen.query_one(table_id, DataTable)
    return [str(table.get_cell(row, column)) for row in table.rows]


async def test_three_lists_the_experiments_newest_first_with_their_figures(
    make_app: Callable[..., TracekitApp], experiments_store: Path
) -> None:
    app = make_app(experiments_store)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        assert isinstance(app.screen, ExperimentsScreen)
        assert _rows(app, "#experiments") == [PARTIAL, CANDIDATE, BASELINE]
        assert _column(app, "#experiments", "suite") == [
            "support-router",
            "doc-pipeline",
            "doc-pipeline",
        ]
        assert _column(app, "#experiments", "success") == ["100%", "67%", "100%"]
        assert _column(app, "#experiments", "partial") == ["partial", "", ""]
        assert _column(app, "#experiments", "cost") == ["$0.0060", "$0.0033", "$0.0037"]
        text = screen_text(app)
        assert "writer=claude-haiku-4-5" in text
        assert "mean cost per run ($) vs success rate (%)" in text  # the chart

        await pilot.press("s")  # by suite (A to Z), newest first within one
        await pilot.pause()
        assert _rows(app, "#experiments") == [CANDIDATE, BASELINE, PARTIAL]
        await pilot.press("s")  # by success rate, largest first
        await pilot.pause()
        assert _rows(app, "#experiments")[-1] == CANDIDATE

        await pilot.press("slash", *"support", "enter")
        await pilot.pause()
        assert _rows(app, "#experiments") == [PARTIAL]
        await pilot.press("escape")
        await pilot.pause()
        assert len(_rows(app, "#experiments")) == 3

        await pilot.press("1")  # and back to the traces
        await pilot.pause()
        assert not isinstance(app.screen, ExperimentsScreen)


async def test_an_experiment_shows_its_cases_with_deltas_against_its_baseline(
    make_app: Callable[..., TracekitApp], experiments_store: Path
) -> None:
    app = make_app(experiments_store)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("3", "j", "enter")  # the candidate
        await pilot.pause()
        assert isinstance(app.screen, ExperimentScreen)
        assert _rows(app, "#cases") == ["quarterly-report#0", "writer-error#0", "support-case#0"]
        assert _column(app, "#cases", "verdict") == ["cheaper", "regressed", "same"]
        assert _column(app, "#cases", "outcome") == ["pass", "fail (error)", "pass"]
        assert _column(app, "#cases", "d_cost") == ["-25%", "+0%", "+0%"]
        assert _column(app, "#cases", "d_steps") == ["+0", "-2", "+0"]
        assert _column(app, "#cases", "turns") == ["1", "2", "0"]
        summary = str(app.screen.query_one("#experiment-summary", Static).render())
        assert "success 67% (baseline 100%)" in summary and "1 regressed" in summary
        assert f"against {BASELINE}" in summary
        # Untrusted text from the run is shown as it is, never as markup or escapes.
        why = _column(app, "#cases", "why")[1]
        assert why.startswith(HOSTILE_REASON.split(" then")[0]) and "\x1b" not in why

        await pilot.press("s")  # by verdict: the regression first
        await pilot.pause()
        assert _rows(app, "#cases")[0] == "writer-error#0"

        await pilot.press("slash", *"cost<0.004 outcome:pass", "enter")
        await pilot.pause()
        assert _rows(app, "#cases") == ["quarterly-report#0", "support-case#0"]
        await pilot.press("slash", *"colour:red", "enter")  # a bad filter: said, kept as is
        await pilot.pause()
        error = str(app.screen.query_one("#cases-filter-error", Static).render())
        assert "no field 'colour'" in error
        assert len(_rows(app, "#cases")) == 2
        await pilot.press("escape")  # clears the filter
        await pilot.pause()
        assert len(_rows(app, "#cases")) == 3
        await pilot.press("escape")  # back to the list
        await pilot.pause()
        assert isinstance(app.screen, ExperimentsScreen)


async def test_enter_opens_a_cases_trace_and_d_its_diff_against_the_baseline(
    make_app: Callable[..., TracekitApp], experiments_store: Path
) -> None:
    app = make_app(experiments_store)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("3", "j", "enter")
        await pilot.pause()
        await pilot.press("enter")  # quarterly-report: run 5
        await pilot.pause()
        assert isinstance(app.screen, TraceScreen)
        assert trace_id(5)[:12] in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ExperimentScreen)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DiffScreen)
        assert (app.screen.trace_a, app.screen.trace_b) == (trace_id(0), trace_id(5))


async def test_c_compares_two_marked_experiments_the_older_as_baseline(
    make_app: Callable[..., TracekitApp], experiments_store: Path
) -> None:
    app = make_app(experiments_store)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("3", "c")  # nothing marked: says what to do
        await pilot.pause()
        assert isinstance(app.screen, ExperimentsScreen)
        await pilot.press("j", "space", "space", "c")  # marks the candidate, then the baseline
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExperimentScreen)
        assert (screen.experiment_id, screen.baseline_id) == (CANDIDATE, BASELINE)
        # Worked out here, not read from the store: the same verdicts as `eval` stored.
        assert _column(app, "#cases", "verdict") == ["cheaper", "regressed", "same"]

        # Back on the list (the cursor on the baseline): unmark it, mark the partial one.
        await pilot.press("escape", "space", "k", "k", "space", "c")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExperimentScreen)  # the partial one against the candidate
        assert (screen.experiment_id, screen.baseline_id) == (PARTIAL, CANDIDATE)
        assert _column(app, "#cases", "verdict") == ["new"]  # no such case in the baseline


class _Host(App[None]):
    """Another app than tracekit's: it shows the experiments and notes what it is asked."""

    def __init__(self, store: TraceStore) -> None:
        super().__init__()
        self.screen_store = store
        self.asked: list[tuple[str, str | None]] = []

    def on_mount(self) -> None:
        self.push_screen(ExperimentsScreen(self.screen_store))

    @on(OpenExperiment)
    def _open(self, message: OpenExperiment) -> None:
        self.asked.append((message.experiment_id, message.baseline_id))


async def test_the_experiments_screen_asks_for_screens_with_messages(
    experiments_store: Path,
) -> None:
    app = _Host(TraceStore(experiments_store))
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter", "j", "space", "space", "c")
        await pilot.pause()
        assert app.asked == [(PARTIAL, None), (CANDIDATE, BASELINE)]


async def test_an_empty_store_says_how_to_make_an_experiment(
    make_app: Callable[..., TracekitApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        assert "none yet: run `tracekit eval SUITE`" in screen_text(app)


def _status(app: App[object], widget_id: str) -> str:
    return str(app.screen.query_one(widget_id, Static).render())


async def test_s_cycles_the_sort_columns_r_reverses_and_a_header_click_sorts(
    make_app: Callable[..., TracekitApp], experiments_store: Path
) -> None:
    app = make_app(experiments_store)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        assert "sorted by time ↓" in _status(app, "#experiments-summary")
        newest_first = _column(app, "#experiments", "id")
        await pilot.press("s")  # suite: text sorts a to z
        await pilot.pause()
        assert "sorted by suite ↑" in _status(app, "#experiments-summary")
        await pilot.press("s", "s")  # success, then cost: figures sort largest first
        await pilot.pause()
        assert "sorted by cost ↓" in _status(app, "#experiments-summary")
        await pilot.press("s", "r")  # round to time again, then reversed: oldest first
        await pilot.pause()
        assert "sorted by time ↑" in _status(app, "#experiments-summary")
        assert _column(app, "#experiments", "id") == newest_first[::-1]

        await pilot.press("home", "j", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExperimentScreen)
        order = _rows(app, "#cases")
        screen.post_message(
            DataTable.HeaderSelected(
                screen.query_one("#cases", DataTable),
                screen.query_one("#cases", DataTable).ordered_columns[0].key,
                0,
                Text("case"),
            )
        )
        await pilot.pause()  # the current column again: the other way round
        assert "sorted by case ↓" in _status(app, "#cases-status")
        assert _rows(app, "#cases") == order[::-1]
