"""The divergence report: both trajectories aligned, every divergence named and diffed.

One pydantic model, three renderings that carry the same facts: :meth:`DivergenceReport.render`
(Rich, for the terminal), :meth:`DivergenceReport.to_text` (plain text, for pytest's failure
output) and :meth:`DivergenceReport.model_dump_json` (JSON).

A divergence is generic: a category (``changed``, ``missing``, ``input changed``, ``output
changed``, ``approval``, ``state``, ``tool result changed``, ``stop reason changed``, ``check
outcome changed``, …) with its machine-readable ``divergence_kind``, the step it happened at
(or none, for the run as a whole) and a per-field diff. A new kind of divergence renders
without a change here.

Text from the trace is untrusted and always rendered literally (``rich.text.Text`` made inert
with :func:`tracekit.display.inert`, never markup).
"""

from __future__ import annotations

import io
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter, computed_field
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from replay.changes import FieldChange
from replay.textdiff import text_diff, value_pair
from replay.trajectory import AlignedStep, Step, StepStatus
from tracekit.display import format_partial_cost, inert

_STATUS_STYLE = {
    "same": "green",
    "changed": "yellow",
    "missing": "red",
    "extra": "red",
    "moved": "magenta",
}
#: Report width when the output is not a terminal (a CI log, a pipe, pytest under xdist).
DEFAULT_WIDTH = 100
_MAX_CHANGES = 20
_INDENT = "  "
StepKind = Literal["agent", "llm", "tool", "run"]


class StepView(BaseModel):
    """One step as the report shows it: what it was, how deep it sits, what happened to it."""

    kind: Literal["agent", "llm", "tool"]
    key: str
    agent: str
    agent_path: str
    sequence: int
    index: int
    name: str
    status: str
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    """None when unknown (an unpriced model call), never 0."""
    level: int = 0
    """Nesting in the step table: an agent's level is its depth among agents, its calls one more."""
    marks: list[str] = []
    """Retries, failed calls, fallbacks, breaker and cache decisions, approvals, stops."""
    call_site: str | None = None
    """Where the agent was called (file:line): a hint, never part of the match."""
    handoff_from: str | None = None
    """Who handed off to the agent: a hint, never part of the match."""

    @classmethod
    def of(cls, step: Step, marks: list[str] | None = None) -> StepView:
        """The view of a trajectory step."""
        return cls(**step_view_fields(step, marks))


def step_view_fields(step: Step, marks: list[str] | None = None) -> dict[str, Any]:
    """The fields of :meth:`StepView.of` (rows validate as one list: see :func:`report_steps`)."""
    level = step.agent_path.count("/") + (0 if step.kind == "agent" else 1)
    call_site, handoff_from = step.hints.get("call_site"), step.hints.get("handoff_from")
    return {
        "kind": step.kind,
        "key": step.key,
        "agent": step.agent,
        "agent_path": step.agent_path,
        "sequence": step.sequence,
        "index": step.index,
        "name": step.name,
        "status": step.status,
        "input_tokens": step.input_tokens,
        "output_tokens": step.output_tokens,
        "cost_usd": step.cost_usd,
        "level": level,
        "marks": list(marks or ()),
        "call_site": call_site if isinstance(call_site, str) else None,
        "handoff_from": handoff_from if isinstance(handoff_from, str) else None,
    }


class ReportStep(BaseModel):
    """One row of the aligned trajectories."""

    position: int
    status: StepStatus
    divergent: bool
    recorded: StepView | None = None
    replayed: StepView | None = None
    changes: list[FieldChange] = []
    divergence_kind: str | None = None
    """For a divergent row: missing, extra, moved, request, approval, state, tool_result,
    tool_arguments, stop or check."""


