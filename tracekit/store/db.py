"""Opening the DuckDB file: retry while another process holds it, clear errors otherwise.

tracekit processes coordinate through the store lock (:mod:`tracekit.store.paths`) and so never
meet DuckDB's own file lock; a foreign program (the ``duckdb`` shell, a notebook) can still
hold it, so every open retries with backoff until a deadline and then raises StoreLockedError.

A read-write open attaches the file with row groups of :data:`ROW_GROUP_SIZE` rows, half
DuckDB's default. A fold's insert runs on DuckDB's threads, each filling its own row groups;
a row group is compressed and written by the thread that fills it, as soon as it is full,
while a partial one waits to be compressed at commit by one thread. With the default size a
fold of ~120,000 spans leaves two half-full row groups that are compressed one after the other
at commit; with half the size both threads write theirs during the insert (measured: the
fold of 200,000 spans ~15% faster, the file ~3% larger). Folds now insert on one thread (see
:mod:`tracekit.store.fold`), where the size makes no measurable difference either way; it stays
as stores already have it. The size is a property of the writer,
not of the file: any DuckDB reads such a store, and a foreign program that writes it merely
writes default-size row groups.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from tracekit.exceptions import StoreError, StoreLockedError
from tracekit.store.engine import engine

_RETRY_START_S = 0.01
_RETRY_MAX_S = 0.25
_LOCK_MESSAGES = ("Conflicting lock", "Could not set lock")
#: Rows per row group written by a read-write connection (a multiple of DuckDB's 2,048).
ROW_GROUP_SIZE = 61_440
#: The name a store file is attached under (and in use as).
STORE_ALIAS = "tracekit_store"


def is_lock_conflict(error: BaseException) -> bool:
    """Whether a DuckDB error means another process holds the file."""
    return isinstance(error, engine.Error) and any(m in str(error) for m in _LOCK_MESSAGES)


def connect(db: Path, *, read_only: bool, wait_s: float, base: Any = None) -> Any:
    """Open ``db``, retrying lock conflicts for up to ``wait_s`` seconds; read-write into
    ``base`` (an in-memory instance, which keeps running) when given.

    Raises StoreLockedError when the file stays locked, StoreError when it is not a DuckDB
    database (or one this DuckDB cannot read).
    """
    deadline = time.monotonic() + wait_s
    delay = _RETRY_START_S
    while True:
        try:
            if base is not None and not read_only:
                return _attach(base, db, read_only=False)
            return _open(db, read_only=read_only)
        except engine.Error as error:
            if not is_lock_conflict(error):
                raise open_error(db, error) from None
            if time.monotonic() >= deadline:
                raise StoreLockedError(
                    f"the store {db} stayed locked by another program for {wait_s:g} s"
                ) from None
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, _RETRY_MAX_S)


def _open(db: Path, *, read_only: bool) -> Any:
    if read_only:
        # Only a command that started one has a warm instance (and the module loaded).
        warming = sys.modules.get("tracekit.store.warm_engine")
        warm = warming.take() if warming is not None else None
        if warm is not None:
            try:
                return _attach(warm, db, read_only=True)
            except engine.Error:
                warm.close()  # the ordinary open below reports the error in its own words
        return engine.connect(str(db), read_only=True)
    # A writer registers Arrow batches by name and may use relations: the whole package.
    import duckdb

    con = duckdb.connect()
    try:
        return _attach(con, db, read_only=False)
    except BaseException:
        con.close()
        raise


def _attach(con: Any, db: Path, *, read_only: bool) -> Any:
    """``con`` (an in-memory database) with the store file attached and in use: read-only
    as :func:`tracekit.store.warm_engine.take`'s connection is used, the file's own
    temporary folder as an open of the file would have it; read-write with
    :data:`ROW_GROUP_SIZE`."""
    # DuckDB before 2.0 takes no parameter in ATTACH ("syntax error at or near ?"), so the
    # path goes in as a string literal, its quotes doubled: the one place a value is spliced
    # into SQL, and it is our own path, never a user's SQL.
    path = "'" + str(db).replace("'", "''") + "'"
    if read_only:
        temporary = "'" + f"{db}.tmp".replace("'", "''") + "'"
        con.execute(f"ATTACH {path} AS {STORE_ALIAS} (READ_ONLY)")
        con.execute(f"SET temp_directory = {temporary}")
    else:
        con.execute(f"ATTACH {path} AS {STORE_ALIAS} (ROW_GROUP_SIZE {ROW_GROUP_SIZE})")
    con.execute(f"USE {STORE_ALIAS}")
    return con


#: DuckDB errors that mean the file itself is damaged (truncated, overwritten, not DuckDB's).
_DAMAGE = (engine.IOException, engine.FatalException, engine.InternalError)


def is_damage(error: BaseException) -> bool:
    """Whether a DuckDB error (on open or in a query) means the database file is damaged."""
    return isinstance(error, _DAMAGE) and not is_lock_conflict(error)


def damaged_store_error(db: Path, error: BaseException) -> StoreError:
    """The error for a damaged database: names the file and says how to recover."""
    spool = db.with_name(db.name + ".spool")
    return StoreError(
        f"the store {db} is damaged or unreadable ({_first_line(error)}); spans not yet folded "
        f"are kept in {spool}. To recover, move {db} aside (e.g. to {db.name}.damaged) and run "
        f"`tracekit doctor --store {db}`: the next command folds the spool into a new store"
    )


def open_error(db: Path, error: BaseException) -> StoreError:
    """The StoreError for a DuckDB error raised while opening ``db`` (not a lock conflict)."""
    text = _first_line(error)
    for reason in ("Permission denied", "Read-only file system", "Operation not permitted"):
        if reason in text:
            return StoreError(f"cannot open the store {db}: {reason.lower()}")
    if "not a valid DuckDB database file" in text:
        # Most likely someone else's file at the store path: named, never called damaged.
        return StoreError(f"cannot open the store {db}: not a valid DuckDB database file")
    if is_damage(error):
        return damaged_store_error(db, error)
    return StoreError(f"cannot open the store {db}: {text}")


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
