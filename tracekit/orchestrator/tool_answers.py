"""The seam replay uses to answer tool calls from a recording instead of running the tools.

The orchestrator knows nothing about recordings: a run may carry a :class:`ToolAnswers`
(``RunState.tool_answers``), and each tool call first asks it for a :class:`RecordedToolCall`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from tracekit.exceptions import ToolError

if TYPE_CHECKING:
    from tracekit.models.messages import ToolCallPart


@dataclass(frozen=True)
class RecordedToolCall:
    """What a tool call did when it was recorded.

    ``runs_code`` is true when the recorded call handed off to agents (a tool taking the run
    context): such a tool is run again, so the agents it calls are replayed step by step.
    ``approved`` is the recorded approval decision (``None`` when no approval was asked).
    """

    name: str
    result: Any = None
    error: str | None = None
    approved: bool | None = None
    runs_code: bool = False

    def replay(self) -> Any:
        """The recorded result, or the recorded failure raised again as a ToolError."""
        if self.error is not None:
            raise ToolError(self.name, self.error)
        return self.result


class ToolAnswers(Protocol):
    """Answers tool calls from a recording (replay implements it)."""

    def answer(self, invocation: str, call: ToolCallPart) -> RecordedToolCall | None:
        """The recording of this call of the agent call ``invocation``, or ``None`` to run
        the tool for real."""
        ...
