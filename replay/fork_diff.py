"""How a fork's outcome moved from its parent's: the prefix, the fork point, then the rest.

Built on the divergence report of the two recordings (:func:`replay.diff.diff_recordings`,
the same alignment as replay): the leading steps that are ``same`` are the prefix, the first
divergent step should be the fork point, and after it the figures that moved — steps, tool
choices, tokens, cost, latency, the output (field by field) and the status — end in a
one-line verdict such as ``fork at writer#2: 3 fewer steps, −41% cost, output changed in 2
fields``. Three renderings carry the same facts: Rich (terminal), Markdown (a pull request)
and JSON (:meth:`ForkComparison.model_dump_json`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import BaseModel
from rich.console import Group, RenderableType
from rich.text import Text

from replay.canonical import normalize
from replay.changes import FieldChange, value_changes
from replay.diff import diff_recordings
from replay.lineage import lineage_of
from replay.recording import Recording
from replay.report import Divergence, DivergenceReport
from replay.trajectory import Trajectory
from tracekit.display import inert

_MINUS = "\u2212"
_MAX_FIELDS = 12


class Figure(BaseModel):
    """One figure of both runs (None: unknown)."""

    parent: float | None
    fork: float | None

    @property
    def delta(self) -> float | None:
        """Fork minus parent (None when either is unknown)."""
        if self.parent is None or self.fork is None:
            return None
        return self.fork - self.parent

    @property
    def percent(self) -> float | None:
        """The change in percent of the parent's figure (None when that is 0 or unknown)."""
        delta = self.delta
        if delta is None or not self.parent:
            return None
        return 100.0 * delta / self.parent


