"""``tracekit anomalies``: groups whose recent figures depart from their own baseline."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from rich.table import Table
from rich.text import Text

from tracekit.cli.arguments import add_store_argument, trace_filter
from tracekit.cli.output_formats import console, write_json
from tracekit.display import literal
from tracekit.exceptions import ConfigError
from tracekit.store import TraceStore
from tracekit.store.anomalies import (
    ANOMALY_DIMENSIONS,
    MIN_CALLS,
    THRESHOLD,
    Anomaly,
    AnomalyQuery,
    AnomalyReport,
    format_metric,
)
from tracekit.store.buckets import parse_span
from tracekit.store.filters import parse_filter

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
    command.set_defaults(handler=run_anomalies)


def _span(value: str) -> int:
    try:
        return parse_span(value)
    except ConfigError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def run_anomalies(args: argparse.Namespace) -> int:
    """Print the flags."""
    try:
        query = AnomalyQuery(
            since_ns=args.since,
            baseline_ns=args.baseline,
            dimensions=(args.by,) if args.by else AnomalyQuery().dimensions,
            matching=parse_filter(args.filter),
        )
        report = TraceStore(args.store).anomalies(query)
    except ConfigError as error:
        sys.stderr.write(f"tracekit anomalies: error: {error}\n")
        return 2
    if args.json:
        write_json(report.model_dump(mode="json"))
    else:
        out = console()
        judged = sum(report.judged.values())
        if report.anomalies:
            out.print(anomaly_table(report))
        else:
            out.print(Text(f"no anomalies ({judged} groups judged; {report.method})"))
    return EXIT_FLAGGED if args.exit_code and report.anomalies else 0


def anomaly_table(report: AnomalyReport) -> Table:
    """The flags as a Rich table, most unusual first."""
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("by", "group", "metric", "baseline", "now", "robust z", "calls", "examples"):
        table.add_column(column, justify="right" if column in ("robust z", "calls") else "left")
    for flag in report.anomalies:
        table.add_row(*_cells(flag))
    return table


def _cells(flag: Anomaly) -> list[Text]:
    arrow = "▲" if flag.direction == "up" else "▼"
    return [
        literal(flag.by),
        literal(flag.group if flag.group is not None else "-", "bold"),
        literal(flag.metric),
        literal(format_metric(flag.metric, flag.baseline)),
        literal(f"{format_metric(flag.metric, flag.now)} {arrow}", "red"),
        literal(f"{flag.robust_z:+.1f}"),
        literal(f"{flag.calls:,}"),
        literal(" ".join(trace_id[:12] for trace_id in flag.example_trace_ids)),
    ]
