"""The result of one case × repeat, as reports show it and the store keeps it."""

from __future__ import annotations

from pydantic import BaseModel

from tracekit.evals.cases import GradeResult
from tracekit.evals.process import AgentFigures


class CaseRun(BaseModel):
    """One case × repeat: its outcome (graded) and process figures."""

    case: str
    position: int
    repeat: int
    trace_id: str | None = None
    status: str
    """ok, stopped (a limit), error, timeout or interrupted."""
    passed: bool
    score: float | None = None
    reason: str = ""
    grades: list[GradeResult] = []
    steps: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    latency_s: float = 0.0
    tools_called: list[str] = []
    tool_precision: float | None = None
    tool_recall: float | None = None
    wrong_turns: int | None = None
    baseline_trace_id: str | None = None
    diff_summary: str | None = None
    judge_cost_usd: float | None = None
    agents: dict[str, AgentFigures] = {}
    error: str | None = None
    harness_ms: float = 0.0
    """The harness's own time for this run (beyond the workflow's)."""
