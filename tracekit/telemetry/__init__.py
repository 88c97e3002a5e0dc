"""OpenTelemetry wiring: the GenAI span enricher, metrics, guards and providers.

- :mod:`tracekit.telemetry.scope`: the context variables replay matches calls by
  (:func:`agent_scope`, :data:`current_invocation`, …).
- :mod:`tracekit.telemetry.enricher`: :class:`GenAISpanEnricher`, which completes every span
  before the store or an exporter sees it, and :class:`GenAIMetrics`.
- :mod:`tracekit.telemetry.guards`: :func:`handle_internal_errors` (telemetry errors are
  logged for users, raised under pytest). Its sibling guard,
  :func:`tracekit.otlp.suppress_instrumentation`, sits below, with ingest and export.
- :mod:`tracekit.telemetry.current_span`: :class:`CurrentSpan`, a span current for a
  ``with`` block (``start_as_current_span`` without its two generator layers).
- :mod:`tracekit.telemetry.provider`: :class:`Telemetry` (a tracer and a meter provider),
  the process default (:func:`configure`, :func:`default_telemetry`) and :func:`tracer_for`.
- :mod:`tracekit.telemetry.ids`: :class:`RandomIds` (span ids that leave ``random`` alone, the
  default) and :class:`SequentialIds`.
"""

from tracekit.telemetry.current_span import CurrentSpan
from tracekit.telemetry.enricher import (
    INSTRUMENTATION_SCOPE,
    GenAIMetrics,
    GenAISpanEnricher,
    error_type,
)
from tracekit.telemetry.guards import handle_internal_errors
from tracekit.telemetry.ids import RandomIds, SequentialIds
from tracekit.telemetry.provider import (
    Telemetry,
    configure,
    default_telemetry,
    tracer_for,
)
from tracekit.telemetry.scope import (
    active_prices,
    agent_scope,
    current_agent_path,
    current_call_key,
    current_invocation,
    pending_span_attributes,
    pending_tool_definitions,
)

__all__ = [
    "INSTRUMENTATION_SCOPE",
    "CurrentSpan",
    "GenAIMetrics",
    "GenAISpanEnricher",
    "RandomIds",
    "SequentialIds",
    "Telemetry",
    "active_prices",
    "agent_scope",
    "configure",
    "current_agent_path",
    "current_call_key",
    "current_invocation",
    "default_telemetry",
    "error_type",
    "handle_internal_errors",
    "pending_span_attributes",
    "pending_tool_definitions",
    "tracer_for",
]
