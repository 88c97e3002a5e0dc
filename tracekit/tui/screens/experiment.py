"""One eval experiment: its cases with outcome, process figures and deltas against a baseline.

The baseline is the experiment it was run with (``tracekit eval --baseline``), or another
experiment when two are compared (``c`` on the experiments screen). Enter on a case opens its
trace (:class:`~tracekit.tui.messages.OpenTrace`); ``d`` its step-aligned diff against the
baseline's trace of the same case (:class:`~tracekit.tui.messages.OpenDiff`).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Footer, Header, Input, Static

from tracekit.display import format_cost, literal
from tracekit.exceptions import TracekitError
from tracekit.store import ExperimentCaseRow, ExperimentRow, TraceStore
from tracekit.tui.experiment_lines import (
    SORT_KEYS,
    CaseLine,
    LineFilter,
    case_lines,
    parse_filter,
    sorted_lines,
)
from tracekit.tui.messages import OpenDiff, OpenTrace
from tracekit.tui.screens.base import SortedTableScreen

#: (column key, header, right-aligned).
COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("case", "case", False),
    ("repeat", "#", True),
    ("outcome", "outcome", False),
    ("score", "score", True),
    ("verdict", "verdict", False),
    ("steps", "steps", True),
    ("d_steps", "Δ", True),
    ("cost", "cost", True),
    ("d_cost", "Δ cost", True),
    ("latency", "latency", True),
    ("d_latency", "Δ lat", True),
    ("precision", "tool P", True),
    ("recall", "tool R", True),
    ("turns", "turns", True),
    ("why", "why", False),
)
_HEADER_SORTS = {
    "case": "case",
    "verdict": "verdict",
    "outcome": "outcome",
    "cost": "cost",
    "d_cost": "Δ cost",
    "latency": "latency",
    "steps": "steps",
    "turns": "turns",
}
_DESCENDING_FIRST = frozenset({"cost", "Δ cost", "latency", "steps", "turns"})
_VERDICT_STYLES = {
    "regressed": "bold red",
    "costlier": "yellow",
    "improved": "green",
    "cheaper": "cyan",
    "same": "dim",
}
_CASE_WIDTH = 22
_WHY_WIDTH = 60


class ExperimentScreen(SortedTableScreen):
    """The cases of one experiment, against a baseline.

    Args:
        store: the store to read.
        experiment_id: the experiment (an id or unique prefix).
        baseline_id: compare with this experiment instead of the one it was run against.
    """

    CSS_PATH = "experiment.tcss"  # also read at app start-up (see TracekitApp.CSS_PATH)
    HELP_TEXT = (
        "One eval experiment: per case and repeat, its outcome (pass/fail, score), its "
        "verdict against the baseline, and its process: steps, cost and latency with their "
        "deltas against the baseline's runs of the same case, tool-choice precision and "
        "recall, wrong turns. Enter opens the case's trace, d its diff against the baseline "
        "trace. s sorts (r reverses, or click a header). Filter with `verdict:regressed`, "
        "`outcome:fail`, `status:stopped`, `case:refund`, `cost>0.002`, `turns>=1`, "
        "`steps<5` or free text."
    )
    SORT_COLUMNS = tuple(SORT_KEYS)
    DESCENDING_FIRST = _DESCENDING_FIRST
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back"),
        Binding("enter", "open", "Trace", show=True),
        Binding("d", "diff", "Diff vs baseline"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("s", "sort", "Sort"),
        Binding("r", "reverse", "Reverse", show=False),
    ]

    def __init__(
        self, store: TraceStore, experiment_id: str, baseline_id: str | None = None
    ) -> None:
        super().__init__(store, sort_column="case", descending=False)
        self.experiment_id = experiment_id
        self.baseline_id = baseline_id
        self.experiment: ExperimentRow | None = None
        self.baseline: ExperimentRow | None = None
        self.lines: list[CaseLine] = []
        self.shown: list[CaseLine] = []
        self.query_text = ""
        self.line_filter: LineFilter | None = None

    def compose(self) -> ComposeResult:
        """Header, the experiment's figures, filter bar, the cases, footer."""
        yield Header(show_clock=False, icon="◆")
        yield Static("", id="experiment-summary")
        with Vertical(id="cases-filter-bar", classes="hidden"):
            yield Input(placeholder="filter: verdict:regressed cost>0.002 …", id="cases-filter")
            yield Static("", id="cases-filter-error")
        yield Static("", id="cases-status")
        table: DataTable[Text] = DataTable(id="cases", cursor_type="row", zebra_stripes=True)
        for key, header, right in COLUMNS:
            table.add_column(Text(header, justify="right" if right else "left"), key=key)
        yield table
        yield Footer()

    def on_mount(self) -> None:
        """Read the experiment and its baseline."""
        self.load()
        self.query_one("#cases", DataTable).focus()

    # --- loading ----------------------------------------------------------------------------

    def load(self) -> None:
        """Read the experiment, its baseline's cases, and show them."""
        summary = self.query_one("#experiment-summary", Static)
        try:
            experiment, rows = self.store.get_experiment(self.experiment_id)
            baseline, base_rows = self._baseline(experiment)
        except TracekitError as error:
            summary.update(literal(str(error), "bold red"))
            return
        self.experiment, self.baseline = experiment, baseline
        self.title = f"experiment {experiment.experiment_id}"
        self.sub_title = f"{experiment.suite} · {experiment.candidate}"
        self.lines = case_lines(rows, base_rows, stored_verdicts=self.baseline_id is None)
        summary.update(self._summary(experiment, baseline))
        self.fill()

    def _baseline(
        self, experiment: ExperimentRow
    ) -> tuple[ExperimentRow | None, list[ExperimentCaseRow] | None]:
        reference = self.baseline_id or experiment.baseline
        if not reference or reference.startswith("recorded:"):
            return None, None  # recorded traces: verdicts stored, no figures to subtract
        try:
            return self.store.get_experiment(reference)
        except TracekitError:
            if self.baseline_id:
                raise
            return None, None  # the baseline experiment is gone: figures without deltas

    def _summary(self, e: ExperimentRow, base: ExperimentRow | None) -> Text:
        text = literal(e.suite, "bold cyan")
        text.append_text(literal(f" · candidate {e.candidate}"))
        text.append(" · ")
        text.append_text(literal(f"{e.cases} cases, {e.runs} runs"))
        if e.partial:
            text.append(" · PARTIAL (interrupted)", "bold magenta")
        text.append("\n")
        text.append_text(literal(f"success {_pct(e.success_rate)}"))
        if base is not None:
            text.append_text(literal(f" (baseline {_pct(base.success_rate)})", "dim"))
        text.append_text(literal(f" · mean cost {format_cost(e.mean_cost_usd)}"))
        if base is not None:
            change = _relative(e.mean_cost_usd, base.mean_cost_usd)
            text.append_text(literal(f" ({_signed_pct(change)} vs baseline)", "dim"))
        regressions = sum(line.verdict == "regressed" for line in self.lines)
        if base is not None or e.baseline:
            text.append_text(
                literal(f" · {regressions} regressed", "bold red" if regressions else "green")
            )
        against = base.experiment_id if base is not None else (e.baseline or "no baseline")
        text.append("\n")
        text.append_text(literal(f"against {against}", "dim"))
        return text

    def fill(self) -> None:
        """Show the cases the filter keeps, in the sort order."""
        table = self.query_one("#cases", DataTable)
        current = self.current_line()
        kept = [line for line in self.lines if self.line_filter is None or self.line_filter(line)]
        self.shown = sorted_lines(kept, self.sort_column, descending=self.descending)
        table.clear()
        for line in self.shown:
            table.add_row(*_cells(line), key=line.key)
        if current is not None and current.key in table.rows:
            table.move_cursor(row=table.get_row_index(current.key))
        arrow = "↓" if self.descending else "↑"
        parts = [
            f"{len(self.shown)} of {len(self.lines)} runs",
            f"sorted by {self.sort_column} {arrow}",
        ]
        if self.query_text:
            parts.append(f"filter: {self.query_text}")
        self.query_one("#cases-status", Static).update(literal(" · ".join(parts)))

    def current_line(self) -> CaseLine | None:
        """The case × repeat under the cursor."""
        table = self.query_one("#cases", DataTable)
        if table.row_count == 0 or not self.shown:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((line for line in self.shown if line.key == key), None)

    # --- events and actions -----------------------------------------------------------------

    @on(DataTable.RowSelected, "#cases")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    @on(DataTable.HeaderSelected, "#cases")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        column = _HEADER_SORTS.get(str(event.column_key.value))
        if column is None:
            return
        self.sort_by(column)

    @on(Input.Submitted, "#cases-filter")
    def _apply_filter(self, event: Input.Submitted) -> None:
        error = self.query_one("#cases-filter-error", Static)
        text = event.value.strip()
        try:
            self.line_filter = parse_filter(text) if text else None
        except TracekitError as exc:
            error.update(literal(str(exc), "bold red"))
            return
        error.update("")
        self.query_text = text
        self.fill()
        self.query_one("#cases", DataTable).focus()
        if not text:
            self.query_one("#cases-filter-bar").add_class("hidden")

    def action_open(self) -> None:
        """Open the trace of the case under the cursor."""
        line = self.current_line()
        if line is None:
            return
        if not line.row.trace_id:
            self.notify("This run recorded no trace (it failed before it started).")
            return
        self.post_message(OpenTrace(line.row.trace_id))

    def action_diff(self) -> None:
        """Diff the case's trace against the baseline's trace of the same case."""
        line = self.current_line()
        if line is None:
            return
        base_trace = line.row.baseline_trace_id or self._baseline_trace(line.row.case_name)
        if not base_trace or not line.row.trace_id:
            self.notify("No baseline trace to diff this case with.", severity="warning")
            return
        self.post_message(OpenDiff(base_trace, line.row.trace_id))

    def _baseline_trace(self, case: str) -> str | None:
        if self.baseline is None:
            return None
        try:
            _, rows = self.store.get_experiment(self.baseline.experiment_id)
        except TracekitError:
            return None
        return next((r.trace_id for r in rows if r.case_name == case and r.trace_id), None)

    def action_filter(self) -> None:
        """Show the filter bar and focus it."""
        self.query_one("#cases-filter-bar").remove_class("hidden")
        self.query_one("#cases-filter", Input).focus()

    def action_back(self) -> None:
        """Clear the filter, or go back to the experiments."""
        if self.query_text or not self.query_one("#cases-filter-bar").has_class("hidden"):
            self.query_one("#cases-filter", Input).value = ""
            self.query_one("#cases-filter-error", Static).update("")
            self.query_text, self.line_filter = "", None
            self.fill()
            self.query_one("#cases-filter-bar").add_class("hidden")
            self.query_one("#cases", DataTable).focus()
            return
        self.dismiss()


