"""``tracekit traces``, ``show`` and ``stats``: read-only views of the store.

This module only declares their arguments; what they run is in
:mod:`tracekit.cli.query_views`, imported when one of them runs.
"""

from __future__ import annotations

import argparse
from typing import Any

from tracekit.cli.arguments import (
    add_store_argument,
    lazy_handler,
    positive_int,
    trace_filter,
    trace_order,
)
from tracekit.store.sorting import SORT_COLUMNS

_VIEWS = "tracekit.cli.query_views"


def register(subparsers: Any) -> None:
    """Add ``traces``, ``show`` and ``stats``."""
    traces = subparsers.add_parser(
        "traces",
        help="list recorded traces, newest first",
        description="List recorded traces, newest first: time, id, workflow, status, duration, "
        "steps, tokens and cost.",
    )
    traces.add_argument("--limit", type=positive_int, default=20, help="how many (default 20)")
    traces.add_argument(
        "--filter",
        metavar="EXPR",
        type=trace_filter,
        default="",
        help="the TUI's filter language, e.g. 'workflow:doc agent=planner cost>0.01 status:error'",
    )
    traces.add_argument(
        "--sort",
        metavar="ORDER",
        type=trace_order,
        default="time desc",
        help=f"column [asc|desc], a column of: {', '.join(SORT_COLUMNS)} (default: time desc)",
    )
    _common_arguments(traces)
    traces.set_defaults(handler=lazy_handler(f"{_VIEWS}:run_traces"))

    show = subparsers.add_parser(
        "show",
        help="show one trace as a span tree",
        description="Show one trace as a tree of spans with durations, tokens, cost, status and "
        "guardrail events. A unique prefix of the trace id is enough.",
    )
    show.add_argument("trace_id", metavar="TRACE_ID", help="trace id or a unique prefix of it")
    _common_arguments(show)
    show.set_defaults(handler=lazy_handler("tracekit.cli.show_view:run_show"))

    stats = subparsers.add_parser(
        "stats",
        help="latency, errors, tokens and cost per agent, model or workflow",
        description="Aggregate the store: call count, error rate, p50/p95/p99 latency, tokens "
        "and cost, grouped by agent, model or workflow.",
    )
    stats.add_argument(
        "--by", choices=("agent", "model", "workflow"), default="agent", help="grouping"
    )
    _common_arguments(stats)
    stats.set_defaults(handler=lazy_handler(f"{_VIEWS}:run_stats"))


def _common_arguments(parser: argparse.ArgumentParser) -> None:
    add_store_argument(parser)
    parser.add_argument(
        "--json", action="store_true", help="print JSON (for jq) instead of a table"
    )
