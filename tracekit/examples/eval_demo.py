"""The demo's eval: the support-router suite run offline as a baseline, then as a candidate.

``tracekit demo`` writes the suite (a copy of :mod:`tracekit.examples.support_router_eval`,
for the user to read and edit) and the candidate's changed billing prompt into a folder beside
the store, then runs the suite twice into the store: as the baseline, and with the changed
prompt against it. The candidate is cheaper (it skips the order lookup) and refunds the wrong
amount, so the comparison shows regressions and a cost change. Both runs are offline (the
suite's scripted model), also when the rest of the demo is live.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tracekit.evals import EvalOptions, EvalReport, load_suite, run_experiment
from tracekit.examples import support_router_eval
from tracekit.orchestrator import AgentOverrides

SUITE_FILE = "support_router_eval.py"
PROMPT_FILE = "billing_prompt.txt"
#: The candidate's name in reports and in the experiments list.
CANDIDATE = "billing prompt: refund without lookup"


@dataclass(frozen=True)
class EvalDemo:
    """What the demo's eval wrote and found."""

    suite_file: Path
    prompt_file: Path
    baseline: EvalReport
    candidate: EvalReport
    """The candidate's report against the baseline (its verdicts and deltas)."""


def eval_folder(store: Path) -> Path:
    """Where the demo writes its suite: ``tracekit-eval/`` beside ``tracekit.duckdb``."""
    return store.parent / f"{store.stem}-eval"


def write_suite(folder: Path) -> tuple[Path, Path]:
    """Write the suite module and the candidate's prompt into ``folder``; return their paths."""
    folder.mkdir(exist_ok=True)
    suite_file = folder / SUITE_FILE
    suite_file.write_text(
        Path(support_router_eval.__file__).read_text(encoding="utf-8"), encoding="utf-8"
    )
    prompt_file = folder / PROMPT_FILE
    prompt_file.write_text(support_router_eval.CANDIDATE_BILLING_PROMPT + "\n", encoding="utf-8")
    return suite_file, prompt_file


def run_eval_demo(store: Path, *, concurrency: int = 4) -> EvalDemo:
    """Write the suite beside ``store`` and run it there twice: baseline, then candidate.

    Raises SuiteError / StoreError (one line) when the suite cannot run or be stored.
    """
    suite_file, prompt_file = write_suite(eval_folder(store))
    suite = load_suite(str(suite_file))
    baseline = run_experiment(
        suite, store=store, options=EvalOptions(concurrency=concurrency), candidate="baseline"
    )
    overrides = AgentOverrides.parse(models=[], instructions=[f"billing=@{prompt_file}"])
    candidate = run_experiment(
        suite,
        store=store,
        options=EvalOptions(concurrency=concurrency, overrides=overrides),
        candidate=CANDIDATE,
        baseline=baseline.report.experiment_id,
    )
    return EvalDemo(suite_file, prompt_file, baseline.report, candidate.report)
