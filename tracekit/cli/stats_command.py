"""``tracekit stats``: success, errors, stops, retries, fallbacks, latency, tokens, cost and
failure modes per agent, model, workflow, tool or service; whole, or in time buckets
(``--every 1h``), as a table, JSON, CSV or a terminal chart.

This module only declares the arguments; what the command runs is in
:mod:`tracekit.cli.stats_view`, imported when it runs.
"""

from __future__ import annotations

import argparse
from typing import Any

from tracekit.cli.arguments import add_store_argument, lazy_handler, trace_filter
from tracekit.exceptions import ConfigError
from tracekit.store.dimensions import FIGURE_DIMENSIONS

#: What ``--chart`` draws: the keys of :data:`tracekit.cli.stats_chart.CHART_METRICS`
#: (a test checks they agree), named here so ``--help`` need not load the chart code.
CHART_METRIC_NAMES: tuple[str, ...] = ("latency", "cost", "tokens", "errors")


def register(subparsers: Any) -> None:
    """Add ``stats``."""
    stats = subparsers.add_parser(
        "stats",
        help="success, errors, retries, latency, tokens and cost per agent, model, workflow, …",
        description="Operations figures per group: calls and runs; success, error and stop "
        "rates (a stop is a guardrail ending a call or run, not an error); retry rate "
        "(calls with a tracekit.retry event) and retries per call; fallback rate; p50/p95/p99 "
        "latency; tokens in and out, total and per call; cost, total and per run; and the "
        "top failure modes (error.type or stop reason) with counts and share. Agents count "
        "their invoke_agent spans (tokens and cost: the LLM calls under them), models and "
        "tools their calls, workflows and services their runs. With --every, the same figures "
        "per time bucket (UTC). An unknown figure is shown as —.",
    )
    stats.add_argument("--by", choices=FIGURE_DIMENSIONS, default="agent", help="grouping")
    stats.add_argument(
        "--since",
        metavar="WHEN",
        type=_instant,
        help="only what started at or after WHEN: a span back from now (24h, 7d, 30m) or a "
        "date (2026-11-30, 2026-11-30T08:00)",
    )
    stats.add_argument(
        "--until", metavar="WHEN", type=_instant, help="only what started before WHEN (as --since)"
    )
    stats.add_argument(
        "--filter",
        metavar="EXPR",
        type=trace_filter,
        default="",
        help="only traces matching the TUI's filter language, e.g. 'workflow:doc status:error'",
    )
    stats.add_argument(
        "--every",
        metavar="SPAN",
        type=_bucket,
        help="the figures per time bucket of SPAN (1h, 15m, 1d), oldest first",
    )
    stats.add_argument(
        "--chart",
        choices=CHART_METRIC_NAMES,
        help="draw the busiest groups' p95 latency, cost, tokens or error rate over time "
        "(needs --every)",
    )
    add_store_argument(stats)
    output = stats.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print JSON (for jq)")
    output.add_argument("--csv", action="store_true", help="print CSV")
    stats.set_defaults(handler=lazy_handler("tracekit.cli.stats_view:run_stats", reads_store=True))


def _instant(value: str) -> int:
    from tracekit.store.buckets import parse_instant  # dataclasses, datetime: not for --help

    try:
        return parse_instant(value)
    except ConfigError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _bucket(value: str) -> int:
    from tracekit.store.buckets import parse_bucket  # dataclasses, datetime: not for --help

    try:
        return parse_bucket(value)
    except ConfigError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
