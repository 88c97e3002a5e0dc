"""``tracekit traces`` and ``show``: read-only views of the store (``stats`` is in
:mod:`tracekit.cli.stats_command`).

This module only declares their arguments; what they run is in
:mod:`tracekit.cli.traces_view` and :mod:`tracekit.cli.show_view`, imported when one of them
runs.
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


def register(subparsers: Any) -> None:
    """Add ``traces`` and ``show``."""
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
    traces.set_defaults(
        handler=lazy_handler("tracekit.cli.traces_view:run_traces", reads_store=True)
    )

    show = subparsers.add_parser(
        "show",
        help="show one trace as a span tree",
        description="Show one trace as a tree of spans with durations, tokens, cost, status and "
        "guardrail events. A unique prefix of the trace id is enough.",
    )
    show.add_argument("trace_id", metavar="TRACE_ID", help="trace id or a unique prefix of it")
    show.add_argument(
        "--messages",
        action="store_true",
        help="print every model call's conversation (system, user, assistant, tool calls and "
        "results) under its span, whichever convention recorded it",
    )
    _common_arguments(show)
    show.set_defaults(handler=lazy_handler("tracekit.cli.show_view:run_show", reads_store=True))


def _common_arguments(parser: argparse.ArgumentParser) -> None:
    add_store_argument(parser)
    parser.add_argument(
        "--json", action="store_true", help="print JSON (for jq) instead of a table"
    )
