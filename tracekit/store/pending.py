"""Which segments wait in the spool, by name only: what a reader checks before every query
round, without loading Arrow (only folding them needs it, see :mod:`tracekit.store.spool`)."""

from __future__ import annotations

import os
from pathlib import Path

from tracekit.store.paths import StorePaths

__all__ = [
    "JOURNAL_PREFIX",
    "JOURNAL_SUFFIX",
    "PARQUET_SUFFIX",
    "SEGMENT_SUFFIX",
    "TEMP_PREFIX",
    "TEMP_SUFFIX",
    "journal_files",
    "pending_segments",
]

SEGMENT_SUFFIX = ".arrow"
#: Segments of an older tracekit, still folded.
PARQUET_SUFFIX = ".parquet"
_SUFFIXES = (SEGMENT_SUFFIX, PARQUET_SUFFIX)
#: A segment is written as ``.<name>.tmp`` and renamed into place once complete.
TEMP_PREFIX = "."
TEMP_SUFFIX = ".tmp"
#: A recording process journals its finished runs as ``.<name>.journal`` (see
#: :mod:`tracekit.store.journal`).
JOURNAL_PREFIX = "."
JOURNAL_SUFFIX = ".journal"


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


def journal_files(paths: StorePaths) -> list[Path]:
    """Every journal in the spool, live or orphaned, oldest first."""
    try:
        names = os.listdir(paths.spool)
    except OSError:
        return []
    return [
        paths.spool / name
        for name in sorted(names)
        if name.startswith(JOURNAL_PREFIX) and name.endswith(JOURNAL_SUFFIX)
    ]