class Divergence(BaseModel):
    """One way the replay departs from the recording: its kind, where, and a per-field diff.

    A step divergence names the step (``position`` in the aligned table, agent, step kind,
    key); a divergence of the run as a whole (its input, output, stop reason) has
    ``position`` -1 and ``kind`` ``run``.
    """

    position: int
    status: StepStatus | None = None
    """How the step aligned (changed, missing, extra, moved); None for the run as a whole."""
    category: str = ""
    """What the report calls it: ``changed``, ``missing``, ``extra``, ``moved``, ``approval``,
    ``state``, ``tool result changed``, ``tool signature changed``, ``stop reason changed``,
    ``input changed``, ``output changed``…"""
    divergence_kind: str = "request"
    """The same for a program: missing, extra, moved, request, approval, state, tool_result,
    tool_arguments, stop, check; for the run as a whole input, output, state or stop."""
    agent: str = ""
    agent_path: str = ""
    kind: StepKind = "run"
    key: str = ""
    sequence: int = -1
    index: int = -1
    summary: str
    changes: list[FieldChange] = []
    nearest: StepView | None = None
    """The recorded step most like the replayed one (for an extra or moved step)."""
    nearest_changes: list[FieldChange] = []
    call_site: str | None = None
    """Where the diverging agent call was made (file:line), when it is an agent call."""


class Totals(BaseModel):
    """Model and tool steps, tokens and cost of one trajectory.

    ``cost_usd`` sums the model calls with a known cost; ``unpriced_steps`` counts those
    without one (the sum is then partial: ``cost_partial``). None when no model call of the
    run has a cost, never 0."""

    steps: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = 0.0
    unpriced_steps: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cost_partial(self) -> bool:
        """Whether ``cost_usd`` leaves out model calls whose cost is unknown."""
        return self.unpriced_steps > 0 and self.cost_usd is not None

    def cost_text(self) -> str:
        """The cost as shown: ``$0.0123``, ``$0.0123*`` when partial, ``—`` when unknown."""
        return format_partial_cost(self.cost_usd, self.unpriced_steps)


class RunOutcome(BaseModel):
    """How one run ended: status, stop reason, and the limits that fired (``max_steps 51 > 50``)."""

    status: str = "ok"
    stop_reason: str | None = None
    limits: list[str] = []

    def describe(self) -> str:
        """``stopped (limit:max_steps; max_steps 51 > 50)`` or ``ok``."""
        details = [d for d in (self.stop_reason, *self.limits) if d]
        return f"{self.status} ({'; '.join(details)})" if details else self.status


class BudgetBreach(BaseModel):
    """A budget the replayed run went over."""

    budget: str
    limit: float
    observed: float

    def describe(self) -> str:
        """``12 steps > max_steps=10``."""
        if self.budget == "max_cost_usd":
            return f"${self.observed:.4f} > max_cost_usd={self.limit:g}"
        unit = self.budget.removeprefix("max_")
        return f"{self.observed:g} {unit} > {self.budget}={self.limit:g}"


