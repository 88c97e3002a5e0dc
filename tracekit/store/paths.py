"""Where a store lives on disk, and the inter-process lock that guards its database file.

A store is three things side by side::

    tracekit.duckdb            the DuckDB database (folded tables)
    tracekit.duckdb.spool/     immutable Arrow IPC segments not folded yet, plus ``fold.lock``

The store path comes from, in order: an explicit argument, ``TRACEKIT_STORE``, then
``./tracekit.duckdb``.

DuckDB lets one process hold a file read-write and then refuses every other opener, even
read-only ones, so tracekit processes agree on an ``fcntl`` lock first: folders (read-write)
take it exclusively, readers (read-only) take it shared. Two tracekit processes therefore never
collide inside DuckDB; only a foreign program holding the file can, and the callers retry that.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from tracekit import settings
from tracekit.exceptions import ConfigError, StoreError

STORE_ENV = settings.TRACEKIT_STORE.name
DEFAULT_STORE_NAME = "tracekit.duckdb"
SPOOL_SUFFIX = ".spool"
LOCK_NAME = "fold.lock"

_POLL_START_S = 0.005
_POLL_MAX_S = 0.1


def resolve_store_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The store path: ``path`` if given, else ``$TRACEKIT_STORE``, else ``./tracekit.duckdb``.

    >>> resolve_store_path("/tmp/runs.duckdb")
    PosixPath('/tmp/runs.duckdb')
    """
    if path is not None and str(path) != "":
        resolved = Path(path).expanduser()
    else:
        resolved = settings.store_path() or Path(DEFAULT_STORE_NAME)
    if resolved.is_dir() or resolved.name in ("", ".", ".."):
        raise ConfigError(
            f"the store path {str(resolved)!r} is a directory; name a file such as "
            f"{str(resolved / DEFAULT_STORE_NAME)!r}"
        )
    return resolved


class StorePaths(NamedTuple):
    """The files that make up one store. (A named tuple, not a dataclass: every command
    makes one, and ``dataclasses`` costs ~5 ms of start-up to import.)"""

    db: Path
    spool: Path
    lock: Path

    @classmethod
    def for_store(cls, path: str | os.PathLike[str] | None = None) -> StorePaths:
        """Paths of the store at ``path`` (resolved with :func:`resolve_store_path`)."""
        db = resolve_store_path(path)
        spool = db.with_name(db.name + SPOOL_SUFFIX)
        return cls(db=db, spool=spool, lock=spool / LOCK_NAME)

    def check_writable(self) -> None:
        """Raise StoreError (one line) unless spans can be written here: the spool folder
        exists or can be created, and a file can be created in it. Tried for real, not
        with ``os.access``, which says yes to root on a read-only file system."""
        folder = self.db.parent
        if not folder.is_dir():
            raise StoreError(f"cannot record into {self.db}: {folder} is not an existing folder")
        try:
            self.spool.mkdir(exist_ok=True)
            import tempfile  # only a writer checks: readers skip its import

            fd, probe = tempfile.mkstemp(prefix=".probe-", suffix=".tmp", dir=self.spool)
            os.close(fd)
            os.unlink(probe)
        except OSError as error:
            reason = (error.strerror or str(error)).lower()
            raise StoreError(f"cannot record into {self.db}: {reason}") from None


@contextmanager
def store_lock(paths: StorePaths, *, exclusive: bool, timeout_s: float | None) -> Iterator[bool]:
    """Hold the store's inter-process lock for the ``with`` block; yield whether it is held.

    ``timeout_s=None`` tries once without waiting (the recording processor must never block);
    otherwise the lock is polled with backoff for up to ``timeout_s`` seconds. When the spool
    folder cannot be created (a read-only location) the block runs without the lock and
    yields ``True``: there is nobody to coordinate with who could write there either.
    """
    if not exclusive and not paths.spool.is_dir():
        # No tracekit process has written here: nobody to coordinate with, and a reader
        # must not create files beside a store it only reads.
        yield True
        return
    try:
        paths.spool.mkdir(exist_ok=True)
        fd = os.open(paths.lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield True
        return
    try:
        held = _acquire(fd, exclusive=exclusive, timeout_s=timeout_s)
        try:
            yield held
        finally:
            if held:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, *, exclusive: bool, timeout_s: float | None) -> bool:
    mode = (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB
    deadline = time.monotonic() + (timeout_s or 0.0)
    delay = _POLL_START_S
    while True:
        try:
            fcntl.flock(fd, mode)
            return True
        except BlockingIOError:
            if timeout_s is None or time.monotonic() >= deadline:
                return False
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, _POLL_MAX_S)
