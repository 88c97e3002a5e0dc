"""A user's own SQL over the store: read-only, one SELECT, with a time limit.

Three fences, each enough on its own for what it guards:

- the statement is parsed by DuckDB itself (``duckdb.extract_statements``) and refused unless
  it is exactly one SELECT (``WITH``, ``FROM x``, ``VALUES``, ``DESCRIBE``, ``SHOW`` and
  ``SUMMARIZE`` are SELECTs to DuckDB; INSERT, COPY, ATTACH, SET, PRAGMA … are not);
- it runs on the read-only connection of a :class:`~tracekit.store.TraceStore` read round;
- with ``enable_external_access`` off, so it reads no file and no URL (``read_csv('/etc/…')``).

A timer interrupts the connection (``connection.interrupt()``) when the statement runs past
its limit. Errors are :class:`~tracekit.exceptions.QueryError` with DuckDB's first line.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from tracekit.exceptions import QueryError
from tracekit.store.sql_limits import DEFAULT_TIMEOUT_S as DEFAULT_TIMEOUT_S
from tracekit.store.views import create_views

#: Rows per Arrow batch handed to the consumer.
BATCH_ROWS = 10_000

T = TypeVar("T")


def check_read_only(text: str) -> None:
    """QueryError unless ``text`` is exactly one SELECT statement (DuckDB's parser decides)."""
    try:
        statements = duckdb.extract_statements(text)
    except duckdb.Error as error:
        raise QueryError(first_line(error)) from None
    if not statements:
        raise QueryError("no SQL statement given")
    if len(statements) > 1:
        raise QueryError(f"one statement at a time ({len(statements)} given)")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise QueryError(
            f"only SELECT statements run here: {kind.name} refused (the store is read-only)"
        )
    # DuckDB before 2.0 rewrites a table-function PRAGMA (``PRAGMA version``) into a SELECT
    # (``SELECT * FROM pragma_version()``): the statement as the user wrote it says what it is.
    first = _first_keyword(text)
    if first in ("PRAGMA", "CALL"):
        raise QueryError(
            f"only SELECT statements run here: {first} refused (the store is read-only)"
        )


def _first_keyword(text: str) -> str:
    """The first word of ``text`` past leading whitespace and SQL comments, upper-cased."""
    rest = text
    while True:
        rest = rest.lstrip()
        if rest.startswith("--"):
            rest = rest.partition("\n")[2]
        elif rest.startswith("/*"):
            rest = rest.partition("*/")[2]
        else:
            break
    word = rest.split(None, 1)[0] if rest.split() else ""
    return "".join(ch for ch in word if ch.isalpha()).upper()


def run_read_only(
    con: Any,
    text: str,
    consume: Callable[[pa.RecordBatchReader], T],
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> T:
    """Run one SELECT on ``con`` (a read-only store connection) with the named views in place,
    and hand its result, as a stream of Arrow batches, to ``consume`` (which must read it
    before returning). Raises QueryError for a refused, bad, failing or too slow statement."""
    if timeout_s <= 0:
        raise QueryError("the time limit must be more than 0 seconds")
    check_read_only(text)
    create_views(con)
    con.execute("SET enable_external_access = false")
    timer = threading.Timer(timeout_s, con.interrupt)
    timer.daemon = True
    timer.start()
    try:
        relation = con.sql(text)
        # DuckDB 2.0 names it to_arrow_reader; older releases record_batch.
        to_reader = getattr(relation, "to_arrow_reader", None) or relation.record_batch
        reader = to_reader(BATCH_ROWS)
        return consume(reader)
    except (duckdb.Error, pa.ArrowException) as error:
        # An interrupt surfaces as DuckDB's InterruptException or, mid-stream, as Arrow's.
        if isinstance(error, duckdb.InterruptException) or timer.finished.is_set():
            raise QueryError(f"the statement ran past its time limit ({timeout_s:g} s)") from None
        raise QueryError(first_line(error)) from None
    finally:
        timer.cancel()


def first_line(error: BaseException) -> str:
    """The first line of a DuckDB error (its message without the caret block)."""
    lines = [line for line in str(error).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__
