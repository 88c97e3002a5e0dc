"""Process measures of one run: how it reached its outcome.

- tool choice: *precision* is the share of the distinct tools called that the case expected
  (when it lists only forbidden ``!tools``: the share that are not forbidden); *recall* the
  share of the expected tools that were called. With no ``expected_tools`` both
  are None (unknown, not 0); a run that called no tool has precision 1.0 (it chose nothing
  wrong).
- wrong turns: the handoffs and tool calls (and decisions: approvals, tool results, stops)
  that depart from the baseline run of the same case, counted with replay's trajectory
  alignment in its ``unordered`` mode — a changed prompt alone is not a wrong turn, a
  different tool or agent is.
- per agent: cost, tokens, retries and fallbacks, read from the trajectory's spans.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from pydantic import BaseModel

from replay.compare import divergent_positions
from replay.trajectory import AlignedStep, Step, Trajectory, align
from tracekit import semconv as sc
from tracekit.evals.cases import Case
from tracekit.models.scripted import FINAL_RESULT_TOOL


class AgentFigures(BaseModel):
    """One agent's share of a run."""

    calls: int = 0
    cost_usd: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    retries: int = 0
    fallbacks: int = 0


def tools_called(trajectory: Trajectory | None) -> list[str]:
    """Every tool call of the run in order (``final_result`` left out)."""
    if trajectory is None:
        return []
    return [s.name for s in trajectory.steps if s.kind == "tool" and s.name != FINAL_RESULT_TOOL]


def tool_choice(case: Case, called: Sequence[str]) -> tuple[float | None, float | None]:
    """Tool-choice (precision, recall) of ``called`` against the case's ``expected_tools``."""
    if not case.expected_tools:
        return None, None
    required, forbidden = set(case.required_tools), set(case.forbidden_tools)
    chosen = set(called)
    if not chosen:
        precision = 1.0
    elif required:
        # Every tool the case did not expect is a wrong choice (a forbidden one included).
        precision = len(chosen & required) / len(chosen)
    else:
        precision = 1 - len(chosen & forbidden) / len(chosen)
    recall = len(chosen & required) / len(required) if required else None
    return precision, recall


def agent_figures(trajectory: Trajectory | None) -> dict[str, AgentFigures]:
    """Per agent: calls, cost, tokens, retries and fallbacks."""
    figures: dict[str, AgentFigures] = defaultdict(AgentFigures)
    if trajectory is None:
        return {}
    for step in trajectory.steps:
        agent = figures[step.agent]
        if step.kind == "agent":
            agent.calls += 1
        elif step.kind == "llm":
            # A model call without a recorded cost (an unpriced model) adds nothing here;
            # replay's totals say when a sum leaves such calls out.
            agent.cost_usd += step.cost_usd or 0.0
            agent.input_tokens += step.input_tokens
            agent.output_tokens += step.output_tokens
        for event in step.span.events if step.span is not None else ():
            if event.name == sc.EVENT_RETRY:
                agent.retries += 1
            elif event.name == sc.EVENT_FALLBACK:
                agent.fallbacks += 1
    return dict(figures)


def wrong_turns(baseline: Sequence[Step], run: Sequence[Step]) -> int:
    """How many handoffs, tool calls and decisions of ``run`` depart from ``baseline``."""
    return aligned_wrong_turns(align(baseline, run))


def aligned_wrong_turns(aligned: Sequence[AlignedStep]) -> int:
    """:func:`wrong_turns` of two trajectories already aligned (by
    :func:`~replay.trajectory.align`): the harness aligns once for this and the diff."""
    return len(divergent_positions(aligned, mode="unordered", tool_args="exact"))


def cost_known(trajectory: Trajectory | None) -> bool:
    """Whether every model call of the run was priced (else its cost is unknown)."""
    if trajectory is None:
        return True
    for step in trajectory.steps:
        span = step.span
        if step.kind == "llm" and span is not None and sc.TRACEKIT_COST_USD not in span.attributes:
            return False
    return True