def _cells(line: CaseLine) -> list[Text]:
    row = line.row
    case = literal(row.case_name, "bold")
    case.truncate(_CASE_WIDTH, overflow="ellipsis")
    outcome = literal(
        line.outcome if row.status == "ok" else f"{line.outcome} ({row.status})",
        "green" if row.passed else "bold red",
    )
    why = literal((row.reason or "").split("; ")[0], "dim")
    why.truncate(_WHY_WIDTH, overflow="ellipsis")
    steps_change = line.steps_change
    return [
        case,
        literal(row.repeat, right=True),
        outcome,
        literal(_num(row.score), right=True),
        literal(line.verdict, _VERDICT_STYLES.get(line.verdict, "")),
        literal(row.steps, right=True),
        literal("" if steps_change is None else f"{steps_change:+.0f}", right=True),
        literal(format_cost(row.cost_usd), right=True),
        _change(line.cost_change),
        literal(f"{row.latency_s:.2f} s", right=True),
        _change(line.latency_change),
        literal(_num(row.tool_precision), right=True),
        literal(_num(row.tool_recall), right=True),
        literal("—" if row.wrong_turns is None else row.wrong_turns, right=True),
        why,
    ]


def _change(change: float | None) -> Text:
    if change is None:
        return literal("", right=True)
    style = "yellow" if change > 0.05 else ("cyan" if change < -0.05 else "dim")
    return literal(f"{change:+.0%}", style, right=True)


def _relative(now: float | None, then: float | None) -> float | None:
    if now is None or then is None or then == 0:
        return None
    return (now - then) / then


def _signed_pct(change: float | None) -> str:
    return "—" if change is None else f"{change:+.0%}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"
