"""Replay recorded agent runs as regression tests.

A recorded trace holds every model request and response and every tool argument and result.
:class:`ReplaySession` runs the recorded workflow's code again with each model and tool call
answered from the recording — matched by trajectory position, never by global order — and
returns a :class:`DivergenceReport` that aligns both trajectories step by step and names the
first step where behaviour changed. Apps that call the Anthropic SDK directly, without the
orchestrator, are recorded and replayed at the HTTP level by :mod:`replay.http`.

>>> from replay import ReplaySession
>>> report = ReplaySession.from_file("run.trace.jsonl").run()  # doctest: +SKIP
>>> print(report.to_text())  # doctest: +SKIP
"""

from replay.changes import FieldChange
from replay.fork import ForkRun, ForkSession, fork
from replay.fork_diff import ForkComparison
from replay.overrides import ForkOverrides
from replay.player import TOOL_ARGS_MODES, TRAJECTORY_MODES, ToolArgsMode, TrajectoryMode
from replay.recording import Recording
from replay.report import BudgetBreach, Divergence, DivergenceReport, RunOutcome, StepView, Totals
from replay.session import ReplaySession
from replay.trajectory import AlignedStep, Step, Trajectory, align, trajectory_from_spans
from tracekit.lazy import lazy_exports

# The Anthropic SDK takes about a second to import: its replay API loads on first use.
_LAZY = {
    "AnthropicRecorder": "replay.http.anthropic_sdk",
    "AnthropicReplayer": "replay.http.anthropic_sdk",
    "UnmatchedAnthropicRequest": "replay.http.anthropic_sdk",
}


__getattr__ = lazy_exports(__name__, _LAZY)


__all__ = [
    "TOOL_ARGS_MODES",
    "TRAJECTORY_MODES",
    "AlignedStep",
    "AnthropicRecorder",
    "AnthropicReplayer",
    "BudgetBreach",
    "Divergence",
    "DivergenceReport",
    "FieldChange",
    "ForkComparison",
    "ForkOverrides",
    "ForkRun",
    "ForkSession",
    "Recording",
    "ReplaySession",
    "RunOutcome",
    "Step",
    "StepView",
    "ToolArgsMode",
    "Totals",
    "Trajectory",
    "TrajectoryMode",
    "UnmatchedAnthropicRequest",
    "align",
    "fork",
    "trajectory_from_spans",
]
