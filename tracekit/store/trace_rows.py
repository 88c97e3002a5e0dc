"""Trace listings as plain named tuples: what ``tracekit traces`` prints, without pydantic.

:meth:`TraceStore.page_traces <tracekit.store.TraceStore.page_traces>` returns pydantic
models (``TracePage`` of ``TraceSummary``), JSON-ready for ``--json`` and the TUI. A command
that only prints a table of twenty rows has no use for them, yet importing pydantic and
defining the models is about a third of its start-up (some 40 ms of ``tracekit traces``).
:meth:`TraceStore.page_trace_rows <tracekit.store.TraceStore.page_trace_rows>` returns the
same rows as :class:`TraceRow` tuples; ``page_traces`` is built from them, so the two never
disagree.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["TraceRow", "TraceRowPage"]


class TraceRow(NamedTuple):
    """One trace of a listing: the fields of :class:`~tracekit.store.TraceSummary` (same
    names, same meaning, unknown figures ``None``), as the store's ``traces`` table has them."""

    trace_id: str
    start_ns: int
    end_ns: int
    duration_ns: int
    root_name: str
    workflow: str
    status: str
    stop_reason: str | None
    span_count: int
    steps: int
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    unpriced_spans: int
    error_count: int
    agents: list[str]
    service_name: str | None
    parent_trace_id: str | None = None
    """For a fork (``tracekit fork``): the trace it was forked from."""
    fork_at: str | None = None
    """For a fork: the step it went live at (``writer#2``)."""


class TraceRowPage(NamedTuple):
    """One page of a trace listing: the rows, where they start, how many traces match the
    filter in all, the order and the filter text (as :class:`~tracekit.store.TracePage`)."""

    rows: list[TraceRow]
    offset: int
    total: int
    order: str
    query: str
