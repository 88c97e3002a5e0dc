"""The divergence report: both trajectories aligned, the first divergence named and diffed.

One pydantic model, three renderings: :meth:`DivergenceReport.render` (Rich, for the
terminal), :meth:`DivergenceReport.to_text` (plain text, for pytest's failure output) and
:meth:`DivergenceReport.model_dump_json` (JSON). Text from the trace is untrusted and always
rendered literally (``rich.text.Text``, never markup).
"""

from __future__ import annotations

import difflib
import io
import json
from typing import Any, Literal

from pydantic import BaseModel
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from replay.trajectory import AlignedStep, Step, StepStatus
from tracekit.display import inert

_STATUS_STYLE = {
    "same": "green",
    "changed": "yellow",
    "missing": "red",
    "extra": "red",
    "moved": "magenta",
}
_MAX_VALUE_CHARS = 400


class StepView(BaseModel):
    """One step as the report shows it."""

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
    cost_usd: float
    call_site: str | None = None
    """Where the agent was called (file:line): a hint, never compared."""
    handoff_from: str | None = None
    """Who handed off to the agent: a hint, never compared."""

    @classmethod
    def of(cls, step: Step) -> StepView:
        """The view of a trajectory step."""
        return cls(
            kind=step.kind,
            key=step.key,
            agent=step.agent,
            agent_path=step.agent_path,
            sequence=step.sequence,
            index=step.index,
            name=step.name,
            status=step.status,
            input_tokens=step.input_tokens,
            output_tokens=step.output_tokens,
            cost_usd=step.cost_usd,
            call_site=step.hints.get("call_site"),
            handoff_from=step.hints.get("handoff_from"),
        )


