"""A DuckDB instance made in the background while a command starts, for its first read.

Opening a store costs a command ~30 ms before DuckDB reads a byte of it: every new database
instance registers DuckDB's built-in and statically linked extensions' functions (core
functions, JSON, ICU, Parquet) and builds its SQL grammar. DuckDB does that work without
holding the GIL, so a command that is about to read a store (``tracekit traces``,
``stats``, ``show``) starts it on a thread (:func:`start`) while Python imports the command's
modules on the main thread; on a machine with a second core the two overlap.

The instance is an in-memory database; the first read-only open of the process
(:func:`tracekit.store.db.connect`) takes it (:func:`take`) and attaches the store file to it
read-only, which is what opening the file read-only does, minus the instance. Any error there
falls back to the ordinary open, so a missing, locked or damaged store is reported exactly as
before. Nothing here runs unless a command asks for it.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
from typing import Any

__all__ = ["start", "take"]

_lock = threading.Lock()
_thread: threading.Thread | None = None
_made: list[Any] = []
_exit_hook = False


def _make() -> None:
    from tracekit.store.engine import engine

    # On any error the ordinary open runs instead, and reports whatever is wrong.
    with contextlib.suppress(Exception):
        _made.append(engine.connect(":memory:"))


def start() -> None:
    """Begin making the instance on a thread (unless one is already being made)."""
    global _thread, _exit_hook
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_make, name="tracekit-duckdb-start", daemon=True)
            _thread.start()
            if not _exit_hook:
                _exit_hook = True
                atexit.register(_finish)


def _finish() -> None:
    # A command that ends before its first read (a usage error, no store) must not leave
    # DuckDB making an instance while the interpreter shuts down.
    connection = take()
    if connection is not None:
        connection.close()


def take() -> Any | None:
    """The in-memory connection :func:`start` made (waiting for it), or None when none was
    started or it is already taken: each is used once."""
    global _thread
    with _lock:
        thread, _thread = _thread, None
    if thread is None:
        return None
    thread.join()
    return _made.pop() if _made else None
