"""Rows out of the CLI as JSON or CSV: every string made inert first (trace text is untrusted,
and a CSV or JSON printed to a terminal must not drive it)."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from rich.console import Console

from tracekit.cli.piped_text import CONSOLE_PIPE_WIDTH
from tracekit.display import inert, inert_json


def console() -> Console:
    """A console on stdout; piped output gets a fixed, generous width so columns are not
    squeezed to 80."""
    width = None if sys.stdout.isatty() else CONSOLE_PIPE_WIDTH
    return Console(file=sys.stdout, highlight=False, width=width)


def plain(value: Any) -> Any:
    """A value JSON can hold: times as ISO 8601, decimals as numbers, bytes as hex."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def write_json(document: Any) -> None:
    """``document`` as indented JSON on stdout, control characters escaped."""
    text = json.dumps(plain(document), indent=2, ensure_ascii=False)
    sys.stdout.write(inert_json(text) + "\n")


def write_json_rows(batches: Iterable[Sequence[Mapping[str, Any]]]) -> int:
    """A JSON array of row objects on stdout, written batch by batch (never all rows in
    memory at once); returns the number of rows."""
    count = 0
    sys.stdout.write("[")
    for rows in batches:
        for row in rows:
            text = json.dumps(plain(row), ensure_ascii=False)
            sys.stdout.write(("\n  " if count == 0 else ",\n  ") + inert_json(text))
            count += 1
    sys.stdout.write("\n]\n" if count else "]\n")
    return count


def csv_cell(value: Any) -> str:
    """One CSV cell: empty for an unknown value, lists joined with ``;``, text made inert."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(csv_cell(item) for item in value)
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, Mapping):
        return inert(json.dumps(plain(value), ensure_ascii=False))
    return str(plain(value))


def write_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A header line and the rows as CSV on stdout."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
