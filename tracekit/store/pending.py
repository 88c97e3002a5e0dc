"""Which segments wait in the spool, by name only: what a reader checks before every query
round, without loading Arrow (only folding them needs it, see :mod:`tracekit.store.spool`)."""

from __future__ import annotations

import os
from pathlib import Path

from tracekit.store.paths import StorePaths

__all__ = ["PARQUET_SUFFIX", "SEGMENT_SUFFIX", "TEMP_PREFIX", "TEMP_SUFFIX", "pending_segments"]

SEGMENT_SUFFIX = ".arrow"
#: Segments of an older tracekit, still folded.
PARQUET_SUFFIX = ".parquet"
_SUFFIXES = (SEGMENT_SUFFIX, PARQUET_SUFFIX)
#: A segment is written as ``.<name>.tmp`` and renamed into place once complete.
TEMP_PREFIX = "."
TEMP_SUFFIX = ".tmp"


def pending_segments(paths: StorePaths) -> list[Path]:
    """Complete segments not folded yet, oldest first."""
    try:
        entries = os.listdir(paths.spool)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [
        paths.spool / name
        for name in sorted(entries)
        if name.endswith(_SUFFIXES) and not name.startswith(TEMP_PREFIX)
    ]
