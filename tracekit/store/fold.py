"""Folding: moving spool segments into the database tables, crash-safely and exactly once.

Under the exclusive store lock, a fold opens the database read-write and, for each chunk of
segments, in ONE transaction: inserts their spans and content (leaving out spans the store
already has, by trace and span id, so a trace imported or sent twice is stored once), records
their names in ``folded_segments``, merges them into the ``traces`` summaries, and commits.
Only then are the segment files unlinked. A crash before the commit leaves the segments to be
folded again; a crash after it leaves files whose names are already recorded, which the next
fold skips and removes. A segment that cannot be folded (unreadable, invalid JSON, a NULL
where the schema forbids it, anything DuckDB rejects) is moved aside to ``<spool>/rejected/``
with a ``.reason`` file and logged, so it can never block the folds after it: a chunk that
fails is retried segment by segment, and only the segments that fail alone are rejected.
Failures of the database itself (disk full, out of memory) reject nothing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from tracekit.display import inert
from tracekit.exceptions import ConfigError, StoreLockedError
from tracekit.pricing import PriceTable
from tracekit.store.db import connect
from tracekit.store.journal import recover_orphaned_journals
from tracekit.store.langgraph import has_langchain_spans, promote_langgraph_nodes
from tracekit.store.paths import StorePaths, store_lock
from tracekit.store.pending import JOURNAL_SUFFIX
from tracekit.store.reprice import (
    canonical_prices,
    record_prices,
    recorded_prices,
    reprice,
    table_from_canonical,
)
from tracekit.store.schema import SPAN_COLUMN_NAMES, ensure_schema
from tracekit.store.spool import pending_segments, read_segment, remove_stale_temp_files
from tracekit.store.summary import (
    merge_into_traces,
    merge_partial_into_traces,
    partial_summaries,
)
from tracekit.store.writer_engine import WriterEngine

logger = logging.getLogger("tracekit")

#: Segment bytes folded per transaction: bounds the memory a fold of a long backlog needs
#: (segments are uncompressed Arrow, about as large as the spans in memory). Counting bytes
#: rather than files lets many small segments (one per OTLP request, say) share one
#: transaction: each costs a commit and a merge into ``traces`` whatever its size.
FOLD_CHUNK_BYTES = 128 * 1024 * 1024
REJECTED_DIR = "rejected"
#: Beside each rejected segment, ``<segment name>.reason``: why it could not be folded.
REASON_SUFFIX = ".reason"
_REASON_MAX_CHARS = 1000
#: ``folded_segments`` rows older than this are dropped (unless their file still exists).
FOLDED_RECORD_TTL_NS = 24 * 3600 * 10**9
_ARROW_SOURCE = "_segment_batch"
_DEDUPLICATED = "_fold_new_spans"
_PARTIAL_SOURCE = "_fold_partial"
#: Batches of at least this many spans have their per-trace summaries computed on a second
#: thread while the fold's own thread inserts them (below it, starting the thread and its
#: cursor would cost more than the overlap saves).
PARALLEL_SUMMARY_MIN_SPANS = 8192


# Failures of the database or the machine (disk full, out of memory, a lost file, an
# invalidated database): no segment is to blame, so none is rejected and the fold stops.
_STORE_FAULTS = (
    duckdb.OperationalError,
    duckdb.FatalException,
    duckdb.InternalError,
    duckdb.InterruptException,
    duckdb.PermissionException,
)


@dataclass(frozen=True)
class RejectedSegment:
    """A segment that could not be folded, set aside in ``<spool>/rejected/``."""

    path: Path
    reason: str


@dataclass(frozen=True)
class FoldResult:
    """What one fold did."""

    segments: int
    spans: int


def fold_pending(
    paths: StorePaths,
    *,
    wait_s: float | None,
    db_wait_s: float = 10.0,
    engine: WriterEngine | None = None,
) -> FoldResult | None:
    """Fold every pending segment of the store; ``None`` when the lock was not obtained.

    ``wait_s=None`` gives up at once when another process is folding or reading (the
    recording processor's mode); otherwise the lock is awaited for up to ``wait_s`` seconds.
    With an ``engine`` (a writer that folds again and again) the file is attached to its
    instance for this fold only.
    """
    with store_lock(paths, exclusive=True, timeout_s=wait_s) as held:
        if not held:
            return None
        for journal, error in recover_orphaned_journals(paths):
            _reject(paths, journal, error)
        segments = pending_segments(paths)
        remove_stale_temp_files(paths)
        if not segments:
            return FoldResult(segments=0, spans=0)
        if engine is None:
            con = connect(paths.db, read_only=False, wait_s=db_wait_s)
        else:
            con = engine.open(paths.db, wait_s=db_wait_s)
        failed = True
        try:
            set_fold_settings(con)
            ensure_schema(con)
            store_prices = _store_prices(con)
            folded, spans = 0, 0
            done: list[Path] = []
            for chunk in _chunks(segments):
                chunk_done, chunk_segments, chunk_spans = _fold_chunk_or_isolate(
                    con, paths, chunk, store_prices
                )
                done.extend(chunk_done)
                folded += chunk_segments
                spans += chunk_spans
            failed = False
        finally:
            if engine is None:
                con.close()
            else:
                engine.release(con, failed=failed)
        # Only what is recorded in ``folded_segments``: a segment rejected but not movable
        # (a read-only spool) stays where it is.
        for segment in done:
            with contextlib.suppress(OSError):
                segment.unlink()
        return FoldResult(segments=folded, spans=spans)


def set_fold_settings(con: Any) -> None:
    """The settings a fold runs with (an instance keeps them: a fold sets each itself)."""
    # Spans have no meaningful row order (queries sort): DuckDB need not keep it.
    con.execute("SET preserve_insertion_order = false")
    # One thread. A parallel insert leaves each thread a partial row group, which DuckDB
    # merges and writes again at commit; how the rows split between the threads differs from
    # fold to fold, and so did the cost (measured on 200,000 spans in two folds: 2 threads
    # 8.3 us of CPU per span and 98-125 bytes per span depending on the run, 1 thread ~6.8 us
    # and the same file every time; the parallel insert gained no wall time even on an idle
    # 2-core machine).
    con.execute("SET threads = 1")


def insert_spans(con: Any, source: str) -> int:
    """Insert the spans of the table or view ``source`` (segment columns) into ``spans``, and
    their content into ``span_content``; the number of spans inserted."""
    columns = ", ".join(SPAN_COLUMN_NAMES)
    inserted = con.execute(f"INSERT INTO spans BY NAME SELECT {columns} FROM {source}").fetchone()
    con.execute(
        f"INSERT INTO span_content SELECT trace_id, span_id, content FROM {source} "
        "WHERE content IS NOT NULL"
    )
    return int(inserted[0]) if inserted else 0


def _chunks(segments: Sequence[Path]) -> list[list[Path]]:
    """``segments`` in order, cut into runs of at most :data:`FOLD_CHUNK_BYTES` (a larger
    segment is a run of its own)."""
    chunks: list[list[Path]] = []
    chunk: list[Path] = []
    size = 0
    for segment in segments:
        try:
            segment_size = segment.stat().st_size
        except OSError:
            segment_size = 0  # gone or unreadable: the fold finds out and says so
        if chunk and size + segment_size > FOLD_CHUNK_BYTES:
            chunks.append(chunk)
            chunk, size = [], 0
        chunk.append(segment)
        size += segment_size
    if chunk:
        chunks.append(chunk)
    return chunks


def migrate_store(paths: StorePaths, *, wait_s: float) -> None:
    """Bring an older store up to the current schema (under the exclusive lock)."""
    with store_lock(paths, exclusive=True, timeout_s=wait_s) as held:
        if not held:
            raise StoreLockedError(f"the store {paths.db} stayed busy for {wait_s:g} s")
        con = connect(paths.db, read_only=False, wait_s=wait_s)
        try:
            ensure_schema(con)
        finally:
            con.close()


def _store_prices(con: Any) -> PriceTable | None:
    """The store's price table when it differs from this process's (the spans this fold
    brings were priced with this process's table at ingest and must be priced again with the
    store's); ``None`` when they agree. A store without a recorded table adopts ours."""
    try:
        own = canonical_prices(PriceTable.default())
    except ConfigError:
        return None  # a broken TRACEKIT_PRICES: ingest already said so; fold as priced
    stored = recorded_prices(con)
    if stored is None:
        record_prices(con, own)
        return None
    return None if stored == own else table_from_canonical(stored)


def _fold_chunk_or_isolate(
    con: Any, paths: StorePaths, chunk: Sequence[Path], prices: PriceTable | None
) -> tuple[list[Path], int, int]:
    """Fold ``chunk`` in one transaction, or, when that fails, each segment alone; return the
    segments now recorded as folded, how many were new, and the spans inserted."""
    try:
        folded, spans = _fold_chunk(con, paths, chunk, prices)
        return list(chunk), folded, spans
    except _STORE_FAULTS:
        # The database or the machine failed, not the segments: they stay in the spool.
        _rollback(con)
        raise
    except (duckdb.Error, OSError, ValueError, pa.ArrowException) as error:
        _rollback(con)
        if len(chunk) == 1:
            if not isinstance(error, FileNotFoundError):
                _reject(paths, chunk[0], error)
            return [], 0, 0
    # One bad segment must not hold back the good ones: retry them one at a time, so only
    # the segments that fail on their own are rejected.
    done: list[Path] = []
    folded, spans = 0, 0
    for segment in chunk:
        one_done, one_segments, one_spans = _fold_chunk_or_isolate(con, paths, [segment], prices)
        done.extend(one_done)
        folded += one_segments
        spans += one_spans
    return done, folded, spans


def _fold_chunk(
    con: Any, paths: StorePaths, chunk: Sequence[Path], prices: PriceTable | None
) -> tuple[int, int]:
    names = [segment.name for segment in chunk]
    con.execute("BEGIN TRANSACTION")
    done = {
        row[0]
        for row in con.execute(
            "SELECT name FROM folded_segments WHERE list_contains(?, name)", [names]
        ).fetchall()
    }
    todo = [segment for segment in chunk if segment.name not in done]
    if not todo:
        con.execute("COMMIT")
        return 0, 0
    # Each segment is read once (memory-mapped) and the one Arrow table feeds every statement.
    batch = pa.concat_tables([read_segment(segment) for segment in todo])
    con.register(_ARROW_SOURCE, batch)
    source = _without_known_spans(con, batch)
    # The batch's per-trace summaries read the batch only, so a second thread computes them
    # (on a cursor: DuckDB runs each connection's query on the calling thread, GIL released)
    # while this one inserts the spans; the folds run DuckDB on one thread each (see
    # fold_pending). A deduplicated copy is a table of this transaction, which a cursor
    # cannot see: that rare batch is summarised here, after the inserts.
    summary = (
        _BackgroundSummary(con, batch)
        if source == _ARROW_SOURCE and batch.num_rows >= PARALLEL_SUMMARY_MIN_SPANS
        else None
    )
    try:
        inserted = insert_spans(con, source)
    except BaseException:
        if summary is not None:
            summary.abandon()  # the insert's error is the one to report
        raise
    partial = summary.result() if summary is not None else None
    if partial is None:
        merge_into_traces(con, source)
    else:
        con.register(_PARTIAL_SOURCE, partial)
        merge_partial_into_traces(con, _PARTIAL_SOURCE)
        con.unregister(_PARTIAL_SOURCE)
    if has_langchain_spans(batch):
        promote_langgraph_nodes(con, source)
    if prices is not None:
        reprice(con, prices, scope=source)
    if source != _ARROW_SOURCE:
        con.execute(f"DROP TABLE {source}")
    now = time.time_ns()
    con.execute(
        "INSERT INTO folded_segments SELECT unnest(?::VARCHAR[]), ?",
        [[segment.name for segment in todo], now],
    )
    con.execute(
        "DELETE FROM folded_segments WHERE folded_at_ns < ? AND NOT list_contains(?, name)",
        [now - FOLDED_RECORD_TTL_NS, names],
    )
    con.execute("COMMIT")
    with contextlib.suppress(duckdb.Error):
        con.unregister(_ARROW_SOURCE)
    return len(todo), inserted


# Spans of the batch that the store already holds: the same (trace id, span id). A span sent
# twice has the same start time, so stored spans are only looked for within the batch's start
# range, which lets DuckDB skip the row groups of older spans.
_STORED_DUPLICATES_SQL = f"""
SELECT EXISTS (
    SELECT 1 FROM {_ARROW_SOURCE} AS b
    WHERE EXISTS (
        SELECT 1 FROM spans AS s
        WHERE s.start_ns BETWEEN $min_start AND $max_start
          AND s.trace_id = b.trace_id AND s.span_id = b.span_id
    )
)
"""
# The same, or a (trace id, span id) twice in the batch itself.
_DUPLICATES_SQL = f"""
SELECT
    EXISTS (SELECT 1 FROM {_ARROW_SOURCE} GROUP BY trace_id, span_id HAVING count(*) > 1)
    OR ({_STORED_DUPLICATES_SQL})
"""
_DEDUPLICATED_SQL = f"""
CREATE OR REPLACE TEMP TABLE {_DEDUPLICATED} AS
SELECT * FROM {_ARROW_SOURCE} AS b
WHERE NOT EXISTS (
    SELECT 1 FROM spans AS s
    WHERE s.start_ns BETWEEN $min_start AND $max_start
      AND s.trace_id = b.trace_id AND s.span_id = b.span_id
)
QUALIFY row_number() OVER (PARTITION BY trace_id, span_id ORDER BY end_ns DESC) = 1
"""


def _without_known_spans(con: Any, batch: pa.Table) -> str:
    """The name of a relation holding the batch's spans the store does not have yet: the
    batch itself in the usual case (one cheap check), else a deduplicated temp copy. Importing
    the same trace file twice, or a client re-sending a request, adds nothing."""
    if batch.num_rows == 0:
        return _ARROW_SOURCE
    starts = batch.column("start_ns")
    bounds = {
        "min_start": pc.min(starts).as_py(),
        "max_start": pc.max(starts).as_py(),
    }
    # Span ids all distinct (the usual case: 64 random bits each) means no (trace id, span id)
    # pair twice in the batch, which Arrow tells by hashing one column, far cheaper than
    # DuckDB grouping by two. ``unique`` hashes the chunks (one per segment) into one table;
    # ``count_distinct`` builds a table per chunk and then merges them, which cost about 1.6x
    # as much (measured: 16 against 10 ms of CPU for 122,880 span ids in 30 chunks). Span ids
    # are never NULL (the schema), so the two count alike.
    distinct = len(pc.unique(batch.column("span_id"))) == batch.num_rows
    row = con.execute(_STORED_DUPLICATES_SQL if distinct else _DUPLICATES_SQL, bounds).fetchone()
    if not row or not row[0]:
        return _ARROW_SOURCE
    con.execute(_DEDUPLICATED_SQL, bounds)
    return _DEDUPLICATED


class _BackgroundSummary:
    """:func:`partial_summaries` of a batch, computed on a thread of its own through a cursor
    of ``con``'s instance."""

    def __init__(self, con: Any, batch: pa.Table) -> None:
        self._cursor = con.cursor()
        self._batch = batch
        self._partial: pa.Table | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="tracekit-fold-summary")
        self._thread.start()

    def _run(self) -> None:
        try:
            self._cursor.register(_ARROW_SOURCE, self._batch)
            self._partial = partial_summaries(self._cursor, _ARROW_SOURCE)
        except BaseException as error:  # handed to the fold's thread by result()
            self._error = error

    def abandon(self) -> None:
        """Wait for the thread and drop its cursor (whatever it computed)."""
        try:
            self._thread.join()
        finally:
            # Interrupted while waiting (Ctrl-C in a command whose read folds first), the
            # thread's query still runs on this fold's instance, which the fold closes on
            # its way out: it is waited for first, then the interrupt goes on.
            self._thread.join()
            with contextlib.suppress(duckdb.Error):
                self._cursor.close()

    def result(self) -> pa.Table:
        """The summaries, once the thread is done (its error raised here)."""
        self.abandon()
        if self._error is not None:
            raise self._error
        assert self._partial is not None
        return self._partial


def _rollback(con: Any) -> None:
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")
    with contextlib.suppress(duckdb.Error):
        con.execute(f"DROP TABLE IF EXISTS {_DEDUPLICATED}")
    with contextlib.suppress(duckdb.Error):
        con.unregister(_ARROW_SOURCE)


def _reject(paths: StorePaths, segment: Path, error: BaseException) -> None:
    """Move ``segment`` to ``<spool>/rejected/`` with ``<name>.reason`` beside it (what
    failed, in one line), so the folds after it go on and ``tracekit doctor`` can say why."""
    rejected = paths.spool / REJECTED_DIR
    reason = _one_line(error)
    logger.error(
        "tracekit: segment %s cannot be folded (%s); moved to %s", segment.name, reason, rejected
    )
    try:
        rejected.mkdir(exist_ok=True)
        # The reason first: a crash between the two leaves a reason without its segment
        # (harmless), never a rejected segment nobody can explain.
        (rejected / (segment.name + REASON_SUFFIX)).write_text(
            f"{type(error).__name__}: {reason}\n", encoding="utf-8", errors="replace"
        )
        os.replace(segment, rejected / segment.name)
    except OSError as move_error:
        # A spool we cannot write: the fold of the others goes on; this one stays and is
        # tried (and rejected) again by the next fold.
        logger.error("tracekit: cannot move %s to %s: %s", segment.name, rejected, move_error)


def rejected_segments(paths: StorePaths) -> list[RejectedSegment]:
    """The segments folds have set aside, oldest first, with the reason recorded for each."""
    folder = paths.spool / REJECTED_DIR
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    found: list[RejectedSegment] = []
    for name in names:
        # Hidden names are not segments, except a dead writer's journal that would not read.
        if name.endswith(REASON_SUFFIX) or (
            name.startswith(".") and not name.endswith(JOURNAL_SUFFIX)
        ):
            continue
        try:
            reason = (
                (folder / (name + REASON_SUFFIX))
                .read_text(encoding="utf-8", errors="replace")
                .strip()
            )
        except OSError:
            reason = "no reason recorded"
        found.append(RejectedSegment(path=folder / name, reason=reason or "no reason recorded"))
    return found


def _one_line(error: BaseException) -> str:
    # DuckDB's messages run over several lines (the SQL and a caret); the first says it all.
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    # The message quotes the offending value, which came from a trace: made inert before it
    # reaches a log line, a reason file or a terminal.
    text = inert(lines[0]) if lines else type(error).__name__
    return text if len(text) <= _REASON_MAX_CHARS else text[: _REASON_MAX_CHARS - 1] + "…"
