"""Eval overhead: the harness's own milliseconds per case, beyond the workflow's.

The shipped support-router suite runs offline (the scripted model answers at once) into a
fresh store: once as the baseline (not timed), then as a candidate with the changed billing
prompt against that baseline, as ``tracekit eval … --baseline latest --instructions
billing=@…`` runs it. The figure is the suite run's wall time less the workflow runs' own
time, per case: taking each run's spans, building its trajectory, grading the outcome and
the process, aligning it with the baseline trace for the wrong turns and the diff summary,
and the thread pool around it all. Reading the baseline and storing the experiment happen
once per suite, not per case, and are left out.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

#: Runs per case in one measured suite run (the suite has four cases).
REPEAT = 10


def measure_eval_overhead(repeat: int = REPEAT) -> dict[str, float]:
    """``eval_overhead_ms_per_case``: one candidate suite run of ``4 × repeat`` cases
    against a stored baseline, at concurrency 1."""
    from tracekit.evals.baseline import load_baseline
    from tracekit.evals.experiment import run_experiment
    from tracekit.evals.harness import EvalOptions, SuiteRunner, eval_telemetry
    from tracekit.evals.suite import load_suite
    from tracekit.examples.support_router_eval import CANDIDATE_BILLING_PROMPT
    from tracekit.orchestrator import AgentOverrides

    suite = load_suite("tracekit.examples.support_router_eval")
    with tempfile.TemporaryDirectory(prefix="tracekit-eval-bench-") as tmp:
        store = Path(tmp) / "eval.duckdb"
        run_experiment(suite, store=store, options=EvalOptions())
        prompt = Path(tmp) / "billing_prompt.txt"
        prompt.write_text(CANDIDATE_BILLING_PROMPT, encoding="utf-8")
        overrides = AgentOverrides.parse(models=[], instructions=[f"billing=@{prompt}"])
        telemetry, collector = eval_telemetry(store)
        try:
            options = EvalOptions(concurrency=1, repeat=repeat, overrides=overrides)
            runner = SuiteRunner(suite, options, telemetry, collector)
            runner.baseline = load_baseline("latest", store, suite, runner.grade)
            started = time.perf_counter()
            outcome = runner.run()
            wall_s = time.perf_counter() - started
        finally:
            telemetry.shutdown()
    runs = outcome.runs
    if not runs or any(run.wrong_turns is None for run in runs):
        raise AssertionError("the benchmark suite did not run against its baseline")
    workflow_s = sum(run.latency_s for run in runs)
    return {"eval_overhead_ms_per_case": max(0.0, wall_s - workflow_s) * 1000 / len(runs)}
