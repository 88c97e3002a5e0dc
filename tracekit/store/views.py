"""Named views for the common questions, so a user's SQL never depends on internal columns.

``tracekit sql`` creates them (as TEMP views, on its own read-only connection) before it runs
the user's statement:

- ``runs``: one row per run (trace);
- ``agent_calls``: one row per agent call (``invoke_agent`` span);
- ``llm_calls``: one row per LLM call (``chat`` and the other LLM operations);
- ``tool_calls``: one row per tool call (``execute_tool`` span).

Their columns are the documented, stable interface (``dashboards/schema.md``): within one
:data:`VIEWS_VERSION` columns are only ever added, never renamed, removed or given another
meaning. ``status`` means the same as in ``tracekit stats`` (see
:mod:`tracekit.store.outcomes`): ``ok``, ``error``, ``stopped`` (a guardrail ended it, not an
error) or ``interrupted``. Times are UTC; an unknown cost is NULL, never 0.
"""

from __future__ import annotations

from typing import Any

from tracekit import semconv as sc
from tracekit.store.outcomes import (
    FAILURE_SQL,
    FALLBACKS_SQL,
    HAS_RETRY_OR_FALLBACK_SQL,
    LLM_OPERATIONS_SQL,
    OUTCOME_SQL,
    RETRIES_SQL,
    sql_literal,
)

#: Version of the views' columns and meanings; bumped only when one changes incompatibly.
VIEWS_VERSION = 1

_STARTED_AT = "make_timestamp(s.start_ns // 1000) AS started_at"
_SPAN_COMMON = f"""s.trace_id, s.span_id, s.parent_span_id, r.workflow, s.service_name AS service,
           s.agent, s.agent_path, {_STARTED_AT}, s.start_ns, s.duration_ns / 1e6 AS duration_ms,
           {OUTCOME_SQL} AS status, {FAILURE_SQL} AS failure, s.error_type,
           s.status_message AS error_message"""
# The (few) spans with retry or fallback events, so the views parse JSON of those only.
_EVENTS = f"""(SELECT trace_id, span_id, parent_span_id, operation,
                      {RETRIES_SQL} AS retries, {FALLBACKS_SQL} AS fallbacks
               FROM spans WHERE {HAS_RETRY_OR_FALLBACK_SQL})"""
_AGENT_OP = sql_literal(sc.OP_INVOKE_AGENT)

#: View name -> its SELECT. Column lists are pinned by tests/store/test_views.py.
VIEWS: dict[str, str] = {
    "runs": """
        SELECT trace_id, workflow, service_name AS service,
               make_timestamp(start_ns // 1000) AS started_at, start_ns, end_ns,
               duration_ns / 1e6 AS duration_ms, status, stop_reason, span_count, steps,
               error_count, input_tokens, output_tokens, cost_usd, agents
        FROM traces""",
    "agent_calls": f"""
        SELECT {_SPAN_COMMON}, s.model,
               (coalesce(own.retries, 0) + coalesce(under.retries, 0))::BIGINT AS retries,
               coalesce(own.fallbacks, 0) > 0 AS fell_back
        FROM spans AS s
        LEFT JOIN traces AS r ON r.trace_id = s.trace_id
        LEFT JOIN {_EVENTS} AS own ON own.trace_id = s.trace_id AND own.span_id = s.span_id
        LEFT JOIN (
            SELECT trace_id, parent_span_id, sum(retries) AS retries FROM {_EVENTS}
            WHERE operation IS DISTINCT FROM {_AGENT_OP} GROUP BY ALL
        ) AS under ON under.trace_id = s.trace_id AND under.parent_span_id = s.span_id
        WHERE s.operation = {_AGENT_OP}""",
    "llm_calls": f"""
        SELECT {_SPAN_COMMON}, s.model, s.provider, s.operation, s.input_tokens,
               s.output_tokens, s.cache_read_tokens, s.cache_creation_tokens, s.cost_usd,
               coalesce(own.retries, 0)::BIGINT AS retries
        FROM spans AS s
        LEFT JOIN traces AS r ON r.trace_id = s.trace_id
        LEFT JOIN {_EVENTS} AS own ON own.trace_id = s.trace_id AND own.span_id = s.span_id
        WHERE list_contains({LLM_OPERATIONS_SQL}, s.operation)""",
    "tool_calls": f"""
        SELECT {_SPAN_COMMON}, s.tool
        FROM spans AS s
        LEFT JOIN traces AS r ON r.trace_id = s.trace_id
        WHERE s.operation = {sql_literal(sc.OP_EXECUTE_TOOL)}""",
}


def create_views(con: Any) -> None:
    """Create the named views on ``con`` as TEMP views (a read-only connection can hold them;
    they vanish with it)."""
    for name, select in VIEWS.items():
        con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {select}")
