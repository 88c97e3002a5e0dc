"""Static orchestration with typed handoffs: agents are bounded steps, the workflow is code."""

from tracekit.models.streaming import TextDelta, ToolCallEvent
from tracekit.orchestrator.agent import Agent
from tracekit.orchestrator.approval import (
    ApprovalRequest,
    Approver,
    approve_all,
    deny_all,
    interactive_approver,
)
from tracekit.orchestrator.checks import Check, Verdict, reflect
from tracekit.orchestrator.context import Context
from tracekit.orchestrator.limits import CircuitBreaker, Limits, RetryPolicy
from tracekit.orchestrator.overrides import AgentOverrides
from tracekit.orchestrator.stream_events import CheckEvent, FinalOutput, StreamEvent
from tracekit.orchestrator.streaming import AgentStream
from tracekit.orchestrator.tools import Tool, tool
from tracekit.orchestrator.workflow import RunResult, Workflow

__all__ = [
    "Agent",
    "AgentOverrides",
    "AgentStream",
    "ApprovalRequest",
    "Approver",
    "Check",
    "CheckEvent",
    "CircuitBreaker",
    "Context",
    "FinalOutput",
    "Limits",
    "RetryPolicy",
    "RunResult",
    "StreamEvent",
    "TextDelta",
    "Tool",
    "ToolCallEvent",
    "Verdict",
    "Workflow",
    "approve_all",
    "deny_all",
    "interactive_approver",
    "reflect",
    "tool",
]
