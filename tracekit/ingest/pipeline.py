"""From decoded OTLP requests to the store, through the same spool and fold as recording.

Each request's spans become one segment, written (fsynced and renamed into the spool) before
the client gets its 200: an accepted span is on disk even if the receiver is killed a moment
later. A worker process writes the segment through the page cache and the request thread
fsyncs it: the conversion processes never sit idle waiting for the disk. Folding into DuckDB
happens on a separate thread, in batches of whatever segments piled up meanwhile, so a
request never waits for the database or another process's lock. A fold waits until about a
DuckDB row group of spans has piled up (or :data:`DEFAULT_FOLD_INTERVAL_S` has passed): each
commit of fewer spans goes through the write-ahead log and makes the checkpoint rewrite the
table's last, partial row group, which cost twice the CPU per span of a fold of a full one
(measured: 11.5 us of fold CPU per span in folds of 20,000 spans, 6.8 in folds of 61,440).
Readers see nothing later for it: a read folds what is pending first.

Spans that do not convert (a malformed id, an unknown kind) are rejected one by one: the client
learns how many, and why, through ``partial_success``; the rest of the request is kept.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import BrokenExecutor, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans

from tracekit.exceptions import OtlpRequestError, StoreLockedError, TracekitError
from tracekit.ingest.payload import BodyEncoding, body_encoding, decode_request
from tracekit.otlp import raw_attributes
from tracekit.store.convert import SegmentBuilder
from tracekit.store.db import ROW_GROUP_SIZE
from tracekit.store.fold import FoldResult, fold_pending
from tracekit.store.paths import StorePaths
from tracekit.store.spool import sync_segments, write_segment
from tracekit.store.writer_engine import WriterEngine

logger = logging.getLogger("tracekit")

#: How long the fold thread lets segments pile up, at most, before folding them in one
#: transaction.
DEFAULT_FOLD_INTERVAL_S = 2.0
#: Spans piled up that start a fold at once: a row group's worth (see the module docstring).
FOLD_SPANS = ROW_GROUP_SIZE
#: How long a fold waits for a foreign program (not tracekit) holding the database file.
_DB_WAIT_S = 2.0


@dataclass(frozen=True)
class IngestResult:
    """What became of one request's spans."""

    accepted: int
    rejected: int
    error_message: str = ""
    #: The segment written, not yet fsynced when the caller asked for that
    #: (``fsync=False``); None when no span was accepted.
    segment: Path | None = None


def _convert(resource_spans: Iterable[ResourceSpans], builder: SegmentBuilder) -> None:
    builder.add_resource_spans(resource_spans)


def _convert_one_by_one(
    resource_spans: Sequence[ResourceSpans], builder: SegmentBuilder
) -> tuple[int, str]:
    """Convert span by span, dropping those that fail; (rejected, first reason)."""
    rejected, first = 0, ""
    for rs in resource_spans:
        for ss in rs.scope_spans:
            for span in ss.spans:
                single = ResourceSpans(resource=rs.resource, schema_url=rs.schema_url)
                scope = single.scope_spans.add(scope=ss.scope, schema_url=ss.schema_url)
                scope.spans.append(span)
                try:
                    # SegmentBuilder adds a span all or nothing: a failure adds nothing.
                    _convert([single], builder)
                except (TracekitError, ValueError, TypeError) as error:
                    rejected += 1
                    first = first or str(error)
    return rejected, first


@dataclass(frozen=True)
class Refused:
    """A request refused as a whole: the HTTP status and why."""

    status: int
    message: str


def write_spans(
    paths: StorePaths, resource_spans: Sequence[ResourceSpans], *, fsync: bool = True
) -> IngestResult:
    """Convert one request's spans and write them as one segment of the store's spool
    (``fsync=False``: through the page cache; the caller syncs ``result.segment``)."""
    builder = SegmentBuilder()
    rejected, problem = 0, ""
    try:
        _convert(resource_spans, builder)
    except (TracekitError, ValueError, TypeError):
        # Some span does not convert (a malformed id, say): find which, keep the others.
        builder = SegmentBuilder()
        rejected, problem = _convert_one_by_one(resource_spans, builder)
    segment = write_segment(paths, builder.to_table(), fsync=fsync) if len(builder) else None
    return IngestResult(
        accepted=len(builder), rejected=rejected, error_message=problem, segment=segment
    )


