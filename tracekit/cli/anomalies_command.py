"""``tracekit anomalies``: groups whose recent figures depart from their own baseline.

This module only declares the arguments; what the command runs is in
:mod:`tracekit.cli.anomalies_view`, imported when it runs.
"""

from __future__ import annotations

import argparse
from typing import Any

from tracekit.cli.arguments import add_store_argument, lazy_handler, trace_filter
from tracekit.exceptions import ConfigError
from tracekit.store.anomaly_rules import ANOMALY_DIMENSIONS, MIN_CALLS, THRESHOLD

#: Exit status when something is flagged and ``--exit-code`` was given.
EXIT_FLAGGED = 1


def register(subparsers: Any) -> None:
    """Add ``anomalies``."""
    command = subparsers.add_parser(
        "anomalies",
        help="flag agents, models and workflows whose recent figures depart from their baseline",
        description="Flags groups (agents, models, workflows) whose tokens per call, cost per "
        "run, p95 latency, error rate or retry rate in the recent window (--since) depart "
        "from their own baseline (--baseline, cut into windows of the same length). Method: "
        "a robust z-score, z = 0.6745·(now − median)/MAD over the baseline windows, flagged "
        f"at |z| ≥ {THRESHOLD} (error and retry rates only when they rise); the MAD is at "
        "least 5% of the median, and a rate must also stand out from the Poisson noise of the "
        "window's calls. Seasonal-naive: a window shorter than a day is compared with the "
        "same hours of past days; with a baseline of 3 weeks or more, with the same time of "
        f"past weeks. Groups with fewer than {MIN_CALLS} calls in the window are not judged. "
        "Each flag names example traces.",
    )
    command.add_argument(
        "--since",
        metavar="SPAN",
        type=_span,
        default="24h",
        help="the recent window: the last SPAN (default 24h)",
    )
    command.add_argument(
        "--baseline",
        metavar="SPAN",
        type=_span,
        default="7d",
        help="the baseline before the window, at least 3 windows long (default 7d; 28d or "
        "more compares with the same weekday)",
    )
    command.add_argument(
        "--by", choices=ANOMALY_DIMENSIONS, help="only agents, models or workflows (default: all)"
    )
    command.add_argument(
        "--filter",
        metavar="EXPR",
        type=trace_filter,
        default="",
        help="only traces matching the filter language, e.g. 'workflow:billing'",
    )
    command.add_argument(
        "--exit-code",
        action="store_true",
        help=f"exit {EXIT_FLAGGED} when anything is flagged (for cron and CI)",
    )
    add_store_argument(command)
    command.add_argument("--json", action="store_true", help="print JSON (for jq)")
    command.set_defaults(
        handler=lazy_handler("tracekit.cli.anomalies_view:run_anomalies", reads_store=True)
    )


def _span(value: str) -> int:
    from tracekit.store.buckets import parse_span  # dataclasses, datetime: not for --help

    try:
        return parse_span(value)
    except ConfigError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
