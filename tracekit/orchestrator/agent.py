"""An agent: a bounded, typed step — a model, instructions, tools and an output type."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from tracekit.exceptions import ConfigError, OutputValidationError
from tracekit.models.base import ToolSpec
from tracekit.models.scripted import FINAL_RESULT_TOOL
from tracekit.orchestrator.limits import CircuitBreaker, RetryPolicy
from tracekit.orchestrator.tools import Tool


class Agent:
    """A named agent.

    ``output`` is a pydantic model (the model must return a valid instance through the
    ``final_result`` tool) or ``str``. ``fallback`` runs with the same input when this agent
    fails (model error after retries, invalid output, tool error, open circuit).
    ``token_budget`` caps the tokens this agent may use in one run; ``model=None`` uses the
    workflow's default model (cheap by default, a bigger one per agent where it matters).

    >>> from pydantic import BaseModel
    >>> class Plan(BaseModel):
    ...     steps: list[str]
    >>> planner = Agent("planner", instructions="Plan the work.", output=Plan)
    >>> [t.name for t in planner.tool_specs()]
    ['final_result']
    """

    def __init__(
        self,
        name: str,
        *,
        model: str | None = None,
        instructions: str = "",
        tools: Sequence[Callable[..., Any] | Tool] = (),
        output: type[BaseModel] | type[str] = str,
        fallback: Agent | None = None,
        description: str = "",
        max_turns: int = 8,
        token_budget: int | None = None,
        retry: RetryPolicy | None = None,
        circuit_breaker: CircuitBreaker | None = None,
        max_tokens: int = 1024,
        temperature: float | None = None,
    ) -> None:
        if not name or "/" in name:
            raise ConfigError(f"agent name {name!r}: must be non-empty and contain no '/'")
        self.name = name
        self.model = model
        self.instructions = instructions
        self.tools = {t.name: t for t in (Tool.from_function(f) for f in tools)}
        if FINAL_RESULT_TOOL in self.tools:
            raise ConfigError(f"agent {name!r}: the tool name {FINAL_RESULT_TOOL!r} is reserved")
        self.output = output
        self.fallback = fallback
        self.description = description
        self.max_turns = max_turns
        self.token_budget = token_budget
        self.retry = retry or RetryPolicy()
        self.circuit_breaker = circuit_breaker or CircuitBreaker()
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.id = "agent_" + hashlib.sha1(name.encode()).hexdigest()[:12]
        self._tool_specs: list[ToolSpec] | None = None

    def __repr__(self) -> str:
        return f"Agent({self.name!r}, model={self.model!r})"

    @property
    def structured(self) -> bool:
        """Whether the output is a pydantic model (returned through ``final_result``)."""
        return self.output is not str

    def tool_specs(self) -> list[ToolSpec]:
        """The tools offered to the model, ``final_result`` last for structured output."""
        # Built once: JSON-schema generation is the costliest part of a step otherwise.
        if self._tool_specs is None:
            self._tool_specs = self._build_tool_specs()
        return self._tool_specs

    def _build_tool_specs(self) -> list[ToolSpec]:
        specs = [t.spec for t in self.tools.values()]
        if self.structured:
            assert issubclass(self.output, BaseModel)
            specs.append(
                ToolSpec(
                    name=FINAL_RESULT_TOOL,
                    description=f"Return the final {self.output.__name__} and finish.",
                    input_schema=self.output.model_json_schema(),
                )
            )
        return specs

    def system_prompt(self, instructions: str | None = None) -> str:
        """Instructions (``instructions`` in place of the agent's own, for a candidate),
        plus how to answer when the output is structured."""
        text = self.instructions if instructions is None else instructions
        if not self.structured:
            return text
        hint = f"When done, call the {FINAL_RESULT_TOOL} tool with your answer."
        return f"{text}\n\n{hint}".strip()

    def parse_output(self, value: Any) -> Any:
        """Validate the model's answer against ``output``; raise OutputValidationError."""
        if not self.structured:
            return value if isinstance(value, str) else json.dumps(value)
        assert issubclass(self.output, BaseModel)
        try:
            if isinstance(value, str):
                return self.output.model_validate_json(value)
            return self.output.model_validate(value)
        except ValidationError as exc:
            details = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in exc.errors()
            )
            raise OutputValidationError(self.name, details) from exc
