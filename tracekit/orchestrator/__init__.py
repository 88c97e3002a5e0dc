"""Static orchestration with typed handoffs: agents are bounded steps, the workflow is code."""

from tracekit.orchestrator.agent import Agent
from tracekit.orchestrator.approval import (
    ApprovalRequest,
    Approver,
    approve_all,
    deny_all,
    interactive_approver,
)
from tracekit.orchestrator.context import Context
from tracekit.orchestrator.limits import CircuitBreaker, Limits, RetryPolicy
from tracekit.orchestrator.overrides import AgentOverrides
from tracekit.orchestrator.tools import Tool, tool
from tracekit.orchestrator.workflow import RunResult, Workflow

__all__ = [
    "Agent",
    "AgentOverrides",
    "ApprovalRequest",
    "Approver",
    "CircuitBreaker",
    "Context",
    "Limits",
    "RetryPolicy",
    "RunResult",
    "Tool",
    "Workflow",
    "approve_all",
    "deny_all",
    "interactive_approver",
    "tool",
]
