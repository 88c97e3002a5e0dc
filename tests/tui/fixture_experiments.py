"""Three fixed eval experiments in the TUI's fixture store, linked to its fixed runs.

- ``BASELINE`` (doc-pipeline suite): three cases, all pass.
- ``CANDIDATE`` (the same suite, against ``BASELINE``): ``quarterly-report`` passes 25%
  cheaper with a wrong turn (run 5 diverges from run 0 at the tool call), ``writer-error``
  regressed (run 1 failed; its reason holds markup and an escape), ``support-case`` the same.
- ``PARTIAL`` (support-router suite): interrupted after one case.

Written through the store's own experiment writer, as ``tracekit eval`` writes them.
"""

from __future__ import annotations

from pathlib import Path

from tests.tui.fixture_store import HOSTILE_TEXT, T0, trace_id
from tracekit.store import ExperimentCaseRow, ExperimentRow, write_experiment

HOUR = 3_600_000_000_000
BASELINE = "exp-20250615-110000-aaaaaa"
CANDIDATE = "exp-20250615-120000-bbbbbb"
PARTIAL = "exp-20250615-130000-cccccc"
#: The candidate's regressed case: its reason is untrusted text.
HOSTILE_REASON = f"error: ModelError: {HOSTILE_TEXT}"


def _case(
    experiment: str, name: str, position: int, trace: int, **figures: object
) -> ExperimentCaseRow:
    values: dict[str, object] = {
        "experiment_id": experiment,
        "case_name": name,
        "position": position,
        "trace_id": trace_id(trace),
        "status": "ok",
        "passed": True,
        "score": 1.0,
        "steps": 6,
        "input_tokens": 900,
        "output_tokens": 300,
        "cost_usd": 0.004,
        "latency_s": 1.2,
        "tool_precision": 1.0,
        "tool_recall": 1.0,
    }
    values.update(figures)
    return ExperimentCaseRow.model_validate(values)


def _experiment(
    experiment: str,
    suite: str,
    candidate: str,
    hours: int,
    cases: list[ExperimentCaseRow],
    **extra: object,
) -> ExperimentRow:
    runs = len(cases)
    passed = sum(c.passed for c in cases)
    costs = [c.cost_usd for c in cases if c.cost_usd is not None]
    values: dict[str, object] = {
        "experiment_id": experiment,
        "suite": suite,
        "workflow": suite,
        "candidate": candidate,
        "started_ns": T0 + hours * HOUR,
        "finished_ns": T0 + hours * HOUR + 5_000_000_000,
        "cases": runs,
        "runs": runs,
        "passed": passed,
        "success_rate": passed / runs,
        "mean_cost_usd": sum(costs) / len(costs),
        "mean_latency_s": sum(c.latency_s for c in cases) / runs,
    }
    values.update(extra)
    return ExperimentRow.model_validate(values)


def add_experiments(store: Path) -> Path:
    """Write the three experiments into ``store`` (the fixture store); returns ``store``."""
    baseline_cases = [
        _case(BASELINE, "quarterly-report", 0, 0),
        _case(BASELINE, "writer-error", 1, 4, cost_usd=0.005, steps=7, latency_s=2.0),
        _case(BASELINE, "support-case", 2, 2, cost_usd=0.002, steps=4, latency_s=0.9),
    ]
    write_experiment(
        store, _experiment(BASELINE, "doc-pipeline", "baseline", 1, baseline_cases), baseline_cases
    )
    candidate_cases = [
        _case(
            CANDIDATE,
            "quarterly-report",
            0,
            5,
            cost_usd=0.003,
            latency_s=0.9,
            wrong_turns=1,
            verdict="cheaper",
            baseline_trace_id=trace_id(0),
        ),
        _case(
            CANDIDATE,
            "writer-error",
            1,
            1,
            status="error",
            passed=False,
            score=0.0,
            reason=HOSTILE_REASON,
            cost_usd=0.005,
            steps=5,
            latency_s=2.4,
            tool_recall=0.5,
            wrong_turns=2,
            verdict="regressed",
            baseline_trace_id=trace_id(4),
        ),
        _case(
            CANDIDATE,
            "support-case",
            2,
            2,
            cost_usd=0.002,
            steps=4,
            latency_s=0.9,
            wrong_turns=0,
            verdict="same",
            baseline_trace_id=trace_id(2),
        ),
    ]
    write_experiment(
        store,
        _experiment(
            CANDIDATE,
            "doc-pipeline",
            "writer=claude-haiku-4-5",
            2,
            candidate_cases,
            baseline=BASELINE,
        ),
        candidate_cases,
    )
    partial_cases = [_case(PARTIAL, "refund", 0, 2, cost_usd=0.006, tool_precision=0.5)]
    write_experiment(
        store,
        _experiment(PARTIAL, "support-router", "prompt v2", 3, partial_cases, partial=True),
        partial_cases,
    )
    return store
