"""An experiment's report: the summary with deltas, the per-case verdicts, the gates; rendered
for the terminal (Rich), as Markdown for a pull request (regressions first, each with its diff
summary) and as JSON. Trace text (case names, reasons, diff summaries) goes through
:mod:`tracekit.display` everywhere: it is untrusted."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tracekit.display import inert
from tracekit.evals.results import CaseRun
from tracekit.evals.summary import CaseVerdict, GateResult, Summary, relative_change

_ORDER = {"regressed": 0, "costlier": 1, "improved": 2, "cheaper": 3, "new": 4, "same": 5}


class EvalReport(BaseModel):
    """Everything one ``tracekit eval`` found."""

    experiment_id: str
    suite: str
    workflow: str
    candidate: str
    partial: bool = False
    baseline: str | None = None
    summary: Summary
    baseline_summary: Summary | None = None
    cases: list[CaseVerdict]
    runs: list[CaseRun] = []
    gates: list[GateResult] = []

    @property
    def regressions(self) -> list[CaseVerdict]:
        """The cases whose outcome got worse."""
        return [v for v in self.cases if v.verdict == "regressed"]

    @property
    def gates_passed(self) -> bool:
        """Whether every gate held."""
        return all(g.passed for g in self.gates)

    def to_json(self) -> str:
        """The report as JSON (with each case's diff command)."""
        data = self.model_dump(mode="json")
        for case, verdict in zip(data["cases"], self.cases, strict=True):
            case["diff_command"] = verdict.diff_command
        data["regressions"] = len(self.regressions)
        data["gates_passed"] = self.gates_passed
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    # --- figures ----------------------------------------------------------------------------

    def figure_rows(self) -> list[tuple[str, str, str]]:
        """(figure, value, delta against the baseline) for the summary table."""
        s, b = self.summary, self.baseline_summary
        rate = _pct(s.success_rate)
        if s.interval is not None:
            rate += f" (95% CI {_pct(s.interval[0])}–{_pct(s.interval[1])})"
        rows = [("success rate", rate, _delta_points(s.success_rate, _of(b, "success_rate")))]
        for label, field, shown, delta in _FIGURES:
            value = getattr(s, field)
            rows.append((label, shown(value), delta(value, _of(b, field))))
        wrong_turns = "—" if s.wrong_turns is None else str(s.wrong_turns)
        rows += [("wrong turns", wrong_turns, ""), ("judge cost", _usd(s.judge_cost_usd), "")]
        return rows

    def sorted_cases(self) -> list[CaseVerdict]:
        """Regressions first, then the other changes, then the rest (suite order within)."""
        return sorted(self.cases, key=lambda v: (_ORDER.get(v.verdict, 9), v.position))

    # --- terminal ---------------------------------------------------------------------------

    def render(self) -> RenderableType:
        """The report for the terminal."""
        title = f"eval {self.suite} — candidate {self.candidate} — experiment {self.experiment_id}"
        if self.partial:
            title += " (PARTIAL: interrupted)"
        figures = Table(title=inert(title), title_justify="left")
        figures.add_column("figure")
        figures.add_column("value", justify="right")
        figures.add_column(
            f"Δ vs {inert(self.baseline)}" if self.baseline else "Δ", justify="right"
        )
        for name, value, delta in self.figure_rows():
            figures.add_row(name, value, delta)
        cases = Table(title="cases", title_justify="left")
        for column in (
            "case",
            "verdict",
            "pass",
            "score",
            "cost",
            "Δ cost",
            "steps",
            "turns",
            "why",
        ):
            cases.add_column(
                column, justify="left" if column in ("case", "verdict", "why") else "right"
            )
        for v in self.sorted_cases():
            cases.add_row(
                Text(inert(v.case)),
                Text(v.verdict, style=_STYLE.get(v.verdict, "")),
                _pct(v.passed),
                _num(v.score),
                _usd(v.cost_usd),
                _delta_rel(v.cost_usd, v.base_cost_usd),
                _num(v.steps),
                "—" if v.wrong_turns is None else str(v.wrong_turns),
                Text(inert(v.reason or (v.diff_summary if v.verdict != "same" else "") or "")),
            )
        agents = Table(title="per agent", title_justify="left")
        for column in ("agent", "calls", "cost", "tokens", "retries", "fallbacks"):
            agents.add_column(column, justify="left" if column == "agent" else "right")
        for name, a in self.summary.agents.items():
            agents.add_row(
                Text(inert(name)),
                str(a.calls),
                _usd(a.cost_usd),
                f"{a.input_tokens + a.output_tokens:,}",
                str(a.retries),
                str(a.fallbacks),
            )
        parts: list[RenderableType] = [figures, cases, agents]
        links = [v for v in self.sorted_cases() if v.diff_command and v.verdict != "same"]
        if links:
            parts.append(Text("Step-aligned diffs against the baseline:"))
            parts.extend(Text(f"  {inert(v.case)}: {v.diff_command}") for v in links)
        for gate in self.gates:
            mark = "ok  " if gate.passed else "FAIL"
            parts.append(Text(f"gate {mark} {gate.gate}: {gate.message}"))
        return Group(*parts)

    # --- markdown ---------------------------------------------------------------------------

    def to_markdown(self) -> str:
        """A report made to post on a pull request."""
        lines = [f"## Eval `{_md(self.suite)}`: {_md(self.candidate)}", ""]
        status = "✅ gates passed" if self.gates_passed else "❌ gates failed"
        base = f" against `{_md(self.baseline)}`" if self.baseline else ""
        lines.append(
            f"{status} · experiment `{self.experiment_id}`{base} · "
            f"{len(self.regressions)} regression(s)" + (" · **partial**" if self.partial else "")
        )
        lines += ["", "| figure | value | Δ |", "|---|---:|---:|"]
        lines += [f"| {n} | {v} | {d or ''} |" for n, v, d in self.figure_rows()]
        lines += [
            "",
            "| case | verdict | pass | cost | Δ cost | steps | wrong turns | why |",
            "|---|---|---:|---:|---:|---:|---:|---|",
        ]
        for v in self.sorted_cases():
            lines.append(
                f"| {_md(v.case)} | {v.verdict} | {_pct(v.passed)} | {_usd(v.cost_usd)} | "
                f"{_delta_rel(v.cost_usd, v.base_cost_usd)} | {_num(v.steps)} | "
                f"{'—' if v.wrong_turns is None else v.wrong_turns} | {_md(v.reason)} |"
            )
        if self.regressions:
            lines += ["", "### Regressions", ""]
            for v in self.regressions:
                lines.append(f"- **{_md(v.case)}**: {_md(v.reason) or 'score dropped'}")
                if v.diff_summary:
                    lines.append(f"  - diff: {_md(v.diff_summary)}")
                if v.diff_command:
                    lines.append(f"  - `{v.diff_command}`")
        if self.gates:
            lines += ["", "### Gates", ""]
            lines += [f"- {'✅' if g.passed else '❌'} `{g.gate}`: {g.message}" for g in self.gates]
        return "\n".join(lines) + "\n"


_STYLE = {"regressed": "bold red", "improved": "green", "costlier": "yellow", "cheaper": "cyan"}


def _of(summary: Summary | None, name: str) -> float | None:
    value = getattr(summary, name) if summary is not None else None
    return float(value) if isinstance(value, int | float) else None


def _md(text: Any) -> str:
    return inert(str(text or "")).replace("|", "\\|").replace("\n", " ")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _usd(value: float | None) -> str:
    return "—" if value is None else f"${value:.4f}"


def _secs(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def _delta_rel(now: float | None, then: float | None) -> str:
    change = relative_change(now, then)
    return "" if change is None else f"{change:+.0%}"


def _delta_abs(now: float | None, then: float | None) -> str:
    if now is None or then is None:
        return ""
    return f"{now - then:+.2f}"


def _delta_points(now: float | None, then: float | None) -> str:
    if now is None or then is None:
        return ""
    return f"{(now - then) * 100:+.0f} pts"


_Shown = Callable[[float | None], str]
_Delta = Callable[[float | None, float | None], str]

#: The summary's figures after the success rate: (label, Summary field, how shown, its delta).
_FIGURES: tuple[tuple[str, str, _Shown, _Delta], ...] = (
    ("mean score", "mean_score", _num, _delta_abs),
    ("mean cost", "mean_cost_usd", _usd, _delta_rel),
    ("p95 cost", "p95_cost_usd", _usd, _delta_rel),
    ("mean latency", "mean_latency_s", _secs, _delta_rel),
    ("p95 latency", "p95_latency_s", _secs, _delta_rel),
    ("mean steps", "mean_steps", _num, _delta_abs),
    ("tool precision", "tool_precision", _num, _delta_abs),
    ("tool recall", "tool_recall", _num, _delta_abs),
)
