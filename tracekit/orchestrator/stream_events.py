"""What iterating ``ctx.stream(...)`` yields, besides the model's own deltas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracekit.models.streaming import TextDelta, ToolCallEvent


@dataclass(frozen=True, slots=True)
class CheckEvent:
    """A check on the output failed; ``action`` is what comes next (retry, fallback, fail)."""

    check: str
    reason: str
    action: str


@dataclass(frozen=True, slots=True)
class FinalOutput:
    """The last event: the agent's validated output."""

    output: Any


#: What iterating a stream yields.
StreamEvent = TextDelta | ToolCallEvent | CheckEvent | FinalOutput
