"""tracekit: observability and trace replay for LLM agent runs.

Write a workflow with :class:`Agent` and :class:`Workflow`; every agent call, LLM call, tool
call and handoff is recorded as OpenTelemetry GenAI spans into a local DuckDB store.
"""

from typing import TYPE_CHECKING

from tracekit.exceptions import TracekitError
from tracekit.lazy import lazy_exports as _lazy_exports
from tracekit.models import ModelRouter, ResponseCache, ScriptedModel
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

if TYPE_CHECKING:
    from tracekit.models.anthropic_async import AsyncAnthropicModel
    from tracekit.models.anthropic_model import AnthropicModel
    from tracekit.store import TraceStore

__all__ = [
    "Agent",
    "AnthropicModel",
    "ApprovalRequest",
    "AsyncAnthropicModel",
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
    "TraceStore",
    "TracekitError",
    "Workflow",
    "__version__",
    "approve_all",
    "configure",
    "deny_all",
    "tool",
]

__version__ = "0.1.0"


# The Anthropic SDK takes about a second to import (only runs that use Claude pay for it), and
# the store's reader brings DuckDB and Arrow (~150 ms: loaded when a program reads).
__getattr__ = _lazy_exports(
    __name__,
    {
        "AnthropicModel": "tracekit.models.anthropic_model",
        "AsyncAnthropicModel": "tracekit.models.anthropic_async",
        "TraceStore": "tracekit.store",
    },
)
