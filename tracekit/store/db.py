"""Opening the DuckDB file: retry while another process holds it, clear errors otherwise.

tracekit processes coordinate through the store lock (:mod:`tracekit.store.paths`) and so never
meet DuckDB's own file lock; a foreign program (the ``duckdb`` shell, a notebook) can still
hold it, so every open retries with backoff until a deadline and then raises StoreLockedError.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import duckdb

from tracekit.exceptions import StoreError, StoreLockedError

_RETRY_START_S = 0.01
_RETRY_MAX_S = 0.25
_LOCK_MESSAGES = ("Conflicting lock", "Could not set lock")


def is_lock_conflict(error: BaseException) -> bool:
    """Whether a DuckDB error means another process holds the file."""
    return isinstance(error, duckdb.Error) and any(m in str(error) for m in _LOCK_MESSAGES)


def connect(db: Path, *, read_only: bool, wait_s: float) -> Any:
    """Open ``db``, retrying lock conflicts for up to ``wait_s`` seconds.

    Raises StoreLockedError when the file stays locked, StoreError when it is not a DuckDB
    database (or one this DuckDB cannot read).
    """
    deadline = time.monotonic() + wait_s
    delay = _RETRY_START_S
    while True:
        try:
            return duckdb.connect(str(db), read_only=read_only)
        except duckdb.Error as error:
            if not is_lock_conflict(error):
                raise StoreError(f"cannot open the store {db}: {_first_line(error)}") from None
            if time.monotonic() >= deadline:
                raise StoreLockedError(
                    f"the store {db} stayed locked by another program for {wait_s:g} s"
                ) from None
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, _RETRY_MAX_S)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
