"""An experiment: one suite run with one candidate, compared with a baseline, stored.

:func:`run_experiment` is what ``tracekit eval`` and the pytest plugin call;
:func:`compare_experiments` is ``tracekit experiments compare A B``.
"""

from __future__ import annotations

import secrets
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tracekit.evals.baseline import Baseline, _case_run, load_baseline
from tracekit.evals.cases import CaseResult
from tracekit.evals.harness import EvalOptions, SuiteRunner, eval_telemetry
from tracekit.evals.report import EvalReport
from tracekit.evals.results import CaseRun
from tracekit.evals.suite import Suite
from tracekit.evals.summary import Gates, case_verdicts, summarize
from tracekit.exceptions import SuiteError
from tracekit.store import ExperimentCaseRow, ExperimentRow, TraceStore, write_experiment


def new_experiment_id() -> str:
    """``exp-20261201-142233-3fa9c1``: sorts by time, unique enough to type a prefix."""
    return f"exp-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"


def git_commit(folder: Path | None = None) -> str | None:
    """The current git commit of ``folder`` (the working directory), or None."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = done.stdout.strip()
    return commit if done.returncode == 0 and commit else None


@dataclass
class ExperimentOutcome:
    """What :func:`run_experiment` returns: the report and whether Ctrl-C cut it short."""

    report: EvalReport
    interrupted: bool


def check_graders(runs: Sequence[CaseRun]) -> None:
    """Raise SuiteError when one grader raised on every run it graded (a broken grader, not
    a failing candidate)."""
    errors: dict[str, list[str | None]] = {}
    for run in runs:
        for grade in run.grades:
            errors.setdefault(grade.grader, []).append(grade.error)
    for grader, seen in errors.items():
        if seen and all(seen):
            raise SuiteError(f"grader {grader} raised on every case: {seen[0]}")


def run_experiment(
    suite: Suite,
    *,
    store: Path,
    options: EvalOptions,
    candidate: str = "",
    baseline: str | None = None,
    gates: Gates | None = None,
    on_run: Callable[[CaseRun, int], None] | None = None,
    experiment_id: str | None = None,
    save: bool = True,
) -> ExperimentOutcome:
    """Run ``suite``, grade it, compare it with ``baseline``, store it and report.

    Raises SuiteError for a grader that raised on every case (nothing is stored then),
    ConfigError for a baseline that cannot be found.
    """
    telemetry, collector = eval_telemetry(store)
    runner = SuiteRunner(suite, options, telemetry, collector)

    def grade(result: CaseResult, position: int) -> CaseRun:
        return runner.grade(result, position)

    base: Baseline | None = load_baseline(baseline, store, suite, grade) if baseline else None
    runner.baseline = base
    try:
        outcome = runner.run(on_run)
    finally:
        telemetry.shutdown()
    if outcome.runs and not outcome.interrupted:
        check_graders(outcome.runs)
    overrides = options.overrides
    label = candidate or (overrides.describe() if overrides and not overrides.empty else "")
    report = build_report(
        experiment_id or new_experiment_id(),
        suite.name,
        suite.workflow.name,
        label or "workflow",
        outcome.runs,
        base,
        repeat=options.repeat,
        partial=outcome.interrupted,
        gates=gates,
    )
    if save:
        store_experiment(store, report, outcome.started_ns, outcome.finished_ns, options)
    return ExperimentOutcome(report, outcome.interrupted)


def build_report(
    experiment_id: str,
    suite: str,
    workflow: str,
    candidate: str,
    runs: Sequence[CaseRun],
    baseline: Baseline | None,
    *,
    repeat: int = 1,
    partial: bool = False,
    gates: Gates | None = None,
) -> EvalReport:
    """The report of ``runs`` against ``baseline``."""
    summary = summarize(runs, repeat=repeat)
    base_summary = (
        summarize(baseline.all_runs, repeat=max(len(r) for r in baseline.runs.values()))
        if baseline and baseline.runs
        else None
    )
    verdicts = case_verdicts(runs, baseline.runs if baseline else None)
    return EvalReport(
        experiment_id=experiment_id,
        suite=suite,
        workflow=workflow,
        candidate=candidate,
        partial=partial,
        baseline=baseline.label if baseline else None,
        summary=summary,
        baseline_summary=base_summary,
        cases=verdicts,
        runs=list(runs),
        gates=(gates or Gates()).check(summary, base_summary, verdicts),
    )


def store_experiment(
    store: Path, report: EvalReport, started_ns: int, finished_ns: int, options: EvalOptions
) -> None:
    """Write the experiment row and one row per case × repeat."""
    verdicts = {v.case: v.verdict for v in report.cases}
    overrides = options.overrides.model_dump() if options.overrides else {}
    s = report.summary
    row = ExperimentRow(
        experiment_id=report.experiment_id,
        suite=report.suite,
        workflow=report.workflow,
        candidate=report.candidate,
        overrides=overrides,
        git_commit=git_commit(),
        started_ns=started_ns,
        finished_ns=finished_ns,
        partial=report.partial,
        repeat=options.repeat,
        baseline=report.baseline,
        cases=s.cases,
        runs=s.runs,
        passed=s.passed,
        success_rate=s.success_rate,
        mean_cost_usd=s.mean_cost_usd,
        mean_latency_s=s.mean_latency_s,
        judge_cost_usd=s.judge_cost_usd,
        summary=s.model_dump(mode="json"),
    )
    cases = [
        ExperimentCaseRow(
            experiment_id=report.experiment_id,
            case_name=run.case,
            position=run.position,
            repeat=run.repeat,
            trace_id=run.trace_id,
            status=run.status,
            passed=run.passed,
            score=run.score,
            reason=run.reason,
            steps=run.steps,
            input_tokens=run.input_tokens,
            output_tokens=run.output_tokens,
            cost_usd=run.cost_usd,
            latency_s=run.latency_s,
            tool_precision=run.tool_precision,
            tool_recall=run.tool_recall,
            wrong_turns=run.wrong_turns,
            judge_cost_usd=run.judge_cost_usd,
            verdict=verdicts.get(run.case),
            baseline_trace_id=run.baseline_trace_id,
            detail={
                "grades": [g.model_dump(mode="json") for g in run.grades],
                "tools_called": run.tools_called,
                "agents": {k: v.model_dump() for k, v in run.agents.items()},
                "error": run.error,
                "diff_summary": run.diff_summary,
            },
        )
        for run in report.runs
    ]
    write_experiment(store, row, cases)


def load_runs(store: Path, reference: str) -> tuple[ExperimentRow, list[CaseRun]]:
    """A stored experiment and its runs."""
    experiment, rows = TraceStore(store).get_experiment(reference)
    runs = []
    for row in rows:
        run = _case_run(row)
        run.baseline_trace_id = row.baseline_trace_id
        run.diff_summary = (row.detail or {}).get("diff_summary")
        runs.append(run)
    return experiment, runs


def compare_experiments(store: Path, a: str, b: str) -> EvalReport:
    """Experiment ``b`` as the candidate against ``a`` as the baseline."""
    first, first_runs = load_runs(store, a)
    second, second_runs = load_runs(store, b)
    baseline = Baseline(first.experiment_id, {}, {}, first.experiment_id)
    for run in first_runs:
        baseline.runs.setdefault(run.case, []).append(run)
    for run in second_runs:
        base = baseline.runs.get(run.case)
        if base and base[0].trace_id:
            run.baseline_trace_id = base[0].trace_id
    return build_report(
        second.experiment_id,
        second.suite,
        second.workflow,
        second.candidate,
        second_runs,
        baseline,
        repeat=second.repeat,
        partial=second.partial,
    )
