"""An in-memory DuckDB instance kept across a long-lived writer's folds.

Opening the store read-write is two steps: start an in-memory DuckDB instance, then attach the
file to it. Starting the instance is most of the cost (measured: ~12 ms of CPU, against ~1.5 ms
to attach the file and ~0.5 ms to detach it), and a receiver folds again and again. So the
receiver keeps the instance and attaches the file for each fold only: detaching closes the file
(checkpointed, its lock released) exactly as closing the connection did, so readers and other
folders open it between folds as before. Settings are the instance's and outlive a fold, which
is why a fold sets every one it relies on itself.

After a fold that failed the instance is dropped (DuckDB may have invalidated it): the next fold
starts a new one.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any

from tracekit.store.db import STORE_ALIAS, connect

#: The name DuckDB gives an in-memory instance's own database.
_MEMORY = "memory"


class WriterEngine:
    """Attaches the store file for one fold at a time to an instance it keeps (see the module
    docstring). Used by one fold at a time (the caller serialises them)."""

    def __init__(self) -> None:
        self._base: Any = None
        self._lock = threading.Lock()

    def open(self, db: Path, *, wait_s: float) -> Any:
        """A connection with ``db`` attached read-write and in use (as :func:`connect` gives);
        hand it back to :meth:`release`, never close it."""
        with self._lock:
            if self._base is None:
                import duckdb

                self._base = duckdb.connect()
            base = self._base
        return connect(db, read_only=False, wait_s=wait_s, base=base)

    def release(self, con: Any, *, failed: bool) -> None:
        """Detach the store file (checkpointing it and releasing its lock); after a failed
        fold, drop the instance instead (closing it closes the file too)."""
        if not failed:
            try:
                con.execute(f"USE {_MEMORY}")
                con.execute(f"DETACH {STORE_ALIAS}")
                return
            except Exception:
                pass  # closing the instance below closes the file
        self.close()

    def close(self) -> None:
        """Close the instance (a later :meth:`open` starts a new one)."""
        with self._lock:
            base, self._base = self._base, None
        if base is not None:
            with contextlib.suppress(Exception):
                base.close()
