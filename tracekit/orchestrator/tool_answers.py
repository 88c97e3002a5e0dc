"""The seam replay uses to answer a run from a recording instead of the world.

The orchestrator knows nothing about recordings: a run may carry a :class:`ToolAnswers`
(``RunState.tool_answers``). Each tool call first asks it for a :class:`RecordedToolCall`; each
agent call asks it what the circuit breaker decided, and each model call whether the response
cache answered — state that outlives a run is an input of the run, so replay reproduces it
instead of reading the process's breakers and cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from tracekit.exceptions import ToolError
from tracekit.orchestrator.limits import BreakerState

if TYPE_CHECKING:
    from tracekit.models.messages import ToolCallPart


@dataclass(frozen=True)
class RecordedToolCall:
    """What a tool call did when it was recorded.

    ``runs_code`` is true when the recorded call handed off to agents: such a tool (like any
    tool taking the run context, which may write the shared state) is run again, so the
    agents it calls are replayed step by step.
    ``approved`` is the recorded approval decision (``None`` when no approval was asked).
    ``live`` asks for the tool to run for real; its result is then compared with ``result``.
    """

    name: str
    result: Any = None
    error: str | None = None
    approved: bool | None = None
    runs_code: bool = False
    live: bool = False

    def replay(self) -> Any:
        """The recorded result, or the recorded failure raised again as a ToolError."""
        if self.error is not None:
            raise ToolError(self.name, self.error)
        return self.result


class ToolAnswers(Protocol):
    """Answers tool calls from a recording (replay implements it)."""

    in_place: bool
    """Whether every model and tool call of the run is answered from the recording (no live
    model, no live tool): a fan-out (``Context.map``) of an agent whose tools do not run again
    then runs its calls one after another on the caller's thread, since handing a call
    answered at once to a pool thread costs more than the call (and on a loaded machine,
    waits for that thread to be scheduled)."""

    def answer(self, invocation: str, call: ToolCallPart) -> RecordedToolCall | None:
        """The recording of this call of the agent call ``invocation``, or ``None`` to run
        the tool for real."""
        ...

    def breaker_state(self, call_key: str, invocation: str = "") -> BreakerState | None:
        """What the breaker said at the agent call ``call_key`` (``invocation``: its
        ``path#sequence``) when it was recorded (``None``: not recorded; closed)."""
        ...

    def cache_hit(self) -> bool:
        """Whether the model call about to be made was answered by the response cache."""
        ...
