"""What a fork changes from its step on: models, instructions and temperatures per agent, or the
workflow's input.

An override keyed ``"*"`` applies to every agent; a named agent's own override wins over it.
Overrides are checked against the agents the trace called before anything runs, so a typo is
one clear error, not a fork that silently changed nothing.

>>> ForkOverrides(models={"writer": "claude-opus-4-1"}).describe()
'model writer=claude-opus-4-1'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tracekit.exceptions import ForkError
from tracekit.models.base import ModelRequest
from tracekit.models.scripted import FINAL_RESULT_TOOL

#: The key of an override for every agent.
ALL_AGENTS = "*"
#: The part of a structured agent's system prompt that says how to answer (kept by an
#: instructions override: the agent still has to answer through ``final_result``).
_ANSWER_HINT = f"When done, call the {FINAL_RESULT_TOOL} tool with your answer."
#: No input override (``None`` is an input a workflow may take).
_NO_INPUT: Any = None


class ForkOverrides(BaseModel):
    """The changes a fork runs with from its fork point on (agent name or ``"*"`` → value)."""

    model_config = ConfigDict(frozen=True)

    models: dict[str, str] = Field(default_factory=dict)
    instructions: dict[str, str] = Field(default_factory=dict)
    temperature: dict[str, float] = Field(default_factory=dict)
    input: Any = _NO_INPUT
    """The workflow's input instead of the recorded one (the fork then starts at step 0)."""
    has_input: bool = False

    @classmethod
    def of(cls, value: ForkOverrides | Mapping[str, Any] | None) -> ForkOverrides:
        """Overrides from a ForkOverrides or a mapping (``{"models": {...}, "input": ...}``)."""
        if value is None:
            return cls()
        if isinstance(value, ForkOverrides):
            return value
        data = dict(value)
        if "input" in data:
            data["has_input"] = True
        return cls.model_validate(data)

    @property
    def empty(self) -> bool:
        """Whether nothing is overridden."""
        return not (self.models or self.instructions or self.temperature or self.has_input)

    def agents(self) -> set[str]:
        """Every agent an override names (``"*"`` left out)."""
        named = set(self.models) | set(self.instructions) | set(self.temperature)
        return named - {ALL_AGENTS}

    def check_agents(self, known: Iterable[str]) -> None:
        """ForkError when an override names an agent the trace never called."""
        known = set(known)
        unknown = sorted(self.agents() - known)
        if unknown:
            raise ForkError(
                f"override for unknown agent {unknown[0]!r}: the trace's agents are "
                f"{', '.join(sorted(known)) or 'none'}"
            )

    def _for(self, table: Mapping[str, Any], agent: str) -> Any:
        return table.get(agent, table.get(ALL_AGENTS))

    def apply(self, agent: str, request: ModelRequest) -> ModelRequest:
        """``request`` as ``agent`` sends it with the overrides applied."""
        update: dict[str, Any] = {}
        model = self._for(self.models, agent)
        if model is not None:
            update["model"] = model
        instructions = self._for(self.instructions, agent)
        if instructions is not None:
            structured = (request.system or "").endswith(_ANSWER_HINT)
            system = f"{instructions}\n\n{_ANSWER_HINT}".strip() if structured else instructions
            update["system"] = system or None
        temperature = self._for(self.temperature, agent)
        if temperature is not None:
            update["temperature"] = float(temperature)
        return request.model_copy(update=update) if update else request

    def describe(self) -> str:
        """One line: ``model writer=claude-opus-4-1; temperature *=0.2; input``."""
        parts = [f"model {a}={m}" for a, m in sorted(self.models.items())]
        parts += [f"instructions {a}" for a in sorted(self.instructions)]
        parts += [f"temperature {a}={t:g}" for a, t in sorted(self.temperature.items())]
        if self.has_input:
            parts.append("input")
        return "; ".join(parts) or "no overrides"

    def attribute_json(self) -> str:
        """The overrides as the fork's ``tracekit.fork.overrides`` attribute (JSON)."""
        return self.model_dump_json(
            exclude={"has_input"} if self.has_input else {"input", "has_input"}
        )