def ingest_body(
    paths: StorePaths,
    body: bytes,
    content_type: str | None,
    content_encoding: str | None,
    max_bytes: int,
    fsync: bool = True,
) -> IngestResult | Refused:
    """Decode an OTLP/HTTP body and write its spans; a picklable outcome (worker processes
    run this, with ``fsync=False``: the request thread syncs the segment)."""
    if _plain_protobuf(content_type, content_encoding):
        result = _write_raw_spans(paths, body, fsync)
        if result is not None:
            return result
    try:
        request = decode_request(
            body,
            content_type=content_type,
            content_encoding=content_encoding,
            max_bytes=max_bytes,
        )
    except OtlpRequestError as error:
        return Refused(error.status, str(error))
    return write_spans(paths, request.message.resource_spans, fsync=fsync)


def _plain_protobuf(content_type: str | None, content_encoding: str | None) -> bool:
    try:
        encoding = body_encoding(content_type)
    except OtlpRequestError:
        return False  # refused by decode_request, with its reason
    return encoding is BodyEncoding.PROTOBUF and (content_encoding or "").strip().lower() in (
        "",
        "identity",
    )


def _write_raw_spans(paths: StorePaths, body: bytes, fsync: bool) -> IngestResult | None:
    """A protobuf body read through :mod:`tracekit.otlp.raw_attributes` and written as one
    segment; None when the standard path must decide (a span that does not convert, a nested
    or invalid attribute, a body that does not parse): the rows are the same either way."""
    builder = SegmentBuilder()
    try:
        builder.add_span_fields(raw_attributes.span_fields(raw_attributes.parse_request(body)))
    except (raw_attributes.NotPlain, TracekitError, ValueError, TypeError):
        return None
    segment = write_segment(paths, builder.to_table(), fsync=fsync) if len(builder) else None
    return IngestResult(accepted=len(builder), rejected=0, segment=segment)


def default_workers() -> int:
    """Conversion processes worth starting here: one per core, none on a single core."""
    cores = os.cpu_count() or 1
    return cores if cores > 1 else 0


def _worker_ready() -> bool:
    return True


def _worker_init(parent_alive: Connection) -> None:
    # Ctrl-C reaches the whole process group: workers leave it to the server, which stops
    # accepting and then lets them finish the requests in flight.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(
        target=_exit_with_parent, args=(parent_alive,), name="tracekit-parent-watch", daemon=True
    ).start()
    import tracekit.otlp.decode  # noqa: F401  (imported once, before the first request)


def _exit_with_parent(parent_alive: Connection) -> None:
    """Block on the parent's pipe; its end closes when the parent exits, however it dies.

    A pipe rather than Linux's PR_SET_PDEATHSIG: that signal fires when the *thread* that
    started the worker ends (the pool may start workers from any request thread), it is
    Linux-only, and it misses a parent that died before the worker set it. The write end
    lives only in the parent (spawned children get just the fds passed to them), so EOF here
    means the parent is gone: nobody is left to take this worker's results.
    """
    with contextlib.suppress(EOFError, OSError):
        parent_alive.recv_bytes()
    os._exit(0)


