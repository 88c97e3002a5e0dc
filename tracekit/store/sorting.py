"""The columns trace listings sort by: a module of constants, so a command's ``--help`` can
name them without loading the filter language."""

from __future__ import annotations

__all__ = ["COST_SHOWN", "SORT_COLUMNS", "TOKENS_SHOWN"]

# A trace's cost and tokens as shown (see tracekit.store.summary.TRACE_FIGURES): NULL only
# when unknown, so a filter never matches an unknown figure and sorting puts them last.
COST_SHOWN = "(CASE WHEN cost_usd IS NULL AND unpriced_spans = 0 THEN 0.0 ELSE cost_usd END)"
TOKENS_SHOWN = (
    "(CASE WHEN input_tokens IS NULL AND output_tokens IS NULL AND unpriced_spans > 0 "
    "THEN NULL ELSE coalesce(input_tokens, 0) + coalesce(output_tokens, 0) END)"
)

#: ``order`` values trace listings accept (``"cost desc"``), by the column they sort on.
SORT_COLUMNS: dict[str, str] = {
    "start": "start_ns",
    "time": "start_ns",
    "duration": "duration_ns",
    "cost": COST_SHOWN,
    "tokens": TOKENS_SHOWN,
    "spans": "span_count",
    "steps": "steps",
    "errors": "error_count",
    "workflow": "workflow",
    "status": "status",
    "id": "trace_id",
    "agents": "agents",
}
