"""The experiments screen (``3``): every stored eval experiment, and a chart of cost against
success rate across them (textual-plotext).

Enter opens an experiment (:class:`~tracekit.tui.messages.OpenExperiment`); space marks
experiments and ``c`` compares the two marked ones, the older as the baseline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual_plotext import PlotextPlot

from tracekit.display import format_cost, format_time, inert, literal
from tracekit.exceptions import TracekitError
from tracekit.store import ExperimentRow, TraceStore
from tracekit.tui.messages import OpenExperiment
from tracekit.tui.screens.base import SortedTableScreen

#: Experiments read (newest first).
LIMIT = 200
#: (column key, header, right-aligned).
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("mark", " ", False),
    ("id", "experiment", False),
    ("time", "when", False),
    ("suite", "suite", False),
    ("candidate", "candidate", False),
    ("cases", "cases", True),
    ("runs", "runs", True),
    ("success", "success", True),
    ("cost", "mean cost", True),
    ("partial", "partial", False),
    ("baseline", "vs", False),
)
_MARK = "●"
_CANDIDATE_WIDTH = 32

#: Sort keys, in the order ``s`` cycles through them; numbers sort largest first.
_SORTS: dict[str, Callable[[ExperimentRow], Any]] = {
    "time": lambda e: (e.started_ns, e.experiment_id),
    "suite": lambda e: (e.suite, -e.started_ns),
    "success": lambda e: (e.success_rate is not None, e.success_rate or 0.0),
    "cost": lambda e: (e.mean_cost_usd is not None, e.mean_cost_usd or 0.0),
}
_DESCENDING_FIRST = frozenset({"time", "success", "cost"})


class ExperimentsScreen(SortedTableScreen):
    """A table of eval experiments and the cost-vs-success chart.

    Args:
        store: the store to read.
    """

    CSS_PATH = "experiments.tcss"  # also read at app start-up (see TracekitApp.CSS_PATH)
    HELP_TEXT = (
        "Stored eval experiments (`tracekit eval`), newest first: the suite, the candidate, "
        "when it ran, its cases, success rate and mean cost per run; `partial` marks one "
        "interrupted by Ctrl-C. Enter opens one. Space marks two, c compares them (the older "
        "is the baseline). Filter with free text (suite, candidate, id). The chart plots each "
        "experiment's mean cost against its success rate, one series per suite."
    )
    SORT_COLUMNS = tuple(_SORTS)
    DESCENDING_FIRST = _DESCENDING_FIRST
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", show=True),
        Binding("space", "mark", "Mark"),
        Binding("c", "compare", "Compare"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("s", "sort", "Sort"),
        Binding("r", "reverse", "Reverse", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("ctrl+r", "refresh", "Refresh", show=False),
        Binding("1", "app.switch_mode('traces')", "Traces"),
    ]

    def __init__(self, store: TraceStore) -> None:
        super().__init__(store, sort_column="time", descending=True)
        self.query_text = ""
        self.marked: list[str] = []
        self.experiments: list[ExperimentRow] = []
        self.shown: list[ExperimentRow] = []

    def compose(self) -> ComposeResult:
        """Header, filter bar, status line, the table, the chart, footer."""
        yield Header(show_clock=False, icon="◆")
        with Vertical(id="experiments-filter-bar", classes="hidden"):
            yield Input(placeholder="filter: suite, candidate or id text", id="experiments-filter")
        yield Static("", id="experiments-summary")
        table: DataTable[Text] = DataTable(id="experiments", cursor_type="row", zebra_stripes=True)
        for key, header, right in COLUMNS:
            table.add_column(Text(header, justify="right" if right else "left"), key=key)
        yield table
        yield PlotextPlot(id="experiments-chart")
        yield Footer()

    def on_mount(self) -> None:
        """Read the experiments."""
        self.sub_title = "experiments"
        self.load()
        self.query_one("#experiments", DataTable).focus()

    # --- loading ----------------------------------------------------------------------------

    def load(self) -> None:
        """Read the experiments again and show them."""
        try:
            self.experiments = self.store.list_experiments(limit=LIMIT)
        except TracekitError as error:
            self.experiments = []
            self.query_one("#experiments-summary", Static).update(literal(str(error), "bold red"))
            return
        known = {e.experiment_id for e in self.experiments}
        self.marked = [m for m in self.marked if m in known]
        self.fill()
        self.draw_chart()

    def fill(self) -> None:
        """Fill the table with the experiments the filter keeps, in the sort order."""
        table = self.query_one("#experiments", DataTable)
        current = self.current_id()
        needle = self.query_text.lower()
        kept = [
            e
            for e in self.experiments
            if not needle
            or any(needle in text.lower() for text in (e.suite, e.candidate, e.experiment_id))
        ]
        self.shown = sorted(kept, key=_SORTS[self.sort_column], reverse=self.descending)
        table.clear()
        for experiment in self.shown:
            table.add_row(*self._cells(experiment), key=experiment.experiment_id)
        if current is not None and current in table.rows:
            table.move_cursor(row=table.get_row_index(current))
        self._update_summary()

    def _cells(self, e: ExperimentRow) -> list[Text]:
        candidate = literal(e.candidate, "bold")
        candidate.truncate(_CANDIDATE_WIDTH, overflow="ellipsis")
        success = "—" if e.success_rate is None else f"{e.success_rate:.0%}"
        return [
            Text(_MARK if e.experiment_id in self.marked else " ", style="bold magenta"),
            literal(e.experiment_id, "dim"),
            literal(format_time(e.started_ns)),
            literal(e.suite, "cyan"),
            candidate,
            literal(e.cases, right=True),
            literal(e.runs, right=True),
            literal(success, right=True),
            literal(format_cost(e.mean_cost_usd), right=True),
            literal("partial" if e.partial else "", "bold magenta"),
            _baseline_cell(e.baseline),
        ]

    def _update_summary(self) -> None:
        arrow = "↓" if self.descending else "↑"
        parts = [f"{len(self.experiments):,} experiments", f"sorted by {self.sort_column} {arrow}"]
        if self.query_text:
            parts.append(f"filter: {self.query_text} ({len(self.shown)} shown)")
        if self.marked:
            parts.append(f"marked {len(self.marked)}/2")
        if not self.experiments:
            parts.append("none yet: run `tracekit eval SUITE` (or `tracekit demo`)")
        self.query_one("#experiments-summary", Static).update(literal(" · ".join(parts)))

    def draw_chart(self) -> None:
        """Mean cost (x) against success rate (y), one series per suite."""
        plot = self.query_one("#experiments-chart", PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        plt.title("mean cost per run ($) vs success rate (%)")
        by_suite: dict[str, list[ExperimentRow]] = {}
        for e in self.experiments:
            if e.mean_cost_usd is not None and e.success_rate is not None:
                by_suite.setdefault(e.suite, []).append(e)
        for suite, points in sorted(by_suite.items()):
            plt.scatter(
                [e.mean_cost_usd or 0.0 for e in points],
                [(e.success_rate or 0.0) * 100 for e in points],
                label=inert(suite)[:20],
                marker="●",
            )
        costs = [e.mean_cost_usd or 0.0 for points in by_suite.values() for e in points]
        if costs:  # from zero, so a cheaper candidate reads as cheaper at a glance
            plt.xlim(0, max(costs) * 1.15)
        plt.ylim(0, 105)
        plot.refresh()

    def current_id(self) -> str | None:
        """The experiment under the cursor."""
        table = self.query_one("#experiments", DataTable)
        if table.row_count == 0:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    # --- events and actions -----------------------------------------------------------------

    @on(DataTable.RowSelected, "#experiments")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    @on(Input.Submitted, "#experiments-filter")
    def _apply_filter(self, event: Input.Submitted) -> None:
        self.query_text = event.value.strip()
        self.fill()
        self.query_one("#experiments", DataTable).focus()
        if not self.query_text:
            self.query_one("#experiments-filter-bar").add_class("hidden")

    def action_open(self) -> None:
        """Open the experiment under the cursor."""
        experiment_id = self.current_id()
        if experiment_id is not None:
            self.post_message(OpenExperiment(experiment_id))

    def action_mark(self) -> None:
        """Mark (or unmark) the experiment under the cursor; two at most."""
        experiment_id = self.current_id()
        if experiment_id is None:
            return
        if experiment_id in self.marked:
            self.marked.remove(experiment_id)
        else:
            self.marked = [*self.marked, experiment_id][-2:]
        table = self.query_one("#experiments", DataTable)
        for key in table.rows:
            mark = _MARK if key.value in self.marked else " "
            table.update_cell(key, "mark", Text(mark, style="bold magenta"))
        self._update_summary()
        table.action_cursor_down()

    def action_compare(self) -> None:
        """Compare the two marked experiments: the newer against the older."""
        if len(self.marked) != 2:
            self.notify("Mark two experiments with space, then press c.", severity="warning")
            return
        by_id = {e.experiment_id: e for e in self.experiments}
        older, newer = sorted(
            self.marked, key=lambda m: (by_id[m].started_ns, m) if m in by_id else (0, m)
        )
        self.post_message(OpenExperiment(newer, baseline_id=older))

    def action_filter(self) -> None:
        """Show the filter bar and focus it."""
        self.query_one("#experiments-filter-bar").remove_class("hidden")
        self.query_one("#experiments-filter", Input).focus()

    def action_clear_filter(self) -> None:
        """Clear the filter (escape)."""
        self.query_one("#experiments-filter", Input).value = ""
        if self.query_text:
            self.query_text = ""
            self.fill()
        self.query_one("#experiments-filter-bar").add_class("hidden")
        self.query_one("#experiments", DataTable).focus()

    def action_refresh(self) -> None:
        """Read the store again."""
        self.load()


def _baseline_cell(baseline: str | None) -> Text:
    """The baseline an experiment was run against: an experiment id by its unique tail
    (``…aaaaaa``), a recorded folder by its name."""
    if not baseline:
        return Text("")
    if baseline.startswith("exp-"):
        return literal(f"…{baseline.rsplit('-', 1)[-1]}", "dim")
    text = literal(baseline, "dim")
    text.truncate(24, overflow="ellipsis")
    return text
