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
from tracekit.orchestrator.checks import ON_CHECK_FAIL, OnCheckFail, agent_checks
from tracekit.orchestrator.limits import CircuitBreaker, RetryPolicy
from tracekit.orchestrator.tools import Tool


class Agent:
    """A named agent.

    ``output`` is a pydantic model (the model must return a valid instance through the
    ``final_result`` tool) or ``str``. ``fallback`` runs with the same input when this agent
    fails (model error after retries, invalid output, tool error, open circuit).
    ``token_budget`` caps the tokens this agent may use in one run; ``model=None`` uses the
    workflow's default model (cheap by default, a bigger one per agent where it matters).

    ``checks`` validate the output beyond its type before anything uses it (see
    :mod:`tracekit.orchestrator.checks`: functions ``fn(output, ctx)`` and
    :func:`~tracekit.orchestrator.checks.reflect` checkpoints); a failed one is retried with
    its reason (``on_check_fail="retry"``, at most ``max_check_retries`` times, then the
    fallback if there is one), handed to the fallback (``"fallback"``) or fails the call
    (``"fail"``: CheckFailedError).

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
        checks: Sequence[Any] = (),
        on_check_fail: OnCheckFail = "retry",
        max_check_retries: int = 2,
    ) -> None:
        if not name or "/" in name:
            raise ConfigError(f"agent name {name!r}: must be non-empty and contain no '/'")
        if on_check_fail not in ON_CHECK_FAIL:
            raise ConfigError(
                f"agent {name!r}: on_check_fail={on_check_fail!r}: choose "
                + ", ".join(ON_CHECK_FAIL)
            )
        if on_check_fail == "fallback" and fallback is None:
            raise ConfigError(f"agent {name!r}: on_check_fail='fallback' needs a fallback agent")
        if max_check_retries < 0:
            raise ConfigError(f"agent {name!r}: max_check_retries must be 0 or more")
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
        self.checks = agent_checks(checks)
        self.on_check_fail: OnCheckFail = on_check_fail
        self.max_check_retries = max_check_retries
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
