"""How a replay compares its run with the recording: the trajectory and tool-argument modes.

A module of its own, with no imports, so ``tracekit replay --help`` can list the choices
without loading the replay engine.
"""

from __future__ import annotations

from typing import Literal

__all__ = ["TOOL_ARGS_MODES", "TRAJECTORY_MODES", "ToolArgsMode", "TrajectoryMode"]

TrajectoryMode = Literal["strict", "unordered", "subset", "superset"]
ToolArgsMode = Literal["exact", "ignore", "subset"]
TRAJECTORY_MODES: tuple[TrajectoryMode, ...] = ("strict", "unordered", "subset", "superset")
TOOL_ARGS_MODES: tuple[ToolArgsMode, ...] = ("exact", "ignore", "subset")
