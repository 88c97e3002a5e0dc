"""The spool: immutable Parquet segments that recording processes write without the database.

A segment is written under a hidden temporary name, fsynced, then renamed into place, so a
reader of the spool folder (a fold) sees either the whole segment or nothing, even after a
``kill -9`` or a power cut. Names sort by creation time and are unique across processes.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tracekit.store.paths import StorePaths
from tracekit.store.schema import SEGMENT_SCHEMA

SEGMENT_SUFFIX = ".parquet"
_TEMP_PREFIX = "."
_TEMP_SUFFIX = ".tmp"
#: A temp file this old belongs to a writer that died mid-write.
STALE_TEMP_AGE_S = 600.0

_sequence = itertools.count()
_sequence_lock = threading.Lock()


def _segment_name() -> str:
    with _sequence_lock:
        seq = next(_sequence)
    return f"{time.time_ns():020d}-{os.getpid()}-{seq:08d}-{uuid.uuid4().hex[:8]}{SEGMENT_SUFFIX}"


def write_segment(paths: StorePaths, table: pa.Table) -> Path:
    """Write ``table`` (segment schema) as one new segment; return its final path.

    The segment becomes visible atomically and is on disk when this returns.
    """
    if table.schema != SEGMENT_SCHEMA:
        table = table.cast(SEGMENT_SCHEMA)
    paths.spool.mkdir(parents=True, exist_ok=True)
    name = _segment_name()
    final = paths.spool / name
    temp = paths.spool / f"{_TEMP_PREFIX}{name}{_TEMP_SUFFIX}"
    try:
        with open(temp, "wb") as handle:
            pq.write_table(table, handle, compression="snappy")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _fsync_dir(paths.spool)
    return final


def _fsync_dir(directory: Path) -> None:
    # The rename is durable only once the directory entry is: fsync the folder too.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def pending_segments(paths: StorePaths) -> list[Path]:
    """Complete segments not folded yet, oldest first."""
    try:
        entries = os.listdir(paths.spool)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [
        paths.spool / name
        for name in sorted(entries)
        if name.endswith(SEGMENT_SUFFIX) and not name.startswith(_TEMP_PREFIX)
    ]


def remove_stale_temp_files(paths: StorePaths, *, older_than_s: float = STALE_TEMP_AGE_S) -> None:
    """Delete half-written segments left by writers that died; a live writer's are young."""
    cutoff = time.time() - older_than_s
    try:
        entries = os.listdir(paths.spool)
    except OSError:
        return
    for name in entries:
        if name.startswith(_TEMP_PREFIX) and name.endswith(_TEMP_SUFFIX):
            path = paths.spool / name
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
