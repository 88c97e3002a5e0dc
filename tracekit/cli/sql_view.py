"""What ``tracekit sql "SELECT …"`` runs (its arguments are in
:mod:`tracekit.cli.sql_command`): your own question, read-only, against the store and the named
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

from tracekit.cli.output_formats import console, csv_cell, plain, write_csv, write_json_rows
from tracekit.display import literal
from tracekit.exceptions import QueryError
from tracekit.store import TraceStore


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
