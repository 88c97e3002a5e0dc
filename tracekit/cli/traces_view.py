"""What ``tracekit traces`` runs (its arguments are in :mod:`tracekit.cli.query_commands`),
and the rendering helpers it shares with ``show`` (:mod:`tracekit.cli.query_views`).

The table is printed from the store's plain rows
(:meth:`~tracekit.store.TraceStore.page_trace_rows`), so listing traces loads neither
pydantic nor the store's models: only ``--json`` builds the models, for their JSON. Written
to a pipe, where Rich would write plain text, the listing is laid out by
:class:`~tracekit.cli.piped_text.PipedTable` and Rich is not loaded at all; a terminal gets
Rich's table, in colour.

Everything shown comes from traces, which are untrusted text (a model's output can contain
Rich markup or terminal escape sequences): every value has its control characters made
visible (:func:`~tracekit.display.inert`) and, for Rich, is wrapped in ``rich.text.Text``,
so nothing in a trace can style or drive the terminal.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from tracekit.cli.piped_text import PIPE_WIDTH, PipedTable, writes_plain_text
from tracekit.figure_text import UNKNOWN, format_duration, format_partial_cost, unpriced_note
from tracekit.inert_text import inert, inert_json
from tracekit.store.queries import TraceStore

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from tracekit.store.models import TraceSummary
    from tracekit.store.trace_rows import TraceRow, TraceRowPage

#: How much of a trace id a listing shows.
SHORT_ID = 12


#: The listing's columns: header, right-justified.
_COLUMNS = (
    ("time", False),
    ("trace", False),
    ("workflow", False),
    ("status", False),
    ("duration", True),
    ("steps", True),
    ("tokens in/out", True),
    ("cost", True),
)


def run_traces(args: argparse.Namespace) -> int:
    """List traces."""
    store = TraceStore(args.store)
    if args.json:
        page = store.page_traces(args.filter, order=args.sort, limit=args.limit)
        return _print_json(page.traces)
    rows = store.page_trace_rows(args.filter, order=args.sort, limit=args.limit)
    if writes_plain_text() and _write_piped(rows):
        return 0
    _print_with_rich(rows)
    return 0


def _empty_message(rows: TraceRowPage) -> str:
    return "no traces match the filter" if rows.query else "no traces in the store yet"


def _write_piped(rows: TraceRowPage) -> bool:
    """The listing as plain text, as Rich would write it to a pipe; False (nothing written)
    where Rich would lay it out otherwise (a table or note wider than the pipe's width)."""
    if not rows.rows:
        sys.stdout.write(_empty_message(rows) + "\n")
        return True
    table = PipedTable(_COLUMNS)
    for row in rows.rows:
        table.add_row(
            inert(_local_time(row.start_ns)),
            inert(row.trace_id[:SHORT_ID]),
            inert(row.workflow) + (inert(_fork_note(row)) if row.parent_trace_id else ""),
            inert(_status_label(row)),
            inert(format_duration(row.duration_ns)),
            inert(str(row.steps)),
            inert(token_pair(row.input_tokens, row.output_tokens)),
            inert(format_partial_cost(row.cost_usd, row.unpriced_spans)),
        )
    note = unpriced_note(sum(row.unpriced_spans for row in rows.rows))
    if not table.fits(PIPE_WIDTH) or len(note) > PIPE_WIDTH:
        return False
    sys.stdout.write(table.text() + (note + "\n" if note else ""))
    return True


def _print_with_rich(rows: TraceRowPage) -> None:
    from rich.table import Table
    from rich.text import Text

    from tracekit.display import literal

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("time", "trace", "workflow", "status"):
        table.add_column(column, no_wrap=column != "workflow")
    for column in ("duration", "steps", "tokens in/out", "cost"):
        table.add_column(column, justify="right", no_wrap=True)
    for row in rows.rows:
        table.add_row(
            literal(_local_time(row.start_ns)),
            literal(row.trace_id[:SHORT_ID]),
            _workflow_text(row),
            status_text(row),
            literal(format_duration(row.duration_ns)),
            literal(str(row.steps)),
            literal(token_pair(row.input_tokens, row.output_tokens)),
            literal(format_partial_cost(row.cost_usd, row.unpriced_spans)),
        )
    console = stdout_console()
    if not rows.rows:
        console.print(Text(_empty_message(rows)))
        return
    console.print(table)
    print_note(console, sum(row.unpriced_spans for row in rows.rows))


def _print_json(summaries: Sequence[TraceSummary]) -> int:
    document = [summary.model_dump(mode="json") for summary in summaries]
    sys.stdout.write(inert_json(json.dumps(document, indent=2, ensure_ascii=False)) + "\n")
    return 0


def _local_time(start_ns: int) -> str:
    return datetime.fromtimestamp(start_ns / 1e9).strftime("%Y-%m-%d %H:%M:%S")


def _fork_note(row: TraceRow) -> str:
    assert row.parent_trace_id is not None
    return f" ⑂ fork of {row.parent_trace_id[:SHORT_ID]} at {row.fork_at or '?'}"


def _workflow_text(row: TraceRow) -> Text:
    from rich.text import Text

    from tracekit.display import literal

    if row.parent_trace_id is None:
        return literal(row.workflow)
    return Text.assemble(literal(row.workflow), literal(_fork_note(row), "magenta"))


def _status_label(summary: TraceRow | TraceSummary) -> str:
    label: str = summary.status
    if summary.stop_reason:
        label = f"{label} ({summary.stop_reason})"
    return label


def status_text(summary: TraceRow | TraceSummary) -> Text:
    """A trace's status (and stop reason), in its colour."""
    from tracekit.display import STATUS_STYLES, literal

    return literal(_status_label(summary), STATUS_STYLES.get(summary.status, ""))


def token_pair(tokens_in: int | None, tokens_out: int | None) -> str:
    """``in/out`` token counts, ``—`` for an unknown one."""

    def shown(count: int | None) -> str:
        return UNKNOWN if count is None else f"{count:,}"

    return f"{shown(tokens_in)}/{shown(tokens_out)}"


def print_note(console: Console, unpriced_spans: int) -> None:
    """The footnote under a total that leaves unpriced model calls out (nothing if none)."""
    from tracekit.display import literal

    note = unpriced_note(unpriced_spans)
    if note:
        console.print(literal(note, "dim"))


def stdout_console() -> Console:
    """A console on stdout; piped output gets a fixed, generous width so columns are not
    squeezed to 80."""
    from rich.console import Console

    width = None if sys.stdout.isatty() else PIPE_WIDTH
    return Console(file=sys.stdout, highlight=False, width=width)