class FieldChange(BaseModel):
    """A request field that differs: its path, the recorded value and the replayed one."""

    field: str
    recorded: Any = None
    replayed: Any = None
    kind: str = "request"
    """``request``, or the decision it is about: approval, state, tool_result,
    tool_arguments, stop."""


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
    tool_arguments or stop."""


class Divergence(BaseModel):
    """The first step where the replay departs from the recording."""

    position: int
    status: StepStatus
    agent: str
    agent_path: str
    kind: Literal["agent", "llm", "tool"]
    sequence: int
    index: int
    summary: str
    call_site: str | None = None
    """Where the diverging agent call was made (file:line), when it is an agent call."""
    divergence_kind: str = "request"
    """missing, extra, moved, request, approval, state, tool_result, tool_arguments or stop."""
    changes: list[FieldChange] = []
    nearest: StepView | None = None
    """The recorded step most like the replayed one (for an extra or changed step)."""
    nearest_changes: list[FieldChange] = []


class Totals(BaseModel):
    """Model and tool steps, tokens and cost of one trajectory."""

    steps: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


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
    divergences: int
    first: Divergence | None = None
    steps: list[ReportStep] = []
    unmatched_calls: list[str] = []
    recorded: Totals = Totals()
    replayed: Totals = Totals()
    run_status: str = "ok"
    recorded_status: str = "ok"
    run_error: str | None = None
    output_matches: bool = True
    ignore: list[str] = []
    """The ``ignore=`` masks: their matches compared (and shown) as ``‹ignored›``."""
    notes: list[str] = []
    """What replay had to take from the recording (an interactive approver's decisions)."""
    state_changes: list[FieldChange] = []
    """Differences in the shared-state changes the entrypoint itself made."""
    stop_reason: str | None = None
    recorded_stop_reason: str | None = None

    @property
    def headline(self) -> str:
        """One line: matched, or where it diverged (inert: it names trace text, and pytest
        prints it)."""
        return inert(self._headline())

    def _headline(self) -> str:
        if self.kind == "diff":
            what = f"traces {self.trace_id[:12]} and {(self.other_trace_id or '')[:12]}"
            if self.matched:
                return f"{what} match: {self.replayed.steps} steps, mode {self.mode}"
            if self.first is not None:
                return f"{what} differ at step {self.first.position}: {self.first.summary}"
            return f"{what} differ in outcome: {self.recorded_status} vs {self.run_status}"
        if self.matched:
            return (
                f"replay matched: {self.workflow} ({self.trace_id[:12]}), "
                f"{self.replayed.steps} steps, mode {self.mode}"
            )
        if self.first is not None:
            return f"replay diverged at step {self.first.position}: {self.first.summary}"
        if self.state_changes:
            return "replay diverged: the entrypoint's shared-state changes differ"
        if not self.output_matches:
            return "replay diverged: the workflow's output differs from the recorded one"
        if self.stop_reason != self.recorded_stop_reason:
            return (
                f"replay diverged: stop reason {self.stop_reason}, "
                f"recorded {self.recorded_stop_reason}"
            )
        return f"replay diverged: the run ended {self.run_status}, recorded {self.recorded_status}"

    def render(self, *, all_steps: bool = False) -> RenderableType:
        """The report for a Rich console: headline, first divergence, aligned steps, totals."""
        parts: list[RenderableType] = [
            Text(self.headline, style="bold green" if self.matched else "bold red")
        ]
        parts.append(
            _line(
                f"workflow {self.workflow} · trace {self.trace_id} · {self.source} · "
                f"mode {self.mode}, tool args {self.tool_args}",
                "dim",
            )
        )
        if self.first is not None:
            parts.append(self._render_first(self.first))
        if self.run_error:
            parts.append(_line(f"run error: {self.run_error}", "red"))
        for call in self.unmatched_calls:
            parts.append(_line(f"unmatched call: {call}", "red"))
        if self.state_changes:
            parts.append(Text("entrypoint state changes differ:", style="bold"))
            parts.extend(_render_changes(self.state_changes))
        for note in self.notes:
            parts.append(_line(f"note: {note}", "dim"))
        if self.ignore:
            parts.append(_line(f"ignored: {', '.join(self.ignore)}", "dim"))
        if all_steps or not self.matched:
            parts.append(self._render_steps(all_steps))
        parts.append(self._render_totals())
        return Group(*parts)

    def to_text(self, *, width: int = 120, all_steps: bool = False) -> str:
        """The report as plain text (no colour), as pytest prints it."""
        buffer = io.StringIO()
        console = Console(file=buffer, width=width, color_system=None, force_terminal=False)
        console.print(self.render(all_steps=all_steps), soft_wrap=False)
        return buffer.getvalue()

    def _render_first(self, first: Divergence) -> RenderableType:
        lines: list[RenderableType] = [
            _line(
                f"first divergence: agent {first.agent_path} (call #{first.sequence}), "
                f"{_kind_name(first.kind)}"
                + (f" {first.index}" if first.index >= 0 else "")
                + f" — {first.status}",
                "bold",
            )
        ]
        if first.call_site:
            lines.append(Text(f"  called at {literal(first.call_site)}", style="dim"))
        lines.extend(_render_changes(first.changes))
        if first.nearest is not None:
            lines.append(
                _line(
                    f"nearest recorded candidate: {first.nearest.key} "
                    f"({_kind_name(first.nearest.kind)} {first.nearest.name})",
                    "cyan",
                )
            )
            lines.extend(_render_changes(first.nearest_changes))
        return Group(*lines)

    def _render_steps(self, all_steps: bool) -> RenderableType:
        table = Table(title="aligned trajectories", title_justify="left", expand=False)
        columns = ("recorded", "replayed")
        if self.kind == "diff":
            columns = (self.trace_id[:12], (self.other_trace_id or "")[:12])
        for column in ("#", "status", *columns):
            table.add_column(_line(column), overflow="fold")
        rows = self.steps
        if not all_steps and len(rows) > 40:
            focus = self.first.position if self.first else 0
            rows = [r for r in rows if abs(r.position - focus) <= 15 or r.divergent]
        for row in rows:
            style = _STATUS_STYLE[row.status] if row.divergent else "green"
            table.add_row(
                Text(str(row.position)),
                _line(row.status, style),
                Text(literal(_describe(row.recorded))),
                Text(literal(_describe(row.replayed))),
            )
        return table

    def _render_totals(self) -> RenderableType:
        rec, rep = self.recorded, self.replayed
        return Text(
            f"steps {rec.steps} → {rep.steps} ({rep.steps - rec.steps:+d}) · "
            f"tokens {rec.input_tokens + rec.output_tokens} → "
            f"{rep.input_tokens + rep.output_tokens} · "
            f"cost ${rec.cost_usd:.4f} → ${rep.cost_usd:.4f} "
            f"({rep.cost_usd - rec.cost_usd:+.4f})"
        )


def report_step(
    position: int, aligned: AlignedStep, divergent: bool, kind: str | None = None
) -> ReportStep:
    """A report row for an aligned pair (``kind``: what a divergent row is about)."""
    return ReportStep(
        position=position,
        status=aligned.status,
        divergent=divergent,
        divergence_kind=kind if divergent else None,
        recorded=StepView.of(aligned.recorded) if aligned.recorded else None,
        replayed=StepView.of(aligned.replayed) if aligned.replayed else None,
        changes=[
            FieldChange(field=d.field, recorded=d.recorded, replayed=d.replayed, kind=d.kind)
            for d in aligned.diffs
        ],
    )


def _kind_name(kind: str) -> str:
    return {"agent": "agent call", "llm": "model call", "tool": "tool call"}[kind]


def _describe(view: StepView | None) -> str:
    if view is None:
        return "—"
    if view.kind == "agent":
        return f"agent {view.agent_path} #{view.sequence}"
    if view.kind == "llm":
        return f"  model call {view.index} ({view.name})"
    return f"  tool {view.name} [{view.index}]"


def _short(value: Any) -> str:
    text = literal(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str))
    return text if len(text) <= _MAX_VALUE_CHARS else text[:_MAX_VALUE_CHARS] + "…"


def literal(text: str) -> str:
    """``text`` with terminal control characters made visible (newlines kept)."""
    return inert(text, multiline=True)


def _line(text: str, style: str = "") -> Text:
    """A report line that names trace text (a workflow, an agent, a field), made inert."""
    return Text(literal(text), style=style)


def _render_changes(changes: list[FieldChange]) -> list[RenderableType]:
    lines: list[RenderableType] = []
    for change in changes[:20]:
        lines.append(_line(f"  {change.field}:", "bold"))
        old, new = change.recorded, change.replayed
        if isinstance(old, str) and isinstance(new, str) and ("\n" in old + new or len(old) > 80):
            lines.extend(_text_diff(old, new))
            continue
        lines.append(Text(f"    - recorded: {_short(old)}", style="red"))
        lines.append(Text(f"    + replayed: {_short(new)}", style="green"))
    if len(changes) > 20:
        lines.append(Text(f"  … and {len(changes) - 20} more fields"))
    return lines


def _text_diff(old: str, new: str) -> list[RenderableType]:
    """Line diff of two long texts (a prompt, a message): only the changed lines."""
    lines: list[RenderableType] = []
    for line in difflib.unified_diff(
        old.splitlines(), new.splitlines(), "recorded", "replayed", n=1, lineterm=""
    ):
        if line.startswith(("---", "+++")):
            continue
        style = {"-": "red", "+": "green", "@": "cyan"}.get(line[:1], "")
        lines.append(Text(f"    {literal(line)}", style=style))
    return lines
