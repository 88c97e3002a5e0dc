"""A trace's span tree, read lean: the SQL and the tree ordering behind
:meth:`TraceStore.get_trace_outline`.

One query reads a trace's spans already sorted by start time, with the scalar columns, the
attributes and events as JSON text (not parsed) and whether ``span_content`` holds payloads
for the span; one pass over the rows puts them in tree order. Nothing is validated per span,
which is what makes a 10,000-span trace open in tens of milliseconds rather than hundreds.
"""

from __future__ import annotations

from typing import Any

import pydantic_core

from tracekit import semconv as sc
from tracekit.store.models import SpanOutline
from tracekit.store.tree import tree_order

# The first columns of SpanOutline, in its field order.
_OUTLINE_SQL = """
SELECT span_id, parent_span_id, name, kind, start_ns, end_ns, duration_ns, status_code,
       status_message, service_name, scope_name, operation, workflow, agent, agent_path, model,
       provider, tool, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens,
       cost_usd, error_type, attributes, events,
       span_id IN (SELECT span_id FROM span_content WHERE trace_id = $trace_id) AS has_content
FROM spans
WHERE trace_id = $trace_id
ORDER BY start_ns, span_id
"""
_OPERATION, _ATTRIBUTES, _EVENTS = 11, 24, 25


def read_outline(con: Any, trace_id: str) -> list[SpanOutline]:
    """The spans of ``trace_id`` in tree order: depth first, parent before children,
    siblings (and orphans, whose parent is not in the trace) by start time; spans caught in
    a parent cycle (malformed foreign data) last, at depth 0. The order of
    :meth:`TraceStore.get_trace`."""
    rows: list[tuple[Any, ...]] = con.execute(_OUTLINE_SQL, {"trace_id": trace_id}).fetchall()
    return [_outline(row, trace_id, depth) for row, depth in tree_order(rows)]


def _outline(row: tuple[Any, ...], trace_id: str, depth: int) -> SpanOutline:
    # The row is the first fields of SpanOutline in order (see _OUTLINE_SQL); a tuple built
    # in one go is the cheapest object per span.
    if row[_EVENTS] is None and row[_OPERATION] != sc.OP_INVOKE_AGENT:
        return _make((*row, trace_id, depth, row[_OPERATION] == sc.OP_HANDOFF, False))
    is_handoff = row[_OPERATION] == sc.OP_HANDOFF
    if row[_OPERATION] == sc.OP_INVOKE_AGENT and row[_ATTRIBUTES]:
        attributes = pydantic_core.from_json(row[_ATTRIBUTES])
        is_handoff = isinstance(attributes, dict) and sc.TRACEKIT_HANDOFF_TO in attributes
    has_guardrail = False
    if row[_EVENTS]:
        events = pydantic_core.from_json(row[_EVENTS])
        has_guardrail = isinstance(events, list) and any(
            isinstance(event, dict) and event.get("name") in sc.GUARDRAIL_EVENTS for event in events
        )
    return _make((*row, trace_id, depth, is_handoff, has_guardrail))


_make = SpanOutline._make
