"""Replay recorded agent runs as regression tests.

A recorded trace holds every model request and response and every tool argument and result.
:class:`ReplaySession` runs the recorded workflow's code again with each model and tool call
answered from the recording — matched by trajectory position, never by global order — and
returns a :class:`DivergenceReport` that aligns both trajectories step by step and names the
first step where behaviour changed.

>>> from replay import ReplaySession
>>> report = ReplaySession.from_file("run.trace.jsonl").run()  # doctest: +SKIP
>>> print(report.to_text())  # doctest: +SKIP
"""

from replay.player import TOOL_ARGS_MODES, TRAJECTORY_MODES, ToolArgsMode, TrajectoryMode
from replay.recording import Recording
from replay.report import Divergence, DivergenceReport, FieldChange, StepView, Totals
from replay.session import ReplaySession
from replay.trajectory import AlignedStep, Step, Trajectory, align, trajectory_from_spans

__all__ = [
    "TOOL_ARGS_MODES",
    "TRAJECTORY_MODES",
    "AlignedStep",
    "Divergence",
    "DivergenceReport",
    "FieldChange",
    "Recording",
    "ReplaySession",
    "Step",
    "StepView",
    "ToolArgsMode",
    "Totals",
    "Trajectory",
    "TrajectoryMode",
    "align",
    "trajectory_from_spans",
]
