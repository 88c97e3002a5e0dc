"""Eval suites: outcome and process of every case, against a baseline, on every change.

A suite is a Python module naming a workflow, its :class:`Case` list and graders; ``tracekit
eval SUITE`` runs every case live, grades the outcome (pass/fail/score with reasons) and the
process (steps, tool-choice precision and recall, wrong turns against the baseline trajectory,
tokens, cost, latency), compares it with a baseline experiment or recorded traces, stores the
experiment and gates CI.

Why not pydantic-evals (Dataset / Case / Evaluator) as the case and evaluator layer: it was
installed and read (2.62). Its current releases need Python ≥ 3.11 (tracekit supports 3.10);
it pulls in pydantic-ai-slim, pydantic-graph, genai-prices, logfire-api, griffelib and PyYAML
and needs pydantic ≥ 2.12 (our floor is 2.7); it takes ~1.5 s to import; its span-based
evaluators read a span tree captured from the *global* tracer provider, while our workflows
record through their own :class:`~tracekit.telemetry.Telemetry` providers, so they would see
no spans; and its process view knows nothing of replay's structural keys and alignment, which
is what wrong turns and the baseline diff are. The shapes are kept close, so a pydantic-evals
user feels at home: a case has a name, inputs and an expected output; an evaluator returns a
bool, a score or a score with a reason.

>>> from tracekit.evals import Case, equals, tool_called
>>> case = Case("refund", {"order_id": "A-1"}, expected="refunded")
>>> [g.name for g in (equals(), tool_called("lookup_order"))]
['equals', 'tool_called(lookup_order)']
"""

from tracekit.evals.baseline import Baseline, load_baseline
from tracekit.evals.cases import PASS_SCORE, Case, CaseResult, Grade, GradeResult
from tracekit.evals.experiment import (
    ExperimentOutcome,
    compare_experiments,
    run_experiment,
)
from tracekit.evals.graders import (
    called_in_order,
    contains,
    equals,
    expected_tools,
    json_field,
    json_fields,
    schema_valid,
    tool_called,
    tool_not_called,
    within_budget,
)
from tracekit.evals.harness import EvalOptions, SuiteRunner
from tracekit.evals.judge import LLMJudge
from tracekit.evals.report import EvalReport
from tracekit.evals.results import CaseRun
from tracekit.evals.suite import Suite, load_suite
from tracekit.evals.summary import CaseVerdict, Gates, Summary, wilson_interval

__all__ = [
    "PASS_SCORE",
    "Baseline",
    "Case",
    "CaseResult",
    "CaseRun",
    "CaseVerdict",
    "EvalOptions",
    "EvalReport",
    "ExperimentOutcome",
    "Gates",
    "Grade",
    "GradeResult",
    "LLMJudge",
    "Suite",
    "SuiteRunner",
    "Summary",
    "called_in_order",
    "compare_experiments",
    "contains",
    "equals",
    "expected_tools",
    "json_field",
    "json_fields",
    "load_baseline",
    "load_suite",
    "run_experiment",
    "schema_valid",
    "tool_called",
    "tool_not_called",
    "wilson_interval",
    "within_budget",
]
