"""``tracekit sql "SELECT …"``: your own question, read-only, against the store and the named
views (``runs``, ``agent_calls``, ``llm_calls``, ``tool_calls``; see dashboards/schema.md).

This module only declares the arguments; what the command runs is in
:mod:`tracekit.cli.sql_view`, imported when it runs.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from tracekit.cli.arguments import add_store_argument, lazy_handler, positive_int
from tracekit.store.sql_limits import DEFAULT_TIMEOUT_S

if TYPE_CHECKING:
    from pathlib import Path

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
    output.add_argument("--parquet", metavar="FILE", type=_file_path, help="write the rows to FILE")
    sql.set_defaults(handler=lazy_handler("tracekit.cli.sql_view:run_sql"))


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0: {value}")
    return seconds


def _file_path(value: str) -> Path:
    """``type=Path``, with pathlib imported only when ``--parquet`` is given (not for --help)."""
    from pathlib import Path

    return Path(value)
