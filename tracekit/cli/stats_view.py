"""What ``tracekit stats`` runs (its arguments are in :mod:`tracekit.cli.stats_command`):
the operations figures per group, whole or in time buckets, as a table, JSON, CSV or a
terminal chart.

Written where Rich would write no styles (a pipe), a table of plain cells is written as the
text Rich would write (:meth:`~tracekit.cli.stats_table.PlainTable.plain_text`) and Rich is
not loaded at all; a terminal, or a name from a trace that shows escapes, gets Rich.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from tracekit.cli.piped_text import writes_plain_text
from tracekit.cli.stats_table import Cell, PlainTable
from tracekit.exceptions import ConfigError
from tracekit.figure_text import format_cost, format_duration
from tracekit.inert_text import inert
from tracekit.store.buckets import TimeWindow
from tracekit.store.figure_rows import FigureQuery, FigureRow
from tracekit.store.filters import parse_filter
from tracekit.store.queries import TraceStore

if TYPE_CHECKING:
    from rich.console import Console

    from tracekit.store.figures import GroupFigures

_UNKNOWN = "—"
#: Columns of ``--csv``, in order (``failure_modes`` flattened to one cell): the figures'
#: fields (FigureRow's are GroupFigures', a test checks).
CSV_COLUMNS: tuple[str, ...] = (
    "bucket_start",
    *(name for name in FigureRow._fields if name not in {"failure_modes"}),
    "failure_modes",
)


def run_stats(args: argparse.Namespace) -> int:
    """Print the figures."""
    if args.chart and args.every is None:
        sys.stderr.write("tracekit stats: error: --chart needs --every (e.g. --every 1h)\n")
        return 2
    try:
        query = FigureQuery(
            by=args.by,
            window=TimeWindow(since_ns=args.since, until_ns=args.until),
            matching=parse_filter(args.filter),
            every_ns=args.every,
        )
        store = TraceStore(args.store)
        if args.json:
            from tracekit.cli.output_formats import write_json

            # --json prints the models' own JSON (what the TUI and scripts see).
            write_json([_json_row(group) for group in store.figures(query)])
            return 0
        # The table, CSV and chart read the plain rows: no pydantic for them.
        groups = store.figure_rows(query)
    except ConfigError as error:
        sys.stderr.write(f"tracekit stats: error: {error}\n")
        return 2
    if args.csv:
        from tracekit.cli.output_formats import write_csv

        write_csv(CSV_COLUMNS, (_csv_row(group) for group in groups))
        return 0
    if not args.chart and writes_plain_text():
        text = _plain_text(args.by, groups, bucketed=args.every is not None)
        if text is not None:
            sys.stdout.write(text)
            return 0
    from rich.text import Text

    from tracekit.cli.output_formats import console

    out = console()
    if not groups:
        out.print(Text(_nothing(args.by)))
        return 0
    if args.chart:
        from tracekit.cli.stats_chart import render_chart  # plotext: only a chart pays for it

        chart = render_chart(
            args.chart,
            groups,
            by=args.by,
            every_ns=args.every,
            width=min(out.width, 160),
            colour=sys.stdout.isatty(),
        )
        sys.stdout.write(chart + "\n")
        return 0
    _print_table(out, figures_table(args.by, groups, bucketed=args.every is not None))
    modes = failure_table(args.by, groups, bucketed=args.every is not None)
    if modes.row_count:
        out.print()
        _print_table(out, modes)
    return 0


def _nothing(by: str) -> str:
    return f"nothing to group by {by} in that window"


def _plain_text(by: str, groups: Sequence[FigureRow], *, bucketed: bool) -> str | None:
    """What the console writes to a pipe, without Rich; None where Rich lays it out
    otherwise (a table wider than the pipe's console, a name that shows escapes)."""
    from tracekit.cli.piped_text import CONSOLE_PIPE_WIDTH

    if not groups:
        return _nothing(by) + "\n"
    parts: list[str] = []
    modes = failure_table(by, groups, bucketed=bucketed)
    for table in (figures_table(by, groups, bucketed=bucketed), modes):
        if table is modes and not modes.row_count:
            break
        text = table.plain_text() if table.fits(CONSOLE_PIPE_WIDTH) else None
        if text is None:
            return None
        parts.append(text)
    return "\n".join(parts)  # a blank line between the tables, as ``out.print()`` writes


# --- rendering ------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _bucket_text(start_ns: int | None) -> str:
    if start_ns is None:
        return ""
    return datetime.fromtimestamp(start_ns / 1e9, tz=timezone.utc).strftime("%Y-%m-%d %H:%M")


def _percent(value: float | None) -> str:
    return _UNKNOWN if value is None else f"{value:.1%}"


def _ms(value: float | None) -> str:
    return _UNKNOWN if value is None else format_duration(int(value * 1e6))


def _count(value: int | None) -> str:
    return _UNKNOWN if value is None else f"{value:,}"


def _per_call(value: float | None, digits: int = 1) -> str:
    return _UNKNOWN if value is None else f"{value:,.{digits}f}"


def _cost(value: float | None, unpriced: int = 0) -> str:
    if value is None:
        return _UNKNOWN
    # A partial sum says so: some calls of the group have no price.
    return format_cost(value) + ("+?" if unpriced else "")


def _key(group: FigureRow) -> Cell:
    return _untrusted(group.key if group.key is not None else "-")


@lru_cache(maxsize=4096)
def _untrusted(value: str) -> Cell:
    # Text from traces goes through literal; plain text (most names) is kept as plain text:
    # text that inert leaves unchanged is text literal gives no style to (no escape, not
    # cut), so Rich is loaded only for the rest. Cached: a name is in every bucket of its
    # group (a Text cell is copied, never changed).
    if inert(value) == value:
        return (value, "")
    from tracekit.display import literal

    return literal(value)


def figures_table(by: str, groups: Sequence[FigureRow], *, bucketed: bool) -> PlainTable:
    """The figures as a table, one row per group (and bucket)."""
    lead: list[tuple[str, bool, bool]] = [("bucket (UTC)", False, False)] if bucketed else []
    table = PlainTable([*lead, (by, False, False), *((name, True, False) for name in _COLUMNS)])
    for group in groups:
        cells: list[Cell] = [
            (f"{group.count:,}", ""),
            (f"{group.error_count:,}", "red" if group.error_count else ""),
            (f"{group.stop_count:,}", "yellow" if group.stop_count else ""),
            (_percent(group.success_rate), ""),
            (_percent(group.error_rate), ""),
            (_percent(group.stop_rate), ""),
            (_percent(group.retry_rate), ""),
            (_per_call(group.retries_per_call), ""),
            (_percent(group.fallback_rate), ""),
            (_ms(group.p50_ms), ""),
            (_ms(group.p95_ms), ""),
            (_ms(group.p99_ms), ""),
            (f"{_count(group.input_tokens)}/{_count(group.output_tokens)}", ""),
            (
                f"{_per_call(group.input_tokens_per_call, 0)}/"
                f"{_per_call(group.output_tokens_per_call, 0)}",
                "",
            ),
            (_cost(group.cost_usd, group.unpriced_count), ""),
            (_cost(group.cost_per_request_usd, group.unpriced_count), ""),
        ]
        if bucketed:
            table.add_row((_bucket_text(group.bucket_start_ns), ""), _key(group), *cells)
        else:
            table.add_row(_key(group), *cells)
    return table


#: The figures' columns after the group's (all right-justified). Their cells are our own
#: numbers, made here as plain text; the group's name (from traces) goes through ``literal``.
_COLUMNS = (
    "count",
    "errors",
    "stops",
    "ok%",
    "error%",
    "stop%",
    "retry%",
    "retries/call",
    "fallback%",
    "p50",
    "p95",
    "p99",
    "tokens in/out",
    "per call",
    "cost",
    "cost/request",
)


def failure_table(by: str, groups: Sequence[FigureRow], *, bucketed: bool) -> PlainTable:
    """The top failure modes of each group: kind, error.type or stop reason, count, share."""
    lead: list[tuple[str, bool, bool]] = [("bucket (UTC)", False, False)] if bucketed else []
    columns = [(by, False, True), ("kind", False, True), ("failure", False, True)]
    table = PlainTable(
        [*lead, *columns, ("count", True, True), ("share", True, True)],
        title="top failure modes",
    )
    for group in groups:
        for mode in group.failure_modes:
            lead_cells: list[Cell] = [(_bucket_text(group.bucket_start_ns), "")] if bucketed else []
            style = "yellow" if mode.kind == "stopped" else "red"
            table.add_row(
                *lead_cells,
                _key(group),
                (mode.kind, style),
                _untrusted(mode.mode),
                (f"{mode.count:,}", ""),
                (f"{mode.share:.0%}", ""),
            )
    return table


def _print_table(out: Console, table: PlainTable) -> None:
    # Rich's own Table where it would wrap or crop (a narrow terminal): the same drawing.
    out.print(table if table.fits(out.width) else table.rich_table())


def _json_row(group: GroupFigures) -> dict[str, Any]:
    row = group.model_dump(mode="json")
    if group.bucket_start_ns is not None:
        row["bucket_start"] = _iso(group.bucket_start_ns)
    return row


def _iso(start_ns: int) -> str:
    return datetime.fromtimestamp(start_ns // 10**9, tz=timezone.utc).isoformat()


def _csv_row(group: FigureRow) -> list[Any]:
    values = group._asdict()
    modes = ";".join(
        f"{mode.kind}:{mode.mode}={mode.count} ({mode.share:.0%})" for mode in group.failure_modes
    )
    bucket = _iso(group.bucket_start_ns) if group.bucket_start_ns is not None else None
    return [bucket, *(values[name] for name in CSV_COLUMNS[1:-1]), modes]
