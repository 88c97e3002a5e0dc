"""The columns trace listings sort by: a module of constants, so a command's ``--help`` can
name them without loading the filter language."""

from __future__ import annotations

__all__ = ["SORT_COLUMNS"]

#: ``order`` values trace listings accept (``"cost desc"``), by the column they sort on.
SORT_COLUMNS: dict[str, str] = {
    "start": "start_ns",
    "time": "start_ns",
    "duration": "duration_ns",
    "cost": "cost_usd",
    "tokens": "input_tokens + output_tokens",
    "spans": "span_count",
    "steps": "steps",
    "errors": "error_count",
    "workflow": "workflow",
    "status": "status",
    "id": "trace_id",
    "agents": "agents",
}