class DivergenceReport(BaseModel):
    """The outcome of one replay."""

    kind: Literal["replay", "diff"] = "replay"
    """A replay against its recording, or two recorded traces (``tracekit diff``)."""
    source: str
    trace_id: str
    other_trace_id: str | None = None
    workflow: str
    mode: str
    tool_args: str
    matched: bool
    """The run behaved as recorded (budgets are separate: see :attr:`passed`)."""
    divergences: int
    first: Divergence | None = None
    """The first divergent step."""
    run_divergences: list[Divergence] = []
    """Divergences of the run as a whole (input, output, stop reason) and any others."""
    steps: list[ReportStep] = []
    unmatched_calls: list[str] = []
    recorded: Totals = Totals()
    replayed: Totals = Totals()
    run_status: str = "ok"
    recorded_status: str = "ok"
    run_error: str | None = None
    output_matches: bool = True
    recorded_outcome: RunOutcome = RunOutcome()
    replayed_outcome: RunOutcome = RunOutcome()
    budgets: dict[str, float] = {}
    """The budgets checked (``max_steps``, ``max_tokens``, ``max_cost_usd``)."""
    budget_breaches: list[BudgetBreach] = []
    ignore: list[str] = []
    """The ``ignore=`` masks: their matches compared (and shown) as ``‹ignored›``."""
    notes: list[str] = []
    """What replay had to take from the recording (an interactive approver's decisions)."""

    @property
    def stop_reason(self) -> str | None:
        """Why the replayed run stopped (the guardrail), or None."""
        return self.replayed_outcome.stop_reason

    @property
    def recorded_stop_reason(self) -> str | None:
        """Why the recorded run stopped, or None."""
        return self.recorded_outcome.stop_reason

    @property
    def state_changes(self) -> list[FieldChange]:
        """Differences in the shared-state changes of the run as a whole (none when a step's
        state divergence already names where they come from)."""
        return [
            change
            for divergence in self.run_divergences
            if divergence.divergence_kind == "state"
            for change in divergence.changes
        ]

    @property
    def passed(self) -> bool:
        """Matched, and within every budget."""
        return self.matched and not self.budget_breaches

    def with_budgets(
        self,
        *,
        max_steps: int | None = None,
        max_tokens: int | None = None,
        max_cost_usd: float | None = None,
    ) -> DivergenceReport:
        """This report with the replayed run checked against budgets (every breach named)."""
        totals = self.replayed
        checks = (
            ("max_steps", max_steps, totals.steps),
            ("max_tokens", max_tokens, totals.input_tokens + totals.output_tokens),
            # An unknown cost is checked by its known part: going over with that alone is
            # going over.
            ("max_cost_usd", max_cost_usd, totals.cost_usd or 0.0),
        )
        budgets = {name: float(limit) for name, limit, _ in checks if limit is not None}
        breaches = [
            BudgetBreach(budget=name, limit=limit, observed=observed)
            for name, limit, observed in checks
            if limit is not None and observed > limit
        ]
        return self.model_copy(update={"budgets": budgets, "budget_breaches": breaches})

    @property
    def headline(self) -> str:
        """One line: matched, or where it diverged (and any budget breached); inert, as it
        names trace text and pytest prints it."""
        line = self._divergence_headline()
        if self.budget_breaches:
            over = ", ".join(b.describe() for b in self.budget_breaches)
            if self.matched:
                return inert(f"replay over budget: {over} (otherwise matched)")
            line = f"{line}; over budget: {over}"
        return inert(line)

    def _divergence_headline(self) -> str:
        first_run = self.run_divergences[0] if self.run_divergences else None
        if self.kind == "diff":
            what = f"traces {self.trace_id[:12]} and {(self.other_trace_id or '')[:12]}"
            if self.matched:
                return f"{what} match: {self.replayed.steps} steps, mode {self.mode}"
            if self.first is not None:
                return f"{what} differ at step {self.first.position}: {self.first.summary}"
            if first_run is not None:
                return f"{what} differ: {first_run.summary}"
            return f"{what} differ in outcome: {self.recorded_status} vs {self.run_status}"
        if self.matched:
            return (
                f"replay matched: {self.workflow} ({self.trace_id[:12]}), "
                f"{self.replayed.steps} steps, mode {self.mode}"
            )
        if self.first is not None:
            return f"replay diverged at step {self.first.position}: {self.first.summary}"
        if first_run is not None:
            return f"replay diverged: {first_run.summary}"
        if not self.output_matches:
            return "replay diverged: the workflow's output differs from the recorded one"
        if self.unmatched_calls:
            return f"replay diverged: {self.unmatched_calls[0]}"
        return f"replay diverged: the run ended {self.run_status}, recorded {self.recorded_status}"

    # --- rendering ----------------------------------------------------------------------------

    def render(self, *, all_steps: bool = False) -> RenderableType:
        """The report for a Rich console: headline, divergences, outcome, aligned steps, totals.

        The step table takes the console's width.
        """
        parts: list[RenderableType] = [
            Text(inert(self.headline), style="bold green" if self.passed else "bold red")
        ]
        parts.append(
            Text(
                inert(
                    f"mode {self.mode}, tool args {self.tool_args} · workflow {self.workflow} "
                    f"· trace {self.trace_id} · {self.source}"
                ),
                style="dim",
            )
        )
        parts.append(self._render_outcome())
        for breach in self.budget_breaches:
            parts.append(Text(f"budget exceeded: {breach.describe()}", style="bold red"))
        if self.first is not None:
            parts.append(_render_divergence(self.first, first=True))
        for divergence in self.run_divergences:
            parts.append(_render_divergence(divergence))
        if self.run_error:
            parts.append(Text(f"run error: {inert(self.run_error)}", style="red"))
        for call in self.unmatched_calls:
            parts.append(Text(f"unmatched call: {inert(call)}", style="red"))
        for note in self.notes:
            parts.append(Text(f"note: {inert(note)}", style="dim"))
        if self.ignore:
            parts.append(Text(inert(f"ignored: {', '.join(self.ignore)}"), style="dim"))
        if all_steps or not self.matched:
            parts.append(self._render_steps(all_steps))
        parts.append(self._render_totals())
        return Group(*parts)

    def to_text(self, *, width: int = DEFAULT_WIDTH, all_steps: bool = False) -> str:
        """The report as plain text (no colour), as pytest prints it."""
        buffer = io.StringIO()
        console = Console(file=buffer, width=width, color_system=None, force_terminal=False)
        console.print(self.render(all_steps=all_steps), soft_wrap=False)
        return buffer.getvalue()

    def _render_outcome(self) -> RenderableType:
        recorded, replayed = self.recorded_outcome, self.replayed_outcome
        left, right = ("recorded", "replayed")
        if self.kind == "diff":
            left, right = self.trace_id[:12], (self.other_trace_id or "")[:12]
        same = recorded == replayed
        return Text(
            inert(f"outcome: {left} {recorded.describe()} · {right} {replayed.describe()}"),
            style="dim" if same else "bold yellow",
        )

    def _render_steps(self, all_steps: bool) -> RenderableType:
        table = Table(title="aligned trajectories", title_justify="left", expand=True)
        columns = ("recorded", "replayed")
        if self.kind == "diff":
            columns = (self.trace_id[:12], (self.other_trace_id or "")[:12])
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column("status", no_wrap=True)
        for column in columns:
            table.add_column(column, overflow="fold", ratio=1)
        rows = self.steps
        if not all_steps and len(rows) > 40:
            focus = self.first.position if self.first else 0
            rows = [r for r in rows if abs(r.position - focus) <= 15 or r.divergent]
        for row in rows:
            style = _STATUS_STYLE[row.status] if row.divergent else "green"
            table.add_row(
                Text(str(row.position)),
                Text(row.status, style=style),
                _describe(row.recorded),
                _describe(row.replayed),
            )
        return table

    def _render_totals(self) -> RenderableType:
        rec, rep = self.recorded, self.replayed
        cost = f"cost {rec.cost_text()} → {rep.cost_text()}"
        if rec.cost_usd is not None and rep.cost_usd is not None:
            cost += f" ({rep.cost_usd - rec.cost_usd:+.4f})"
        text = Text(
            f"steps {rec.steps} → {rep.steps} ({rep.steps - rec.steps:+d}) · "
            f"tokens {rec.input_tokens + rec.output_tokens} → "
            f"{rep.input_tokens + rep.output_tokens} · {cost}"
        )
        if rec.unpriced_steps or rep.unpriced_steps:
            text.append(
                f"\n* partial: model calls without a cost (no price for their model): "
                f"{rec.unpriced_steps} recorded, {rep.unpriced_steps} replayed",
                style="dim",
            )
        return text