class SpoolIngest:
    """Writes decoded OTLP spans into a store's spool and folds them off the request path.

    >>> ingest = SpoolIngest("runs.duckdb")  # doctest: +SKIP
    >>> ingest.ingest_body(body, content_type="application/x-protobuf",
    ...                    content_encoding=None, max_bytes=2**20)  # doctest: +SKIP
    IngestResult(accepted=512, rejected=0, error_message='')
    >>> ingest.close()  # doctest: +SKIP
    """

    def __init__(
        self,
        store_path: str | Path | None = None,
        *,
        fold_interval_s: float = DEFAULT_FOLD_INTERVAL_S,
        workers: int = 0,
    ) -> None:
        self.paths = StorePaths.for_store(store_path)
        # Decoding and converting is per-span Python: worker processes use every core.
        self._context = multiprocessing.get_context("spawn")
        self._workers = workers
        self._parent_alive = self._context.Pipe(duplex=False) if workers > 0 else None
        # ``_pool_lock`` guards replacing a broken pool (and closing): one replacement per
        # broken pool, however many requests saw it break.
        self._pool_lock = threading.Lock()
        self._closing = False
        self._pool = self._start_pool()
        self._fold_interval_s = max(0.0, fold_interval_s)
        self._dirty = threading.Event()
        # Set when FOLD_SPANS spans wait (counted in ``_unfolded_spans`` under ``_count_lock``).
        self._enough = threading.Event()
        self._count_lock = threading.Lock()
        self._unfolded_spans = 0
        self._stopping = threading.Event()
        self._fold_lock = threading.Lock()
        # One DuckDB instance for every fold of this receiver (each attaches the file).
        self._engine = WriterEngine()
        self._wrote = False
        self._thread = threading.Thread(target=self._fold_loop, name="tracekit-fold", daemon=True)
        self._thread.start()

    def ingest_body(
        self,
        body: bytes,
        *,
        content_type: str | None,
        content_encoding: str | None,
        max_bytes: int,
    ) -> IngestResult | Refused:
        """Decode one request body and write its spans as a segment (in a worker process when
        there are workers). Raises OSError when the segment cannot be written (the client
        should retry)."""
        pool = self._pool
        args = (self.paths, body, content_type, content_encoding, max_bytes, pool is None)
        if pool is None:
            result = ingest_body(*args)
        else:
            try:
                result = pool.submit(ingest_body, *args).result()
            except BrokenExecutor:
                # A worker died (killed, out of memory, a crash in a decoder): the pool is
                # broken for good. New workers take this request once; if they break too,
                # the caller answers 503 and the next request gets workers again.
                fresh = self._replace_pool(pool)
                if fresh is None:
                    raise
                result = fresh.submit(ingest_body, *args).result()
        if isinstance(result, IngestResult) and result.segment is not None and pool is not None:
            # On disk before the client hears 200. fsync releases the GIL: other requests'
            # threads go on meanwhile, and the workers are already converting the next ones.
            sync_segments(self.paths, [result.segment])
        if isinstance(result, IngestResult) and result.accepted:
            self._wrote = True
            with self._count_lock:
                self._unfolded_spans += result.accepted
                if self._unfolded_spans >= FOLD_SPANS:
                    self._enough.set()
            self._dirty.set()
        return result

    def _start_pool(self) -> ProcessPoolExecutor | None:
        if self._parent_alive is None:
            return None
        pool = ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=self._context,
            initializer=_worker_init,
            initargs=(self._parent_alive[0],),
        )
        # Start the workers now (each imports tracekit once), not on the first request.
        for warm in [pool.submit(_worker_ready) for _ in range(self._workers)]:
            warm.result()
        return pool

    def _replace_pool(self, broken: ProcessPoolExecutor) -> ProcessPoolExecutor | None:
        """The pool to use instead of ``broken`` (a new one, unless another request thread
        made it already); None once closing."""
        with self._pool_lock:
            if self._closing:
                return None
            if self._pool is broken:
                logger.warning("tracekit: a receiver worker process died; starting new workers")
                broken.shutdown(wait=False)
                self._pool = self._start_pool()
            return self._pool

    def fold_now(self, *, wait_s: float | None = None) -> FoldResult | None:
        """Fold what is in the spool now; None when another process holds the store."""
        with self._fold_lock:
            try:
                return fold_pending(
                    self.paths, wait_s=wait_s, db_wait_s=_DB_WAIT_S, engine=self._engine
                )
            except StoreLockedError:
                return None

    def close(self, *, fold_wait_s: float = 10.0) -> FoldResult | None:
        """Stop the fold thread and fold every written segment (waiting up to
        ``fold_wait_s`` for another process's lock; unfolded segments stay in the spool,
        where every reader still sees them)."""
        self._stopping.set()
        self._dirty.set()
        self._enough.set()
        with self._pool_lock:
            self._closing = True
        if self._pool is not None:
            # Requests in flight still finish; idle workers exit while the last fold runs.
            self._pool.shutdown(wait=False)
        self._thread.join()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        for end in self._parent_alive or ():
            end.close()
        if not self._wrote:
            self._engine.close()
            return None  # nothing received: leave no trace of a store behind
        try:
            return self.fold_now(wait_s=fold_wait_s)
        except Exception:
            logger.exception("tracekit: the final fold into %s failed", self.paths.db)
            return None
        finally:
            self._engine.close()

    def _fold_loop(self) -> None:
        while not self._stopping.is_set():
            self._dirty.wait()
            if self._stopping.is_set():
                return
            # Let the segments of concurrent requests pile up, until a row group's worth or
            # the interval: one transaction folds them all.
            self._enough.wait(self._fold_interval_s)
            if self._stopping.is_set():
                return
            with self._count_lock:
                self._unfolded_spans = 0
                self._enough.clear()
            self._dirty.clear()
            try:
                result = self.fold_now()
            except Exception:
                logger.exception("tracekit: folding into %s failed", self.paths.db)
                result = None
            if result is None and not self._stopping.is_set():
                self._dirty.set()  # busy store: try again after the next interval
                self._stopping.wait(self._fold_interval_s)
