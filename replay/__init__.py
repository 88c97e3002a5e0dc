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

from typing import TYPE_CHECKING

from replay.modes import TOOL_ARGS_MODES, TRAJECTORY_MODES, ToolArgsMode, TrajectoryMode
from tracekit.lazy import lazy_exports

if TYPE_CHECKING:
    from replay.changes import FieldChange
    from replay.fork import ForkRun, ForkSession, fork
    from replay.fork_diff import ForkComparison
    from replay.http.anthropic_sdk import (
        AnthropicRecorder,
        AnthropicReplayer,
        UnmatchedAnthropicRequest,
    )
    from replay.overrides import ForkOverrides
    from replay.recording import Recording
    from replay.report import (
        BudgetBreach,
        Divergence,
        DivergenceReport,
        RunOutcome,
        StepView,
        Totals,
    )
    from replay.session import ReplaySession
    from replay.trajectory import AlignedStep, Step, Trajectory, align, trajectory_from_spans

# Each name loads its module on first use: `tracekit replay --help` and the pytest plugin's
# start-up need none of the engine, and the Anthropic SDK takes about a second to import.
_FORK = "replay.fork"
_HTTP = "replay.http.anthropic_sdk"
_REPORT = "replay.report"
_TRAJECTORY = "replay.trajectory"
__getattr__ = lazy_exports(
    __name__,
    {
        "AlignedStep": _TRAJECTORY,
        "AnthropicRecorder": _HTTP,
        "AnthropicReplayer": _HTTP,
        "BudgetBreach": _REPORT,
        "Divergence": _REPORT,
        "DivergenceReport": _REPORT,
        "FieldChange": "replay.changes",
        "ForkComparison": "replay.fork_diff",
        "ForkOverrides": "replay.overrides",
        "ForkRun": _FORK,
        "ForkSession": _FORK,
        "Recording": "replay.recording",
        "ReplaySession": "replay.session",
        "RunOutcome": _REPORT,
        "Step": _TRAJECTORY,
        "StepView": _REPORT,
        "Totals": _REPORT,
        "Trajectory": _TRAJECTORY,
        "UnmatchedAnthropicRequest": _HTTP,
        "align": _TRAJECTORY,
        "fork": _FORK,
        "trajectory_from_spans": _TRAJECTORY,
    },
)


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