def report_step(
    position: int,
    aligned: AlignedStep,
    divergent: bool,
    marks: tuple[dict[str, list[str]], dict[str, list[str]]] = ({}, {}),
    changes: list[FieldChange] | None = None,
    kind: str | None = None,
) -> ReportStep:
    """A report row for an aligned pair.

    ``marks`` are the recorded and the replayed side's step marks by span id; ``changes`` the
    field diff (default: the alignment's own); ``kind`` what a divergent row is about.
    """
    return ReportStep(**report_step_fields(position, aligned, divergent, marks, changes, kind))


def report_step_fields(
    position: int,
    aligned: AlignedStep,
    divergent: bool,
    marks: tuple[dict[str, list[str]], dict[str, list[str]]] = ({}, {}),
    changes: list[FieldChange] | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    """The fields of :func:`report_step`, its step views as fields too."""
    recorded_marks, replayed_marks = marks
    recorded, replayed = aligned.recorded, aligned.replayed
    return {
        "position": position,
        "status": aligned.status,
        "divergent": divergent,
        "divergence_kind": kind if divergent else None,
        "recorded": step_view_fields(recorded, recorded_marks.get(recorded.span_id))
        if recorded
        else None,
        "replayed": step_view_fields(replayed, replayed_marks.get(replayed.span_id))
        if replayed
        else None,
        "changes": changes
        if changes is not None
        else [
            FieldChange(field=d.field, recorded=d.recorded, replayed=d.replayed, kind=d.kind)
            for d in aligned.diffs
        ],
    }


_REPORT_STEPS: TypeAdapter[list[ReportStep]] = TypeAdapter(list[ReportStep])


def report_steps(rows: list[dict[str, Any]]) -> list[ReportStep]:
    """Rows of :func:`report_step_fields` as report rows, validated in one call (one model
    per row and per step view, each validated on its own, cost more than the comparison)."""
    return _REPORT_STEPS.validate_python(rows)


def _kind_name(kind: str) -> str:
    return {"agent": "agent call", "llm": "model call", "tool": "tool call"}.get(kind, kind)


def _describe(view: StepView | None) -> Text:
    if view is None:
        return Text("—")
    indent = _INDENT * view.level
    if view.kind == "agent":
        label = f"{indent}agent {view.agent_path} #{view.sequence}"
    elif view.kind == "llm":
        label = f"{indent}model call {view.index} ({view.name})"
    else:
        label = f"{indent}tool {view.name} [{view.index}]"
    text = Text(inert(label))
    if view.marks:
        text.append(" ")
        text.append(inert(" ".join(f"[{mark}]" for mark in view.marks)), style="bold magenta")
    return text


def literal(text: str) -> str:
    """``text`` with terminal control characters made visible (newlines kept)."""
    return inert(text, multiline=True)


def _render_divergence(divergence: Divergence, *, first: bool = False) -> RenderableType:
    if divergence.kind == "run":
        title = f"{divergence.category or 'divergence'}: {divergence.summary}"
    else:
        title = (
            f"{'first divergence' if first else divergence.category}: agent "
            f"{divergence.agent_path} (call #{divergence.sequence}), {_kind_name(divergence.kind)}"
            + (f" {divergence.index}" if divergence.index >= 0 else "")
            + f" — {divergence.category or divergence.status}"
        )
    lines: list[RenderableType] = [Text(inert(title), style="bold")]
    if divergence.call_site:
        lines.append(Text(inert(f"  called at {divergence.call_site}"), style="dim"))
    lines.extend(_render_changes(divergence.changes))
    if divergence.nearest is not None:
        lines.append(
            Text(
                inert(
                    f"nearest recorded candidate: {divergence.nearest.key} "
                    f"({_kind_name(divergence.nearest.kind)} {divergence.nearest.name})"
                ),
                style="cyan",
            )
        )
        lines.extend(_render_changes(divergence.nearest_changes))
    return Group(*lines)


def _render_changes(changes: list[FieldChange]) -> list[RenderableType]:
    lines: list[RenderableType] = []
    for change in changes[:_MAX_CHANGES]:
        old, new = change.recorded, change.replayed
        if change.change != "changed":
            sign, style, value = (
                ("+", "green", new) if change.change == "added" else ("-", "red", old)
            )
            lines.append(Text(inert(f"  {change.field}: {change.change}"), style="bold"))
            lines.append(Text(f"    {sign} {value_pair(value, value)[0]}", style=style))
            continue
        lines.append(Text(inert(f"  {change.field}:"), style="bold"))
        if isinstance(old, str) and isinstance(new, str) and ("\n" in old + new or len(old) > 80):
            lines.extend(text_diff(old, new, indent="    "))
            continue
        shown_old, shown_new = value_pair(old, new)
        lines.append(Text(f"    - recorded: {shown_old}", style="red"))
        lines.append(Text(f"    + replayed: {shown_new}", style="green"))
    if len(changes) > _MAX_CHANGES:
        lines.append(Text(f"  … and {len(changes) - _MAX_CHANGES} more fields (see --json)"))
    return lines
