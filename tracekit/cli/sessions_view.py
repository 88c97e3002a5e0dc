"""What ``tracekit sessions`` runs (its arguments are in :mod:`tracekit.cli.sessions_command`)."""

from __future__ import annotations

import argparse
import sys

from rich.table import Table
from rich.text import Text

from tracekit.cli.output_formats import console, write_json
from tracekit.display import format_cost, format_duration, format_time, format_tokens, literal
from tracekit.exceptions import ConfigError
from tracekit.store import TraceStore
from tracekit.store.sessions import SessionSummary


def run_sessions(args: argparse.Namespace) -> int:
    """Print the sessions."""
    try:
        page = TraceStore(args.store).sessions(args.filter, limit=args.limit)
    except ConfigError as error:
        sys.stderr.write(f"tracekit sessions: error: {error}\n")
        return 2
    if args.json:
        write_json([session.model_dump(mode="json") for session in page.sessions])
        return 0
    out = console()
    if not page.sessions:
        out.print(Text("no sessions match the filter" if args.filter else "no sessions yet"))
        return 0
    out.print(sessions_table(page.sessions))
    if page.total > len(page.sessions):
        out.print(Text(f"{len(page.sessions)} of {page.total:,} sessions (--limit)", "dim"))
    return 0


def session_cells(session: SessionSummary) -> list[Text]:
    """One session's cells: id, runs, turns, tokens, cost, errors, duration, last, workflows."""
    cost = "—" if session.cost_usd is None else format_cost(session.cost_usd)
    if session.cost_usd is not None and session.unpriced_count:
        cost += "+?"
    return [
        literal(session.session_id, "bold"),
        literal(f"{session.runs:,}", right=True),
        literal(f"{session.turns:,}", right=True),
        literal(
            f"{format_tokens(session.input_tokens)}/{format_tokens(session.output_tokens)}",
            right=True,
        ),
        literal(cost, right=True),
        literal(f"{session.errors:,}", "red" if session.errors else "", right=True),
        literal(format_duration(session.duration_ns), right=True),
        literal(format_time(session.last_end_ns)),
        literal(", ".join(session.workflows)),
    ]


#: Headers of :func:`session_cells`, in order.
SESSION_HEADERS = (
    "session",
    "runs",
    "turns",
    "tokens in/out",
    "cost",
    "errors",
    "duration",
    "last",
    "workflows",
)


def sessions_table(sessions: list[SessionSummary]) -> Table:
    """The sessions as a Rich table."""
    table = Table(box=None, header_style="bold", pad_edge=False)
    for header in SESSION_HEADERS:
        table.add_column(header, no_wrap=True)
    for session in sessions:
        table.add_row(*session_cells(session))
    return table
