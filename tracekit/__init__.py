"""tracekit: observability and trace replay for LLM agent runs.

Write a workflow with :class:`Agent` and :class:`Workflow`; every agent call, LLM call, tool
call and handoff is recorded as OpenTelemetry GenAI spans into a local DuckDB store.
"""

from tracekit.exceptions import TracekitError
from tracekit.models import AnthropicModel, ModelRouter, ResponseCache, ScriptedModel
from tracekit.orchestrator import (
    Agent,
    ApprovalRequest,
    CircuitBreaker,
    Context,
    Limits,
    RetryPolicy,
    RunResult,
    Tool,
    Workflow,
    approve_all,
    deny_all,
    tool,
)
from tracekit.pricing import ModelPrice, PriceTable
from tracekit.telemetry import Telemetry, configure

__all__ = [
    "Agent",
    "AnthropicModel",
    "ApprovalRequest",
    "CircuitBreaker",
    "Context",
    "Limits",
    "ModelPrice",
    "ModelRouter",
    "PriceTable",
    "ResponseCache",
    "RetryPolicy",
    "RunResult",
    "ScriptedModel",
    "Telemetry",
    "Tool",
    "TracekitError",
    "Workflow",
    "__version__",
    "approve_all",
    "configure",
    "deny_all",
    "tool",
]

__version__ = "0.1.0"
