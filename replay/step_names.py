"""Naming a step of a recorded run, as the replay report and ``tracekit show`` name it.

A step is named by its position in the trajectory (the report's ``#`` column: ``0``, ``7``), or
by its key: an agent call such as ``writer#2`` (the third call of ``writer`` by its parent) or
``supervisor#0/billing#1``, a model call such as ``writer#2/llm[1]``, a tool call such as
``writer#2/tool[0]``. A nested agent call may be named by the end of its key when that is
unique (``billing#1``). This is the one place a step name is parsed.
"""

from __future__ import annotations

from dataclasses import dataclass

from replay.trajectory import Step, Trajectory
from tracekit.exceptions import ForkError

_SHOWN = 8


@dataclass(frozen=True)
class StepRef:
    """A step of a trajectory, found by name: its position and the step itself."""

    position: int
    step: Step

    @property
    def name(self) -> str:
        """The step's key: how reports and forks name it (``writer#2/llm[1]``)."""
        return self.step.key


def step_name(step: Step) -> str:
    """The name a step goes by in reports, ``show`` and ``fork --at``: its key."""
    return step.key


def resolve_step(trajectory: Trajectory, at: str | int) -> StepRef:
    """The step ``at`` names (a position or a key); ForkError, naming what exists, if none."""
    steps = trajectory.steps
    if not steps:
        raise ForkError("the trace has no steps to fork at")
    text = str(at).strip()
    if isinstance(at, int) or text.isdigit():
        position = int(text)
        if position >= len(steps):
            raise ForkError(f"no step {position} in the trace: it has steps 0 to {len(steps) - 1}")
        return StepRef(position, steps[position])
    exact = [i for i, s in enumerate(steps) if s.key == text]
    if not exact:
        exact = [i for i, s in enumerate(steps) if s.key.endswith("/" + text)]
    if len(exact) == 1:
        return StepRef(exact[0], steps[exact[0]])
    if len(exact) > 1:
        keys = ", ".join(steps[i].key for i in exact[:_SHOWN])
        raise ForkError(f"step {text!r} is ambiguous: it could be {keys}")
    agent = text.split("/")[-1].split("#", 1)[0]
    agents = sorted({s.agent for s in steps if s.kind == "agent"})
    if agent and "#" in text and agent not in agents:
        raise ForkError(
            f"agent {agent!r} is not in the trace (its agents: {', '.join(agents) or 'none'})"
        )
    calls = [s.key for s in steps if s.kind == "agent"]
    shown = ", ".join(calls[:_SHOWN]) + (", …" if len(calls) > _SHOWN else "")
    raise ForkError(
        f"no step {text!r} in the trace (give a position 0-{len(steps) - 1}, an agent call "
        f"such as {shown or 'writer#0'}, or a model call such as "
        f"{(calls[0] if calls else 'writer#0')}/llm[0])"
    )


def agents_of(trajectory: Trajectory) -> list[str]:
    """The names of the agents the trajectory called, sorted."""
    return sorted({s.agent for s in trajectory.steps if s.kind == "agent"})
