"""tracekit: observability and trace replay for LLM agent runs.

Write a workflow with :class:`Agent` and :class:`Workflow`; every agent call, LLM call, tool
call and handoff is recorded as OpenTelemetry GenAI spans into a local DuckDB store.
"""

from typing import TYPE_CHECKING

from tracekit.exceptions import TracekitError
from tracekit.lazy import lazy_exports as _lazy_exports

if TYPE_CHECKING:
    from tracekit.models import ModelRouter, ResponseCache, ScriptedModel
    from tracekit.models.anthropic_async import AsyncAnthropicModel
    from tracekit.models.anthropic_model import AnthropicModel
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
    from tracekit.store import TraceStore
    from tracekit.telemetry import Telemetry, configure

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


# Every name loads its module on first use: `import tracekit` (which every `tracekit`
# command does) stays cheap. The orchestrator brings pydantic and the OTel SDK, the store
# DuckDB and Arrow, and the Anthropic SDK takes about a second (only runs that use Claude pay).
_ORCHESTRATOR = "tracekit.orchestrator"
__getattr__ = _lazy_exports(
    __name__,
    {
        "Agent": _ORCHESTRATOR,
        "AnthropicModel": "tracekit.models.anthropic_model",
        "ApprovalRequest": _ORCHESTRATOR,
        "AsyncAnthropicModel": "tracekit.models.anthropic_async",
        "CircuitBreaker": _ORCHESTRATOR,
        "Context": _ORCHESTRATOR,
        "Limits": _ORCHESTRATOR,
        "ModelPrice": "tracekit.pricing",
        "ModelRouter": "tracekit.models",
        "PriceTable": "tracekit.pricing",
        "ResponseCache": "tracekit.models",
        "RetryPolicy": _ORCHESTRATOR,
        "RunResult": _ORCHESTRATOR,
        "ScriptedModel": "tracekit.models",
        "Telemetry": "tracekit.telemetry",
        "Tool": _ORCHESTRATOR,
        "TraceStore": "tracekit.store",
        "Workflow": _ORCHESTRATOR,
        "approve_all": _ORCHESTRATOR,
        "configure": "tracekit.telemetry",
        "deny_all": _ORCHESTRATOR,
        "tool": _ORCHESTRATOR,
    },
)
