"""The OpenTelemetry span processor that records finished spans into a tracekit store.

``on_end`` only appends the span to a buffer: the recording program's hot path pays for a
deque append and nothing else, except at the end of a workflow run. The span that ends a run
(``invoke_workflow``) is written to the spool, with everything buffered before it, before
``on_end`` returns: when ``Workflow.run()`` returns, its spans are in a segment file, and a
``kill -9`` loses only the runs still in flight. That is one segment per run, never per span,
written without waiting for the disk (the kernel keeps a killed process's writes); the writer
thread fsyncs it on its next round, so a power cut costs at most that round, as before.
Folding is left to the writer thread too. That daemon thread wakes every ``flush_interval_s``
seconds (or as soon as ``max_batch`` spans wait), converts the buffered spans to one Arrow
table, writes it as an immutable segment into the spool, and then tries to fold the spool
into the database. It
never waits for the database: when another process is folding or reading, the segments stay
in the spool for the next fold, whoever runs it.

Telemetry never breaks the program it observes: every failure is logged on the ``tracekit``
logger and swallowed.

>>> from opentelemetry.sdk.trace import TracerProvider
>>> provider = TracerProvider()
>>> provider.add_span_processor(StoreSpanProcessor("runs.duckdb"))  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import weakref
from collections import deque
from pathlib import Path
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from tracekit import semconv as sc
from tracekit.exceptions import StoreLockedError, TracekitError
from tracekit.store.convert import SegmentBuilder
from tracekit.store.fold import fold_pending
from tracekit.store.paths import StorePaths
from tracekit.store.spool import sync_segments, write_segment

logger = logging.getLogger("tracekit")

_OPERATION = sc.GEN_AI_OPERATION_NAME
_END_OF_RUN = sc.OP_INVOKE_WORKFLOW

#: How long ``shutdown`` waits for another process's fold or read before leaving the spool.
SHUTDOWN_FOLD_WAIT_S = 0.5
#: How long a fold waits for a foreign program (not tracekit) holding the database file.
PROCESSOR_DB_WAIT_S = 2.0


class StoreSpanProcessor(SpanProcessor):
    """Records finished spans into the store at ``store_path`` (see ``resolve_store_path``).

    Args:
        store_path: the store's database file.
        max_batch: spans per segment; a full buffer wakes the writer thread early.
        flush_interval_s: how often the writer thread writes what is buffered.
        fold: fold segments into the database after writing them (off: leave them to
            readers, e.g. when many short-lived processes record).
    """

    def __init__(
        self,
        store_path: str | os.PathLike[str] | None = None,
        *,
        max_batch: int = 4096,
        flush_interval_s: float = 1.0,
        fold: bool = True,
    ) -> None:
        self.paths = StorePaths.for_store(store_path)
        self._max_batch = max(1, max_batch)
        self._flush_interval_s = max(0.01, flush_interval_s)
        self._fold = fold
        self._buffer: deque[ReadableSpan] = deque()
        self._wake = threading.Event()
        # Writing the buffer and folding have locks of their own: a run that ends while the
        # writer thread folds (which can wait on the database) writes its segment at once.
        self._io_lock = threading.Lock()
        self._fold_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._stopping = False
        self._needs_fold = False
        self._last_problem: str | None = None
        self._unsynced: list[Path] = []
        self_ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _reset_after_fork(self_ref))

    # --- SpanProcessor ------------------------------------------------------------------------

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        """Nothing to do when a span starts."""

    def on_end(self, span: ReadableSpan) -> None:
        """Buffer a finished span; the writer thread does the rest."""
        if self._closed or not span.context.trace_flags.sampled:
            return
        self._buffer.append(span)
        if self._thread is None:
            self._start_worker()
        if span.attributes and span.attributes.get(_OPERATION) == _END_OF_RUN:
            self._write_run()
        elif len(self._buffer) >= self._max_batch:
            self._wake.set()

    def _write_run(self) -> None:
        # The run's spans ended before its workflow span: all are in the buffer now. The
        # fold waits for the writer thread's next round (readers fold what they need): a
        # fold per run would cost more than the run.
        with self._io_lock:
            self._write_buffered(fsync=False)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Write every buffered span to the spool, then try to fold. True when all were
        written within the timeout (a fold that must wait for another process does not
        count against it: the spans are safe in the spool either way)."""
        if not self._io_lock.acquire(timeout=max(0.0, timeout_millis / 1000)):
            return False
        try:
            written = self._write_buffered()
        finally:
            self._io_lock.release()
        self._sync_run_segments()
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
        with self._io_lock:
            self._write_buffered()
        self._sync_run_segments()
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
            with self._io_lock:
                self._write_buffered()
            self._sync_run_segments()
            self._try_fold(wait_s=None)

    def _write_buffered(self, *, fsync: bool = True) -> bool:
        """Write the buffer as segments; False when some spans could not be written."""
        ok = True
        while self._buffer:
            batch: list[ReadableSpan] = []
            with contextlib.suppress(IndexError):
                while len(batch) < self._max_batch:
                    batch.append(self._buffer.popleft())
            ok = self._write_batch(batch, fsync=fsync) and ok
        return ok

    def _sync_run_segments(self) -> None:
        """fsync the segments runs wrote as they ended (outside the write lock, so a run that
        ends meanwhile does not wait for the disk)."""
        with self._io_lock:
            unsynced, self._unsynced = self._unsynced, []
        if unsynced:
            sync_segments(self.paths, unsynced)

    def _write_batch(self, batch: list[ReadableSpan], *, fsync: bool = True) -> bool:
        builder = SegmentBuilder()
        for span in batch:
            try:
                builder.add_span(span)
            except Exception:
                logger.exception("tracekit: a span could not be converted and was dropped")
        if not len(builder):
            return True
        try:
            segment = write_segment(self.paths, builder.to_table(), fsync=fsync)
        except Exception as error:
            self._problem(f"{len(builder)} spans could not be written to {self.paths.spool}", error)
            return False
        if not fsync:
            self._unsynced.append(segment)
        self._needs_fold = True
        return True

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
        started = time.monotonic()
        # Cleared before the fold: a segment written while it runs asks for the next one.
        self._needs_fold = False
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


def _reset_after_fork(ref: weakref.ReferenceType[StoreSpanProcessor]) -> None:
    # A forked child has the parent's buffer and lock state but not its thread: it records its
    # own spans with a fresh writer, and must not write the parent's spans a second time.
    processor: Any = ref()
    if processor is None:
        return
    processor._buffer = deque()
    processor._unsynced = []
    processor._io_lock = threading.Lock()
    processor._fold_lock = threading.Lock()
    processor._start_lock = threading.Lock()
    processor._wake = threading.Event()
    processor._thread = None
