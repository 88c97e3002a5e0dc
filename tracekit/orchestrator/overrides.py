"""Candidate overrides: run a workflow with another model or other instructions for an agent.

``tracekit eval`` (and ``tracekit fork``) take ``--model AGENT=MODEL`` and
``--instructions AGENT=@file`` (or ``AGENT=text``). They never touch the module-level
:class:`~tracekit.orchestrator.Agent` objects: the overrides are active for one run, through a
context variable that the agent loop reads, so parallel runs with different candidates do not
see each other's (each thread starts with an empty context; a fan-out copies its caller's).

>>> overrides = AgentOverrides.parse(models=["writer=claude-sonnet-4-5"], instructions=[])
>>> overrides.models
{'writer': 'claude-sonnet-4-5'}
>>> with applied(overrides):
...     model_for("writer", None, "claude-haiku-4-5")
'claude-sonnet-4-5'
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from tracekit.exceptions import ConfigError


class AgentOverrides(BaseModel):
    """Per-agent model and instructions that replace the agent's own for a run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    models: dict[str, str] = {}
    instructions: dict[str, str] = {}

    @property
    def empty(self) -> bool:
        """Whether nothing is overridden."""
        return not self.models and not self.instructions

    @classmethod
    def parse(cls, *, models: Sequence[str], instructions: Sequence[str]) -> AgentOverrides:
        """Overrides from ``AGENT=MODEL`` and ``AGENT=@file`` / ``AGENT=text`` arguments.

        Raises ConfigError naming the bad argument (no ``=``, an empty side, an unreadable
        file).
        """
        parsed_models = dict(_pair(text, "--model", "AGENT=MODEL") for text in models)
        parsed_instructions: dict[str, str] = {}
        for text in instructions:
            agent, value = _pair(text, "--instructions", "AGENT=@file")
            if value.startswith("@"):
                path = Path(value[1:])
                try:
                    value = path.read_text(encoding="utf-8").strip()
                except OSError as exc:
                    raise ConfigError(
                        f"--instructions {text}: cannot read {path}: {exc.strerror or exc}"
                    ) from None
            parsed_instructions[agent] = value
        return cls(models=parsed_models, instructions=parsed_instructions)

    def describe(self) -> str:
        """``writer=claude-sonnet-4-5, instructions(billing)`` or ``none``."""
        parts = [f"{agent}={model}" for agent, model in sorted(self.models.items())]
        parts += [f"instructions({agent})" for agent in sorted(self.instructions)]
        return ", ".join(parts) or "none"


def _pair(text: str, flag: str, shape: str) -> tuple[str, str]:
    agent, sep, value = text.partition("=")
    if not sep or not agent.strip() or not value.strip():
        raise ConfigError(f"{flag} {text!r}: expected {shape}")
    return agent.strip(), value.strip()


_active: contextvars.ContextVar[AgentOverrides | None] = contextvars.ContextVar(
    "tracekit_agent_overrides", default=None
)


@contextmanager
def applied(overrides: AgentOverrides | None) -> Iterator[None]:
    """Make ``overrides`` active for the runs started in this context (``None`` keeps what
    is active)."""
    if overrides is None:
        yield
        return
    token = _active.set(overrides)
    try:
        yield
    finally:
        _active.reset(token)


def model_for(agent: str, own: str | None, default: str) -> str:
    """The model an agent runs on: the override, else its own, else the workflow's default."""
    overrides = _active.get()
    if overrides is not None and agent in overrides.models:
        return overrides.models[agent]
    return own or default


def instructions_for(agent: str, own: str) -> str:
    """The instructions an agent runs with: the override, else its own."""
    overrides = _active.get()
    if overrides is not None and agent in overrides.instructions:
        return overrides.instructions[agent]
    return own
