"""``tracekit sql "SELECT …"``: your own question, read-only, against the store and the named
views (``runs``, ``agent_calls``, ``llm_calls``, ``tool_calls``; see dashboards/schema.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from rich.table import Table
from rich.text import Text

from tracekit.cli.arguments import add_store_argument, positive_int
from tracekit.cli.output_formats import console, csv_cell, plain, write_csv, write_json_rows
from tracekit.display import literal
from tracekit.exceptions import QueryError
from tracekit.store import TraceStore
from tracekit.store.sql import DEFAULT_TIMEOUT_S

_TABLE_ROWS = 100


def register(subparsers: Any) -> None:
    """Add ``sql``."""
    sql = subparsers.add_parser(
        "sql",
        help="run a read-only SQL SELECT against the store",
        description="Run one SQL SELECT (DuckDB dialect) against the store, read-only, with "
        "spans not yet folded folded first. Query the stable views runs, agent_calls, "
        "llm_calls and tool_calls (their columns are documented in dashboards/schema.md) "
        "rather than the internal tables. Anything but one SELECT is refused (exit 2); the "
        "statement cannot read files or URLs, and is stopped after --timeout seconds.",
    )
    sql.add_argument("statement", metavar="SQL", help='one SELECT, e.g. "SELECT * FROM runs"')
    sql.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_seconds,
        default=DEFAULT_TIMEOUT_S,
        help=f"stop the statement after this long (default {DEFAULT_TIMEOUT_S:g})",
    )
    sql.add_argument(
        "--limit",
        type=positive_int,
        default=_TABLE_ROWS,
        help=f"rows shown in the table (default {_TABLE_ROWS}; --json/--csv/--parquet write all)",
    )
    add_store_argument(sql)
    output = sql.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the rows as a JSON array")
    output.add_argument("--csv", action="store_true", help="print the rows as CSV")
    output.add_argument("--parquet", metavar="FILE", type=Path, help="write the rows to FILE")
    sql.set_defaults(handler=run_sql)


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0: {value}")
    return seconds


def run_sql(args: argparse.Namespace) -> int:
    """Run the statement and print (or write) its rows."""
    store = TraceStore(args.store)
    try:
        if args.parquet is not None:
            rows = store.sql(args.statement, _parquet_writer(args.parquet), timeout_s=args.timeout)
            sys.stderr.write(f"wrote {rows:,} rows to {args.parquet}\n")
        elif args.json:
            store.sql(args.statement, _json_rows, timeout_s=args.timeout)
        elif args.csv:
            store.sql(args.statement, _csv_rows, timeout_s=args.timeout)
        else:
            table, more = store.sql(
                args.statement, lambda reader: _table(reader, args.limit), timeout_s=args.timeout
            )
            out = console()
            out.print(table)
            if more:
                out.print(Text(f"(first {args.limit:,} rows; --limit N for more, or --csv/--json)"))
    except QueryError as error:
        sys.stderr.write(f"tracekit sql: error: {error}\n")
        return 2
    return 0


def _json_rows(reader: pa.RecordBatchReader) -> int:
    return write_json_rows(batch.to_pylist() for batch in reader)


def _csv_rows(reader: pa.RecordBatchReader) -> None:
    write_csv(
        reader.schema.names,
        (
            [row[name] for name in reader.schema.names]
            for batch in reader
            for row in batch.to_pylist()
        ),
    )


def _parquet_writer(path: Path) -> Any:
    def write(reader: pa.RecordBatchReader) -> int:
        rows = 0
        try:
            with pq.ParquetWriter(path, reader.schema) as writer:
                for batch in reader:
                    writer.write_batch(batch)
                    rows += batch.num_rows
        except OSError as error:
            raise QueryError(f"cannot write {path}: {error.strerror or error}") from None
        return rows

    return write


def _table(reader: pa.RecordBatchReader, limit: int) -> tuple[Table, bool]:
    table = Table(box=None, header_style="bold", pad_edge=False)
    for name in reader.schema.names:
        table.add_column(literal(name))
    shown = 0
    for batch in reader:
        for row in batch.to_pylist():
            if shown == limit:
                return table, True
            table.add_row(*(_cell(row[name]) for name in reader.schema.names))
            shown += 1
    if not reader.schema.names:
        table.add_column("(no columns)")
    return table, False


def _cell(value: Any) -> Text:
    if value is None:
        return literal("NULL", "dim")
    if isinstance(value, str):
        return literal(value)
    return literal(csv_cell(plain(value)) if isinstance(value, list | dict) else str(plain(value)))
