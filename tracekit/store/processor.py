"""The OpenTelemetry span processor that records finished spans into a tracekit store.

``on_end`` turns the span into its segment row at once (scrubbed, promoted columns, content
split off: see :class:`~tracekit.store.convert.SegmentBuilder`) and drops the span object, so
no span waits in memory for the garbage collector or for a thread hand-off. The span that
ends a workflow run (``invoke_workflow``) appends every row buffered so far to the process's
run journal (:mod:`tracekit.store.journal`) in one ``write`` before ``on_end`` returns: when
``Workflow.run()`` returns, its spans are on disk, and a ``kill -9`` loses only the runs
still in flight. A row that has no JSON form is written as a segment at once instead.
Once :data:`ARROW_BATCH_ROWS` journaled rows wait, the same ``on_end`` turns them into one
Arrow table in the thread that made them (2.6 µs a span warm, 6-10 µs amid a run's work): the
writer thread did the same at ~15 µs a span, reading rows another core had made while the
interpreter lock bounced between the two, and the program waited for that lock.

A daemon writer thread wakes every ``flush_interval_s`` seconds (or as soon as ``max_batch``
rows wait), writes the buffered rows as one immutable, fsynced segment into the spool, retires
the journal that held them, and then folds the spool into the database once about a DuckDB row
group of spans waits there, or :data:`FOLD_INTERVAL_S` after its last fold (as the OTLP
receiver does: a fold of fewer spans costs 2–4× the CPU per span; readers see nothing later for
it, as a read folds what is pending first). It never waits for the database: when another
process is folding or reading, the segments stay in the spool for the next fold, whoever runs
it. A run that ends meanwhile never waits for the disk.

Telemetry never breaks the program it observes: every failure is logged on the ``tracekit``
logger and swallowed.

>>> from opentelemetry.sdk.trace import TracerProvider
>>> provider = TracerProvider()
>>> provider.add_span_processor(StoreSpanProcessor("runs.duckdb"))  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from pathlib import Path

import pyarrow as pa
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import SpanContext, TraceFlags

from tracekit import semconv as sc
from tracekit.exceptions import StoreLockedError, TracekitError
from tracekit.store.convert import SDK_SPAN_TYPES, Row, SegmentBuilder, rows_to_table
from tracekit.store.db import ROW_GROUP_SIZE
from tracekit.store.fold import fold_pending
from tracekit.store.journal import JournalEncodingError, RetiredJournal, RunJournal, encode_rows
from tracekit.store.paths import StorePaths
from tracekit.store.spool import sync_segments, write_segment

logger = logging.getLogger("tracekit")

# This process's live processors: a reader here makes their journaled runs segments first.
_live: weakref.WeakSet[StoreSpanProcessor] = weakref.WeakSet()
_END_OF_RUN = sc.OP_INVOKE_WORKFLOW

#: How long ``shutdown`` waits for another process's fold or read before leaving the spool.
SHUTDOWN_FOLD_WAIT_S = 0.5
#: How long a fold waits for a foreign program (not tracekit) holding the database file.
PROCESSOR_DB_WAIT_S = 2.0
#: The writer thread folds once this many written spans wait in the spool (a row group) ...
FOLD_SPANS = ROW_GROUP_SIZE
#: ... or this long after its last fold.
FOLD_INTERVAL_S = 2.0
#: Journaled rows turned into an Arrow table at once, in ``on_end``: Arrow's conversion
#: costs ~57 µs a span for a run's 5 rows, 2.6 µs at 512 (its fixed cost is per column).
ARROW_BATCH_ROWS = 512


class StoreSpanProcessor(SpanProcessor):
    """Records finished spans into the store at ``store_path`` (see ``resolve_store_path``).

    Args:
        store_path: the store's database file.
        max_batch: spans per segment; a full buffer wakes the writer thread early.
        flush_interval_s: how often the writer thread writes what is buffered.
        fold: fold segments into the database after writing them (off: leave them to
            readers, e.g. when many short-lived processes record).
        fold_interval_s: the writer thread folds when :data:`FOLD_SPANS` written spans
            wait, or this long after its last fold (a flush or shutdown folds at once).
    """

    def __init__(
        self,
        store_path: str | os.PathLike[str] | None = None,
        *,
        max_batch: int = 4096,
        flush_interval_s: float = 1.0,
        fold: bool = True,
        fold_interval_s: float = FOLD_INTERVAL_S,
    ) -> None:
        self.paths = StorePaths.for_store(store_path)
        self._max_batch = max(1, max_batch)
        self._flush_interval_s = max(0.01, flush_interval_s)
        self._fold = fold
        self._fold_interval_s = max(0.0, fold_interval_s)
        # Spans written since the last fold, and when it was (the writer thread's fold is due
        # at FOLD_SPANS spans or after the interval).
        self._unfolded = 0
        self._last_fold = time.monotonic()
        # Rows of ended spans not in a segment yet; the first ``_journaled`` of them are in
        # the journal already. ``_tables`` holds journaled rows already made Arrow tables
        # (``_converted`` of them), oldest first.
        self._builder = SegmentBuilder()
        self._journaled = 0
        self._tables: list[pa.Table] = []
        self._converted = 0
        self._journal = RunJournal(self.paths)
        self._wake = threading.Event()
        # ``_rows_lock`` guards the buffer and the journal (held for a conversion or one
        # append); ``_segment_lock`` is held while a batch becomes a segment, so a run that
        # ends then never waits for the disk, and a flush waits for the writer thread's write.
        self._rows_lock = threading.Lock()
        self._segment_lock = threading.Lock()
        self._fold_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._stopping = False
        self._needs_fold = False
        self._last_problem: str | None = None
        # Segments a flush wrote without fsync, with the journal that still holds their rows
        # (under ``_segment_lock``): the writer thread's next round syncs them, then retires
        # the journal.
        self._unsynced: list[tuple[list[Path], RetiredJournal | None]] = []
        _live.add(self)

    # --- SpanProcessor ------------------------------------------------------------------------

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        """Nothing to do when a span starts."""

    def on_end(self, span: ReadableSpan) -> None:
        """Turn a finished span into its row; at the end of a run, journal the rows."""
        if self._closed:
            return
        # The sampled flag, read as ``span.context.trace_flags.sampled`` returns it, without
        # its three Python-level property calls where the span is the SDK's own.
        context = span.__dict__.get("_context") if type(span) in SDK_SPAN_TYPES else None
        if type(context) is SpanContext:
            if not context[3] & TraceFlags.SAMPLED:
                return
        elif not span.context.trace_flags.sampled:
            return
        if self._thread is None:
            self._start_worker()
        with self._rows_lock:
            builder = self._builder
            try:
                # The run's span is known by its row's operation column (our spans' own
                # ``gen_ai.operation.name``): the attributes are not read a second time.
                operation = builder.add_span(span)
            except Exception:
                logger.exception("tracekit: a span could not be converted and was dropped")
                return
            if operation == _END_OF_RUN:
                self._journal_rows(builder)
                return
            full = len(builder) + self._converted >= self._max_batch
        if full:
            self._wake.set()

    def _journal_rows(self, builder: SegmentBuilder) -> None:
        """Append the rows not journaled yet to the journal (under ``_rows_lock``)."""
        rows = builder.rows_since(self._journaled)
        if not rows:
            return
        try:
            line = encode_rows(rows, builder.own_json_since(self._journaled))
        except JournalEncodingError:
            self._write_now(builder, rows)
            return
        try:
            self._journal.append(line)
        except OSError as error:
            # The spool cannot take the journal: the writer thread tries a segment (and
            # says why it cannot either).
            self._not_written(len(rows), error)
            self._wake.set()
            return
        self._journaled = len(builder)
        if self._journaled >= ARROW_BATCH_ROWS:
            self._convert_journaled(builder)

    def _convert_journaled(self, builder: SegmentBuilder) -> None:
        """Make every buffered row (all journaled) one Arrow table (under ``_rows_lock``)."""
        try:
            table = builder.take_table()
        except Exception:
            # Left as rows for the writer thread, woken now: it writes what it can and says
            # why it cannot (and the runs ending meanwhile do not each try again for long).
            logger.debug("tracekit: rows left for the writer thread", exc_info=True)
            self._wake.set()
            return
        self._tables.append(table)
        self._converted += table.num_rows
        self._journaled = 0
        if self._converted >= self._max_batch:
            self._wake.set()

    def _write_now(self, builder: SegmentBuilder, rows: list[Row]) -> None:
        # Rows with no JSON form (rare: a lone surrogate, a huge integer) go straight to a
        # fsynced segment, which stores them; the journaled rows stay buffered.
        builder.keep_first(self._journaled)
        table = self._table_of(rows)
        if table is not None:
            self._write_table(table, True, [])

    def write_journaled(self) -> None:
        """Write the buffer as segments if it holds journaled (finished) runs."""
        with self._rows_lock:
            if self._closed or not (self._journaled or self._tables):
                return
        with self._segment_lock:
            self._write_buffered(sync=False)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Write every buffered span to the spool, then try to fold. True when all were
        written within the timeout (a fold that must wait for another process does not
        count against it: the spans are safe in the spool either way).

        The segments are visible to every reader (and survive a ``kill -9``) when this
        returns; the writer thread fsyncs them on its next round, off the caller's time (and
        without taking the interpreter lock from it at once), and only then retires the
        journal that holds their rows too: a power cut meanwhile costs at most that round,
        as it does between two rounds."""
        if not self._segment_lock.acquire(timeout=max(0.0, timeout_millis / 1000)):
            return False
        try:
            written = self._write_buffered(sync=False)
        finally:
            self._segment_lock.release()
        self._try_fold(wait_s=None)
        return written

    def shutdown(self) -> None:
        """Write what is buffered, fold if the store is free, and stop the writer thread."""
        if self._closed:
            return
        self._closed = True
        self._stopping = True
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=30)
        with self._segment_lock:
            self._write_buffered()
            self._sync_written()
        self._try_fold(wait_s=SHUTDOWN_FOLD_WAIT_S)

    # --- writer thread ------------------------------------------------------------------------

    def _start_worker(self) -> None:
        with self._start_lock:
            if self._thread is not None or self._closed:
                return
            self._thread = threading.Thread(
                target=self._run, name="tracekit-store-writer", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        while not self._stopping:
            self._wake.wait(self._flush_interval_s)
            self._wake.clear()
            if self._stopping:
                return
            with self._segment_lock:
                self._sync_written()
                self._write_buffered()
            if (
                self._unfolded >= FOLD_SPANS
                or time.monotonic() - self._last_fold >= self._fold_interval_s
            ):
                self._try_fold(wait_s=None)

    def _write_buffered(self, *, sync: bool = True) -> bool:
        """Write the buffer as segments, then retire the journal that held its rows (under
        ``_segment_lock``); False when some spans could not be written. ``sync=False``
        leaves the fsync, and the journal, to :meth:`_sync_written`."""
        with self._rows_lock:
            builder, self._builder = self._builder, SegmentBuilder()
            tables, self._tables = self._tables, []
            self._journaled = self._converted = 0
            retired = self._journal.detach()
        rows = builder.rows_since(0)
        ok = True
        written: list[Path] = []
        if rows:
            table = self._table_of(rows)
            if table is None:
                ok = False
            else:
                tables.append(table)
        if tables:
            table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
            for start in range(0, table.num_rows, self._max_batch):
                piece = table.slice(start, self._max_batch)
                ok = self._write_table(piece, sync, written) and ok
        if not ok:
            if retired is not None:
                # The journal keeps what the segments could not: a later fold recovers it.
                retired.release()
        elif not sync and (written or retired is not None):
            self._unsynced.append((written, retired))
        elif retired is not None:
            retired.discard()
        return ok

    def _sync_written(self) -> None:
        """fsync the segments flushes wrote, then retire their journals (under
        ``_segment_lock``)."""
        unsynced, self._unsynced = self._unsynced, []
        for segments, retired in unsynced:
            sync_segments(self.paths, segments)
            if retired is not None:
                retired.discard()

    def _table_of(self, rows: list[Row]) -> pa.Table | None:
        """``rows`` as an Arrow table, or None (said once) when they cannot be one."""
        try:
            return rows_to_table(rows)
        except Exception as error:
            self._not_written(len(rows), error)
            return None

    def _write_table(self, table: pa.Table, fsync: bool, written: list[Path]) -> bool:
        try:
            written.append(write_segment(self.paths, table, fsync=fsync))
        except Exception as error:
            self._not_written(table.num_rows, error)
            return False
        self._needs_fold = True
        self._unfolded += table.num_rows
        return True

    def _not_written(self, spans: int, error: Exception) -> None:
        self._problem(f"{spans} spans could not be written to {self.paths.spool}", error)

    def _problem(self, what: str, error: Exception) -> None:
        """Log a failure once while it lasts: a store that cannot be written fails every run
        the same way, and the program's output must not drown in it."""
        reason = (
            (error.strerror or str(error)) if isinstance(error, OSError) else str(error)
        ).strip()
        key = f"{type(error).__name__}: {reason}"
        if key == self._last_problem:
            logger.debug("tracekit: %s (%s)", what, key)
            return
        self._last_problem = key
        if isinstance(error, OSError | TracekitError):
            # The machine or the store said no (permissions, disk full, a damaged file):
            # the reason is the message, a traceback adds nothing.
            logger.error("tracekit: %s: %s", what, reason.splitlines()[0] if reason else key)
        else:
            logger.error("tracekit: %s", what, exc_info=error)

    def _try_fold(self, *, wait_s: float | None) -> None:
        if not (self._fold and self._needs_fold):
            return
        with self._fold_lock:
            self._fold_now(wait_s)

    def _fold_now(self, wait_s: float | None) -> None:
        started = self._last_fold = time.monotonic()
        # Cleared before the fold: a segment written while it runs asks for the next one.
        self._needs_fold = False
        self._unfolded = 0
        try:
            result = fold_pending(self.paths, wait_s=wait_s, db_wait_s=PROCESSOR_DB_WAIT_S)
        except StoreLockedError:
            self._needs_fold = True
            logger.debug("tracekit: store %s busy; segments stay in the spool", self.paths.db)
            return
        except Exception as error:
            self._needs_fold = True
            self._problem(f"folding into {self.paths.db} failed; segments stay in the spool", error)
            return
        if result is None:
            self._needs_fold = True
        else:
            self._last_problem = None
            logger.debug(
                "tracekit: folded %d segments (%d spans) in %.3f s",
                result.segments,
                result.spans,
                time.monotonic() - started,
            )


def write_journaled_runs(paths: StorePaths) -> None:
    """Turn the finished runs this process journaled for ``paths`` into segments.

    A run is durable once journaled, but only segments are read: a reader in the recording
    process (a test, a notebook, an eval reading its own runs) calls this so that a run it
    just finished is in what it reads. Readers in other processes see it after the writer's
    next round (``flush_interval_s``).
    """
    target = paths.db.resolve()
    for processor in list(_live):
        if processor.paths.db.resolve() == target:
            processor.write_journaled()


def _reset_all_after_fork() -> None:
    # One hook for every processor: a hook per processor could never be unregistered, and a
    # program making a processor per job kept one (and its weak reference) per job for good,
    # each run again at every fork.
    for processor in list(_live):
        _reset_after_fork(processor)


def _reset_after_fork(processor: StoreSpanProcessor) -> None:
    # A forked child has the parent's buffer and lock state but not its thread: it records its
    # own spans with a fresh writer, and must not write the parent's spans a second time.
    processor._builder = SegmentBuilder()
    processor._journaled = 0
    processor._tables = []
    processor._converted = 0
    processor._unfolded = 0
    processor._journal.forget_after_fork()
    processor._unsynced = []  # the parent's: it syncs them and retires their journals
    processor._rows_lock = threading.Lock()
    processor._segment_lock = threading.Lock()
    processor._fold_lock = threading.Lock()
    processor._start_lock = threading.Lock()
    processor._wake = threading.Event()
    processor._thread = None


os.register_at_fork(after_in_child=_reset_all_after_fork)
