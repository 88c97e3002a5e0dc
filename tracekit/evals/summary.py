"""The figures of an experiment, the per-case verdicts against a baseline, and the CI gates.

>>> low, high = wilson_interval(9, 10)
>>> round(low, 3), round(high, 3)
(0.596, 0.982)
>>> verdict_of(passed=1.0, base_passed=1.0, score=1.0, base_score=1.0, cost=0.012,
...            base_cost=0.010)
'costlier'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel

from tracekit.evals.process import AgentFigures
from tracekit.evals.results import CaseRun

Verdict = Literal["improved", "regressed", "same", "cheaper", "costlier", "new", "dropped"]

#: A relative cost change below this is "same".
COST_TOLERANCE = 0.05
#: A mean score change below this is "same".
SCORE_TOLERANCE = 0.05


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval (95% by default) of a success rate."""
    if trials <= 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` percentile (0–100, linear interpolation), or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


class Summary(BaseModel):
    """An experiment's headline figures. A cost is None when any run was unpriced."""

    runs: int
    cases: int
    passed: int
    success_rate: float | None
    interval: tuple[float, float] | None = None
    """The Wilson interval of the success rate (when cases were repeated)."""
    mean_score: float | None = None
    mean_cost_usd: float | None = None
    p95_cost_usd: float | None = None
    total_cost_usd: float | None = None
    mean_latency_s: float | None = None
    p95_latency_s: float | None = None
    mean_steps: float | None = None
    total_tokens: int = 0
    tool_precision: float | None = None
    tool_recall: float | None = None
    wrong_turns: int | None = None
    judge_cost_usd: float | None = None
    agents: dict[str, AgentFigures] = {}
    harness_ms_per_case: float | None = None


def summarize(runs: Sequence[CaseRun], *, repeat: int = 1) -> Summary:
    """The figures over ``runs``."""
    costs = [r.cost_usd for r in runs]
    known_costs = [c for c in costs if c is not None]
    cost_known = bool(runs) and len(known_costs) == len(costs)
    latencies = [r.latency_s for r in runs]
    passed = sum(r.passed for r in runs)
    agents: dict[str, AgentFigures] = {}
    for run in runs:
        for name, figures in run.agents.items():
            total = agents.setdefault(name, AgentFigures())
            total.calls += figures.calls
            total.cost_usd += figures.cost_usd
            total.input_tokens += figures.input_tokens
            total.output_tokens += figures.output_tokens
            total.retries += figures.retries
            total.fallbacks += figures.fallbacks
    precisions = [r.tool_precision for r in runs if r.tool_precision is not None]
    recalls = [r.tool_recall for r in runs if r.tool_recall is not None]
    turns = [r.wrong_turns for r in runs if r.wrong_turns is not None]
    judge = [r.judge_cost_usd for r in runs if r.judge_cost_usd is not None]
    scores = [r.score for r in runs if r.score is not None]
    return Summary(
        runs=len(runs),
        cases=len({r.case for r in runs}),
        passed=passed,
        success_rate=passed / len(runs) if runs else None,
        interval=wilson_interval(passed, len(runs)) if repeat > 1 and runs else None,
        mean_score=_mean(scores),
        mean_cost_usd=_mean(known_costs) if cost_known else None,
        p95_cost_usd=percentile(known_costs, 95) if cost_known else None,
        total_cost_usd=sum(known_costs) if cost_known else None,
        mean_latency_s=_mean(latencies),
        p95_latency_s=percentile(latencies, 95),
        mean_steps=_mean([float(r.steps) for r in runs]),
        total_tokens=sum(r.input_tokens + r.output_tokens for r in runs),
        tool_precision=_mean(precisions),
        tool_recall=_mean(recalls),
        wrong_turns=sum(turns) if turns else None,
        judge_cost_usd=sum(judge) if judge else None,
        agents=dict(sorted(agents.items())),
        harness_ms_per_case=_mean([r.harness_ms for r in runs]),
    )


def verdict_of(
    *,
    passed: float,
    base_passed: float,
    score: float | None,
    base_score: float | None,
    cost: float | None,
    base_cost: float | None,
) -> Verdict:
    """Outcome first (pass rate, then mean score), then cost."""
    if passed > base_passed:
        return "improved"
    if passed < base_passed:
        return "regressed"
    if score is not None and base_score is not None:
        if score > base_score + SCORE_TOLERANCE:
            return "improved"
        if score < base_score - SCORE_TOLERANCE:
            return "regressed"
    if cost is not None and base_cost is not None and base_cost > 0:
        change = (cost - base_cost) / base_cost
        if change > COST_TOLERANCE:
            return "costlier"
        if change < -COST_TOLERANCE:
            return "cheaper"
    return "same"


class CaseVerdict(BaseModel):
    """One case across its repeats, against the baseline's runs of it."""

    case: str
    position: int
    verdict: Verdict
    passed: float | None
    """The share of its runs that passed."""
    base_passed: float | None = None
    score: float | None = None
    base_score: float | None = None
    cost_usd: float | None = None
    base_cost_usd: float | None = None
    latency_s: float | None = None
    base_latency_s: float | None = None
    steps: float | None = None
    base_steps: float | None = None
    wrong_turns: int | None = None
    reason: str = ""
    trace_id: str | None = None
    baseline_trace_id: str | None = None
    diff_summary: str | None = None

    @property
    def diff_command(self) -> str | None:
        """The command that shows the step-aligned diff against the baseline trace."""
        if not self.trace_id or not self.baseline_trace_id:
            return None
        return f"tracekit diff {self.baseline_trace_id[:16]} {self.trace_id[:16]}"


def _figures(runs: Sequence[CaseRun]) -> dict[str, float | None]:
    costs = [r.cost_usd for r in runs]
    scores = [r.score for r in runs if r.score is not None]
    return {
        "passed": sum(r.passed for r in runs) / len(runs) if runs else None,
        "score": _mean(scores),
        "cost": _mean([c for c in costs if c is not None]) if None not in costs else None,
        "latency": _mean([r.latency_s for r in runs]),
        "steps": _mean([float(r.steps) for r in runs]),
    }


def case_verdicts(
    runs: Sequence[CaseRun], baseline: dict[str, list[CaseRun]] | None
) -> list[CaseVerdict]:
    """Per case, its verdict against ``baseline`` (``new`` when the baseline lacks it)."""
    by_case: dict[str, list[CaseRun]] = {}
    for run in sorted(runs, key=lambda r: (r.position, r.repeat)):
        by_case.setdefault(run.case, []).append(run)
    verdicts = []
    for name, case_runs in by_case.items():
        now = _figures(case_runs)
        first = case_runs[0]
        failing = next((r for r in case_runs if not r.passed), None)
        base_runs = (baseline or {}).get(name)
        base = _figures(base_runs) if base_runs else None
        verdict: Verdict = "new"
        if base is not None:
            verdict = verdict_of(
                passed=now["passed"] or 0.0,
                base_passed=base["passed"] or 0.0,
                score=now["score"],
                base_score=base["score"],
                cost=now["cost"],
                base_cost=base["cost"],
            )
        turns = [r.wrong_turns for r in case_runs if r.wrong_turns is not None]
        verdicts.append(
            CaseVerdict(
                case=name,
                position=first.position,
                verdict=verdict,
                passed=now["passed"],
                base_passed=base["passed"] if base else None,
                score=now["score"],
                base_score=base["score"] if base else None,
                cost_usd=now["cost"],
                base_cost_usd=base["cost"] if base else None,
                latency_s=now["latency"],
                base_latency_s=base["latency"] if base else None,
                steps=now["steps"],
                base_steps=base["steps"] if base else None,
                wrong_turns=sum(turns) if turns else None,
                reason=failing.reason if failing else "",
                trace_id=first.trace_id,
                baseline_trace_id=first.baseline_trace_id
                or (base_runs[0].trace_id if base_runs else None),
                diff_summary=(failing or first).diff_summary,
            )
        )
    return verdicts


class GateResult(BaseModel):
    """One CI gate: its limit, what was observed, and whether it held."""

    gate: str
    limit: float
    observed: float | None
    passed: bool
    message: str


class Gates(BaseModel):
    """The CI gates asked for (None: not checked). Increases are fractions (0.1 = 10%)."""

    fail_under: float | None = None
    max_regressions: int | None = None
    max_cost_increase: float | None = None
    max_latency_increase: float | None = None

    def check(
        self, summary: Summary, base: Summary | None, verdicts: Sequence[CaseVerdict]
    ) -> list[GateResult]:
        """Every asked gate's result. A gate against a baseline passes (with a note) when
        there is no baseline or the figure is unknown."""
        results: list[GateResult] = []
        if self.fail_under is not None:
            rate = summary.success_rate
            ok = rate is not None and rate >= self.fail_under
            results.append(
                GateResult(
                    gate="fail_under",
                    limit=self.fail_under,
                    observed=rate,
                    passed=ok,
                    message=f"success rate {_pct(rate)} "
                    f"{'≥' if ok else '<'} {_pct(self.fail_under)}",
                )
            )
        if self.max_regressions is not None:
            count = sum(v.verdict == "regressed" for v in verdicts)
            ok = count <= self.max_regressions
            results.append(
                GateResult(
                    gate="max_regressions",
                    limit=self.max_regressions,
                    observed=count,
                    passed=ok,
                    message=f"{count} regressions {'≤' if ok else '>'} {self.max_regressions}",
                )
            )
        for gate, limit, now, then, what in (
            (
                "max_cost_increase",
                self.max_cost_increase,
                summary.mean_cost_usd,
                base.mean_cost_usd if base else None,
                "mean cost",
            ),
            (
                "max_latency_increase",
                self.max_latency_increase,
                summary.mean_latency_s,
                base.mean_latency_s if base else None,
                "mean latency",
            ),
        ):
            if limit is None:
                continue
            change = relative_change(now, then)
            if change is None:
                results.append(
                    GateResult(
                        gate=gate,
                        limit=limit,
                        observed=None,
                        passed=True,
                        message=f"{what} change unknown (no baseline or unpriced): not checked",
                    )
                )
                continue
            ok = change <= limit
            results.append(
                GateResult(
                    gate=gate,
                    limit=limit,
                    observed=change,
                    passed=ok,
                    message=f"{what} {change:+.1%} {'≤' if ok else '>'} +{limit:.0%}",
                )
            )
        return results


def relative_change(now: float | None, then: float | None) -> float | None:
    """``(now - then) / then``, or None when unknown or ``then`` is 0."""
    if now is None or then is None or then == 0:
        return None
    return (now - then) / then


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"