class ForkComparison(BaseModel):
    """A parent run and a fork (or any two runs of one workflow), compared."""

    parent_trace_id: str
    fork_trace_id: str
    fork_at: str | None
    """The step the fork went live at (None when the second run is not a fork of the first)."""
    prefix_steps: int
    """Leading aligned steps that are the same in both runs."""
    first_divergence: Divergence | None
    first_divergence_key: str | None
    """The first step that differs: its request, or (same request) its answer."""
    first_change: str | None
    """What changed there, in one line."""
    diverged_at_fork_point: bool
    steps: Figure
    tokens: Figure
    cost_usd: Figure
    latency_ms: Figure
    tools_parent: dict[str, int]
    tools_fork: dict[str, int]
    output_changes: list[FieldChange]
    parent_status: str
    fork_status: str
    verdict: str

    @classmethod
    def of(cls, parent: Recording, other: Recording) -> ForkComparison:
        """Compare ``other`` (a fork) with ``parent``."""
        return cls.from_report(diff_recordings(parent, other), parent, other)

    @classmethod
    def from_report(
        cls, report: DivergenceReport, parent: Recording, other: Recording
    ) -> ForkComparison:
        """The comparison, from the two recordings' divergence report."""
        lineage = lineage_of(other.root_attributes)
        fork_at = (
            lineage.at
            if lineage is not None and lineage.parent_trace_id == parent.trace_id
            else None
        )
        first = report.first
        prefix, first_key, first_summary = _first_change(report, parent, other)
        at_fork = fork_at is not None and first_key is not None and _at_or_under(first_key, fork_at)
        outputs = value_changes(
            "output", normalize(parent.output), normalize(other.output), "output"
        )
        rec, rep = report.recorded, report.replayed
        comparison = cls(
            parent_trace_id=parent.trace_id,
            fork_trace_id=other.trace_id,
            fork_at=fork_at,
            prefix_steps=prefix,
            first_divergence=first,
            first_divergence_key=first_key,
            first_change=first_summary,
            diverged_at_fork_point=at_fork,
            steps=Figure(parent=rec.steps, fork=rep.steps),
            tokens=Figure(
                parent=rec.input_tokens + rec.output_tokens,
                fork=rep.input_tokens + rep.output_tokens,
            ),
            cost_usd=_cost(parent.trajectory, other.trajectory),
            latency_ms=Figure(parent=_latency_ms(parent), fork=_latency_ms(other)),
            tools_parent=_tools(parent.trajectory),
            tools_fork=_tools(other.trajectory),
            output_changes=outputs,
            parent_status=parent.status,
            fork_status=other.status,
            verdict="",
        )
        return comparison.model_copy(update={"verdict": comparison._verdict()})

    # --- the verdict --------------------------------------------------------------------------

    def _verdict(self) -> str:
        if self.fork_at is not None:
            where = f"fork at {self.fork_at}"
        elif self.first_divergence_key is not None:
            where = f"diverged at {self.first_divergence_key}"
        else:
            where = "no step differs"
        parts = [_steps_phrase(self.steps)]
        cost = self.cost_usd.percent
        if cost is not None and round(cost) != 0:
            parts.append(f"{_signed_percent(cost)} cost")
        elif self.cost_usd.delta is None:
            parts.append("cost unknown")
        else:
            parts.append("same cost")
        tools = self.tool_choices()
        if tools:
            parts.append("tools " + ", ".join(tools))
        n = len(self.output_changes)
        parts.append(f"output changed in {n} field{'s' if n != 1 else ''}" if n else "same output")
        if self.parent_status != self.fork_status:
            parts.append(f"status {self.parent_status} → {self.fork_status}")
        return f"{where}: {', '.join(parts)}"

    def tool_choices(self) -> list[str]:
        """How the tool calls moved, per tool: ``+search_notes×2``, ``−word_count``."""
        moved: list[str] = []
        for name in sorted(set(self.tools_parent) | set(self.tools_fork)):
            delta = self.tools_fork.get(name, 0) - self.tools_parent.get(name, 0)
            if delta:
                sign = "+" if delta > 0 else _MINUS
                moved.append(f"{sign}{name}" + (f"×{abs(delta)}" if abs(delta) > 1 else ""))
        return moved

    # --- renderings ---------------------------------------------------------------------------

    def _figure_rows(self) -> list[tuple[str, str, str, str]]:
        rows = [
            ("steps", self.steps, "{:.0f}"),
            ("tokens", self.tokens, "{:,.0f}"),
            ("cost", self.cost_usd, "${:.4f}"),
            ("latency", self.latency_ms, "{:,.0f} ms"),
        ]
        out = []
        for name, figure, fmt in rows:
            out.append(
                (name, _fmt(figure.parent, fmt), _fmt(figure.fork, fmt), _change(figure, fmt))
            )
        out.append(
            (
                "status",
                self.parent_status,
                self.fork_status,
                "same" if self.parent_status == self.fork_status else "changed",
            )
        )
        return out

    def _point_line(self) -> str:
        if self.first_divergence_key is None:
            return "no step differs"
        where = f"step {self.prefix_steps} ({self.first_divergence_key})"
        what = self.first_change or "changed"
        if self.fork_at is None:
            return f"first changed step: {where}: {what}"
        if self.diverged_at_fork_point:
            return f"first changed step: {where}, the fork point: {what}"
        return f"first changed step: {where}, not the fork point {self.fork_at}: {what}"

    def render(self) -> RenderableType:
        """The comparison for a Rich console (trace text made inert)."""
        lines: list[RenderableType] = [
            Text(inert(self.verdict), style="bold"),
            Text(inert(f"same: the first {self.prefix_steps} steps (the prefix)"), style="green"),
            Text(inert(self._point_line()), style="yellow"),
        ]
        for name, parent, fork, change in self._figure_rows():
            lines.append(Text(inert(f"  {name:<8} {parent} → {fork}  ({change})")))
        tools = self.tool_choices()
        lines.append(Text(inert(f"  tools    {', '.join(tools) if tools else 'same choices'}")))
        if self.output_changes:
            lines.append(Text("  output:", style="bold"))
            for field in self.output_changes[:_MAX_FIELDS]:
                lines.append(Text(inert(f"    {field.field}: {_short(field)}")))
            if len(self.output_changes) > _MAX_FIELDS:
                lines.append(Text(f"    … and {len(self.output_changes) - _MAX_FIELDS} more"))
        else:
            lines.append(Text("  output   same"))
        return Group(*lines)

    def to_markdown(self) -> str:
        """The comparison as Markdown, to paste into a pull request."""
        head = f"### {_md(self.verdict)}\n\n"
        head += (
            f"Parent `{self.parent_trace_id[:12]}` → fork `{self.fork_trace_id[:12]}`"
            + (f", forked at `{_code(self.fork_at)}`" if self.fork_at else "")
            + ".\n\n"
        )
        head += f"- **same**: the first {self.prefix_steps} steps (the prefix)\n"
        head += f"- **{_md(self._point_line())}**\n"
        tools = self.tool_choices()
        head += f"- tools: {_md(', '.join(tools)) if tools else 'same choices'}\n\n"
        table = "| | parent | fork | change |\n|---|---:|---:|---:|\n"
        for name, parent, fork, change in self._figure_rows():
            table += f"| {name} | {_md(parent)} | {_md(fork)} | {_md(change)} |\n"
        out = head + table
        if self.output_changes:
            out += "\n| output field | parent | fork |\n|---|---|---|\n"
            for field in self.output_changes[:_MAX_FIELDS]:
                out += (
                    f"| `{_code(field.field)}` | {_md(_value(field.recorded))} "
                    f"| {_md(_value(field.replayed))} |\n"
                )
            if len(self.output_changes) > _MAX_FIELDS:
                out += f"\n… and {len(self.output_changes) - _MAX_FIELDS} more output fields\n"
        else:
            out += "\nOutput: same.\n"
        return out


