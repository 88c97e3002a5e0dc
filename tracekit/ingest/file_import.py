"""``tracekit import``: a trace file (OTLP JSON lines) into the store, all or nothing.

The whole file is parsed and converted before anything is written: a malformed or truncated
line raises TraceFileError naming it, and the store and its spool stay as they were. Then all
spans become ONE spool segment (atomically renamed into place), and a fold moves it into the
tables in one transaction. Spans the store already has (same trace and span id) are left out
by the fold, so importing a file twice adds nothing.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

from tracekit.exceptions import ConfigError, StoreError, StoreLockedError, TraceFileError
from tracekit.otlp.files import MAX_LINE_BYTES, iter_trace_file
from tracekit.store.convert import SegmentBuilder
from tracekit.store.fold import fold_pending
from tracekit.store.paths import StorePaths
from tracekit.store.spool import write_segment

#: How long an import waits for another process folding or reading the store.
IMPORT_WAIT_S = 30.0


@dataclass(frozen=True)
class ImportResult:
    """What an import did: spans read from the file, traces among them, and spans the fold
    added to the store (0 when the file was imported already; spans other processes left in
    the spool meanwhile are counted too); ``notes`` are what the source said of traces it
    gave only in part (a backend's partial answer), one line each; ``trace_ids`` the traces
    pulled from a backend (a file import leaves it empty)."""

    spans: int
    traces: int
    new_spans: int
    notes: tuple[str, ...] = ()
    trace_ids: tuple[str, ...] = ()


def import_trace_file(
    path: str | os.PathLike[str],
    store: str | os.PathLike[str] | None = None,
    *,
    wait_s: float = IMPORT_WAIT_S,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> ImportResult:
    """Import the OTLP JSON lines file at ``path`` into ``store`` (default: the usual store
    resolution). Lines longer than ``max_line_bytes`` are refused. Raises TraceFileError for
    a bad file (nothing is written), StoreError for a store that cannot take the spans
    (unwritable, damaged: nothing is written either),
    StoreLockedError when the store stays busy (the spans then wait, safe, in the spool and
    the next reader folds them)."""
    paths = import_target(store)
    builder = SegmentBuilder()
    traces: set[str] = set()
    for line_number, spans in iter_trace_file(path, max_line_bytes=max_line_bytes):
        for span in spans:
            traces.add(span.trace_id)
            try:
                builder.add_otlp(span)
            except (TypeError, ValueError, OverflowError) as error:
                raise TraceFileError(
                    f"{path}, line {line_number}: span {span.name!r} cannot be stored: {error}"
                ) from None
    if not len(builder):
        raise TraceFileError(f"{path} holds no spans (expected OTLP JSON lines)")
    return store_segment(paths, builder, len(traces), wait_s=wait_s)


def import_target(store: str | os.PathLike[str] | None) -> StorePaths:
    """The paths of the store an import writes to, checked before anything is read or
    fetched: its folder exists and can be written. Raises ConfigError or StoreError."""
    paths = StorePaths.for_store(store)
    if not paths.db.parent.is_dir():
        raise ConfigError(f"cannot import into {paths.db}: {paths.db.parent} is not a folder")
    paths.check_writable()
    return paths


def store_segment(
    paths: StorePaths, builder: SegmentBuilder, traces: int, *, wait_s: float = IMPORT_WAIT_S
) -> ImportResult:
    """Write the spans of ``builder`` (``traces`` traces among them) as ONE spool segment and
    fold it into the store: the write half of every import (files and backends alike).
    Raises StoreError (nothing is written) or StoreLockedError as :func:`import_trace_file`."""
    table = builder.to_table()
    try:
        segment = write_segment(paths, table)
    except OSError as error:
        raise StoreError(
            f"cannot import into {paths.db}: cannot write {paths.spool}: "
            f"{(error.strerror or str(error)).lower()}; nothing was imported"
        ) from None
    try:
        result = fold_pending(paths, wait_s=wait_s, db_wait_s=wait_s)
    except StoreLockedError:
        raise
    except (StoreError, OSError) as error:
        # The store cannot take it (unwritable, damaged): take the segment back, so the
        # import changes nothing rather than waiting for a fold that cannot happen.
        with contextlib.suppress(OSError):
            segment.unlink()
        detail = str(error) if isinstance(error, StoreError) else error.strerror or str(error)
        raise StoreError(f"{detail}; nothing was imported") from None
    if result is None:
        raise StoreLockedError(
            f"the store {paths.db} stayed busy for {wait_s:g} s; the import waits in "
            f"{paths.spool} and is folded by the next command that reads the store"
        )
    return ImportResult(spans=table.num_rows, traces=traces, new_spans=result.spans)
