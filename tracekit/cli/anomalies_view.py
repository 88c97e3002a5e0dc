"""What ``tracekit anomalies`` runs (its arguments are in :mod:`tracekit.cli.anomalies_command`)."""

from __future__ import annotations

import argparse
import sys

from rich.table import Table
from rich.text import Text

from tracekit.cli.anomalies_command import EXIT_FLAGGED
from tracekit.cli.output_formats import console, write_json
from tracekit.display import literal
from tracekit.exceptions import ConfigError
from tracekit.store import TraceStore
from tracekit.store.anomalies import (
    Anomaly,
    AnomalyQuery,
    AnomalyReport,
    format_metric,
)
from tracekit.store.filters import parse_filter


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