def _first_change(
    report: DivergenceReport, parent: Recording, other: Recording
) -> tuple[int, str | None, str | None]:
    """Where the runs first differ: the report's first divergent row, or an earlier step
    whose request is the same but whose answer (model output, tool result) is not."""
    first = report.first
    limit = first.position if first is not None else len(report.steps)
    parent_steps = {s.key: s for s in parent.trajectory.steps}
    other_steps = {s.key: s for s in other.trajectory.steps}
    for row in report.steps[:limit]:
        view = row.recorded
        if view is None or view.kind == "agent":
            continue
        a, b = parent_steps.get(view.key), other_steps.get(view.key)
        if a is None or b is None:
            continue
        field = "output" if a.kind == "llm" else "result"
        if normalize(a.answer.get(field)) != normalize(b.answer.get(field)):
            return row.position, a.key, f"{a.label}: same request, its answer changed"
    if first is None:
        return len(report.steps), None, None
    return first.position, first.key, first.summary


def _at_or_under(key: str, fork_at: str) -> bool:
    # The first divergence is the fork step itself, one of its calls, or (fork at a model
    # call) that call.
    return key == fork_at or key.startswith(fork_at + "/") or fork_at.startswith(key + "/")


def _steps_phrase(steps: Figure) -> str:
    delta = int(steps.delta or 0)
    if delta == 0:
        return "same steps"
    word = "step" if abs(delta) == 1 else "steps"
    return f"{abs(delta)} {'fewer' if delta < 0 else 'more'} {word}"


def _signed_percent(value: float) -> str:
    return f"{'+' if value > 0 else _MINUS}{abs(value):.0f}%"


def _fmt(value: float | None, fmt: str) -> str:
    return "—" if value is None else fmt.format(value)


def _change(figure: Figure, fmt: str) -> str:
    delta = figure.delta
    if delta is None:
        return "—"
    if delta == 0:
        return "same"
    shown = fmt.format(abs(delta))
    sign = "+" if delta > 0 else _MINUS
    percent = figure.percent
    return f"{sign}{shown}" + (f", {_signed_percent(percent)}" if percent is not None else "")


def _tools(trajectory: Trajectory) -> dict[str, int]:
    return dict(sorted(Counter(s.name for s in trajectory.steps if s.kind == "tool").items()))


def _cost(parent: Trajectory, fork: Trajectory) -> Figure:
    return Figure(parent=parent.totals()["cost_usd"], fork=fork.totals()["cost_usd"])


def _latency_ms(recording: Recording) -> float | None:
    root = recording.trajectory.root
    if root is None or root.end_ns <= 0:
        return None
    return max(0, root.end_ns - root.start_ns) / 1e6


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _short(change: FieldChange) -> str:
    return f"{_value(change.recorded)} → {_value(change.replayed)}"


def _code(text: str) -> str:
    """Trace text made inert for a Markdown code span (which has no escapes)."""
    return inert(text).replace("`", "'").replace("|", "\\|")


def _md(text: Any) -> str:
    """Trace text made inert and safe in a Markdown table cell."""
    return (
        inert(str(text))
        .replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("<", "&lt;")
        .replace("`", "\\`")
        .replace("*", "\\*")
        .replace("_", "\\_")
    )
