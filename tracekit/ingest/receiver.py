"""``tracekit serve``: an OTLP/HTTP trace receiver that writes into a tracekit store.

The server is the stdlib's :class:`http.server.ThreadingHTTPServer`: OTLP/HTTP is one POST
route with a bounded body, which needs no framework, and the stdlib server is what every
Python has (no ASGI stack to install and keep up to date for one endpoint). One thread per
connection; the work per request (decode, convert, write a segment) is CPU-bound Python anyway.

Load is bounded, never answered with a reset: a deep listen backlog takes bursts of
connections, at most ``max_connections`` are served at once (more are answered 503 and
closed), and at most ``max_requests`` requests holding at most ``max_inflight_bytes`` are
decoded at once (see :mod:`tracekit.ingest.admission`). Every 503 carries ``Retry-After``,
which the OTLP exporters honour. With a ``token``, requests without ``Authorization: Bearer
TOKEN`` get 401.

Shutdown is graceful: stop accepting, let requests in flight finish (their spans are written),
close idle keep-alive connections, then fold everything into the database.

>>> with OtlpReceiver("runs.duckdb", port=0) as receiver:  # doctest: +SKIP
...     print(receiver.url)
http://127.0.0.1:40731/v1/traces
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import logging
import socket
import threading
from concurrent.futures import BrokenExecutor
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from tracekit.exceptions import OtlpRequestError
from tracekit.ingest.admission import (
    DEFAULT_MAX_INFLIGHT_BYTES,
    DEFAULT_MAX_REQUESTS,
    Admission,
    Ticket,
)
from tracekit.ingest.defaults import DEFAULT_HOST, DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT
from tracekit.ingest.forward import OtlpForwarder
from tracekit.ingest.payload import (
    BodyEncoding,
    decompress,
    error_reply,
    success_reply,
)
from tracekit.ingest.pipeline import DEFAULT_FOLD_INTERVAL_S, IngestResult, Refused, SpoolIngest
from tracekit.otlp.endpoints import TRACES_PATH
from tracekit.store.fold import FoldResult

logger = logging.getLogger("tracekit")

#: A connection that sends nothing for this long is closed (slow clients cannot pin threads).
IDLE_TIMEOUT_S = 30.0
#: Bodies over the limit are still read (and thrown away) up to this many times the limit, so
#: the client reads a clean 413 instead of a reset connection; beyond that the socket closes.
_DRAIN_FACTOR = 4
#: How often the accept loop looks for a stop request: stopping waits up to this long (the
#: stdlib's default, 0.5 s, would add that much to every shutdown).
_SHUTDOWN_POLL_S = 0.05
#: Connections queued by the kernel before accept (the stdlib's 5 reset most of a burst of 200
#: clients; Linux caps it at net.core.somaxconn).
LISTEN_BACKLOG = 1024
#: Connections served at once; more are answered 503 and closed.
DEFAULT_MAX_CONNECTIONS = 512
#: How long a request waits for a free slot before it is answered 503.
ADMISSION_WAIT_S = 1.0
#: The ``Retry-After`` of every 503, in seconds.
RETRY_AFTER_S = 1


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the receiver on this machine.

    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve anywhere


class _Server(ThreadingHTTPServer):
    # Non-daemon handler threads: server_close() joins them, so requests in flight finish.
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(
        self, address: tuple[str, int], receiver: OtlpReceiver, max_connections: int
    ) -> None:
        self.receiver = receiver
        self.closing = False
        self.idle: set[socket.socket] = set()
        self.idle_lock = threading.Lock()
        self.max_connections = max_connections
        self.connections = 0
        super().__init__(address, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # Runs on the connection's own thread: one over the limit is answered 503, not served.
        with self.idle_lock:
            self.connections += 1
            over = self.connections > self.max_connections
        try:
            (_BusyHandler if over else _Handler)(request, client_address, self)
        finally:
            with self.idle_lock:
                self.connections -= 1

    def set_idle(self, connection: socket.socket, idle: bool) -> None:
        with self.idle_lock:
            if idle:
                self.idle.add(connection)
            else:
                self.idle.discard(connection)

    def close_idle_connections(self) -> None:
        with self.idle_lock:
            self.closing = True
            idle, self.idle = list(self.idle), set()
        for connection in idle:
            # Wakes the handler blocked reading the next request line; it sees EOF and ends.
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RD)


class _Server6(_Server):
    address_family = socket.AF_INET6


def _server_for(host: str, port: int, receiver: OtlpReceiver, max_connections: int) -> _Server:
    server_class = _Server6 if ":" in host else _Server
    return server_class((host.strip("[]"), port), receiver, max_connections)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive: the OTLP exporters reuse their connection
    timeout = IDLE_TIMEOUT_S

    def setup(self) -> None:
        super().setup()
        self.server.set_idle(self.connection, True)

    def finish(self) -> None:
        self.server.set_idle(self.connection, False)
        super().finish()

    def parse_request(self) -> bool:
        self.server.set_idle(self.connection, False)
        return super().parse_request()

    # --- routes -------------------------------------------------------------------------------

    def do_POST(self) -> None:
        if not self._authorized() or not self._on_traces_path():
            return
        encoding = _reply_encoding(self.headers.get("Content-Type"))
        ticket = self._admit(encoding)
        if ticket is None:
            return
        try:
            self._ingest(ticket, encoding)
        finally:
            ticket.release()

    def _ingest(self, ticket: Ticket, encoding: BodyEncoding) -> None:
        receiver = self.server.receiver
        body = self._read_body(receiver.max_body_bytes, encoding)
        if body is None:
            return
        content_encoding = self.headers.get("Content-Encoding")
        try:
            # Inflated here, not in a worker, so the inflated bytes count against the budget.
            data = decompress(
                body, content_encoding, max_bytes=receiver.max_body_bytes, on_inflate=ticket.charge
            )
        except OtlpRequestError as error:
            if error.status == HTTPStatus.SERVICE_UNAVAILABLE:  # the inflated body did not fit
                self._reply_busy(str(error), encoding)
            else:
                self._reply_error(error.status, str(error), encoding)
            return
        try:
            result = receiver.pipeline.ingest_body(
                data,
                content_type=self.headers.get("Content-Type"),
                content_encoding=None,
                max_bytes=receiver.max_body_bytes,
            )
        except (OSError, BrokenExecutor):
            logger.exception("tracekit: spans could not be written to %s", receiver.store_path)
            self._reply_busy("the store cannot be written; retry later", encoding)
            return
        except Exception:
            # Not the client's to retry (a 503 would make exporters retry it forever).
            logger.exception("tracekit: a request could not be ingested")
            self._reply_error(
                HTTPStatus.INTERNAL_SERVER_ERROR, "the request could not be ingested", encoding
            )
            return
        if isinstance(result, Refused):
            self._reply_error(result.status, result.message, encoding)
            return
        receiver.record(result)
        if receiver.forwarder is not None and result.accepted:
            receiver.forwarder.submit(
                body, content_type=encoding.content_type, content_encoding=content_encoding
            )
        reply = success_reply(result.rejected, result.error_message, encoding)
        self._reply(HTTPStatus.OK, reply, encoding.content_type)

    def do_GET(self) -> None:
        if self._authorized():
            self._not_allowed()

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    # --- helpers ------------------------------------------------------------------------------

    def _authorized(self) -> bool:
        token = self.server.receiver.token
        if token is None:
            return True
        scheme, _, credentials = self.headers.get("Authorization", "").partition(" ")
        # compare_digest: the time taken does not tell how much of a guess was right.
        if scheme.lower() == "bearer" and hmac.compare_digest(
            credentials.strip().encode("utf-8", "surrogateescape"), token.encode()
        ):
            return True
        self._discard_body()
        self._reply_error(
            HTTPStatus.UNAUTHORIZED,
            "send Authorization: Bearer <token> (the token serve was started with)",
            _reply_encoding(self.headers.get("Content-Type")),
            extra_headers={"WWW-Authenticate": "Bearer"},
        )
        return False

    def _admit(self, encoding: BodyEncoding) -> Ticket | None:
        try:
            length = max(0, int(self.headers.get("Content-Length", "0")))
        except ValueError:
            length = 0  # _read_body answers it
        ticket = self.server.receiver.admission.admit(
            min(length, self.server.receiver.max_body_bytes), wait_s=ADMISSION_WAIT_S
        )
        if ticket is None:
            self._discard_body()
            self._reply_busy("the receiver is busy", encoding)
        return ticket

    def _reply_busy(self, message: str, encoding: BodyEncoding) -> None:
        self._reply_error(
            HTTPStatus.SERVICE_UNAVAILABLE,
            f"{message}; retry in {RETRY_AFTER_S} s",
            encoding,
            extra_headers={"Retry-After": str(RETRY_AFTER_S)},
        )

    def _on_traces_path(self) -> bool:
        if self.path.split("?", 1)[0] == TRACES_PATH:
            return True
        self._discard_body()
        self._reply_error(HTTPStatus.NOT_FOUND, f"no such path: {self.path}", BodyEncoding.JSON)
        return False

    def _not_allowed(self) -> None:
        if not self._on_traces_path():
            return
        self._discard_body()
        self._reply_error(
            HTTPStatus.METHOD_NOT_ALLOWED,
            f"{self.command} is not allowed; POST to {TRACES_PATH}",
            BodyEncoding.JSON,
            extra_headers={"Allow": "POST"},
        )

    def _read_body(self, limit: int, encoding: BodyEncoding) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            self._reply_error(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length", encoding)
            return None
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self.close_connection = True
            self._reply_error(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length", encoding)
            return None
        if length < 0:
            self.close_connection = True
            self._reply_error(HTTPStatus.BAD_REQUEST, "negative Content-Length", encoding)
            return None
        if length > limit:
            if length <= limit * _DRAIN_FACTOR:
                self._drain(length)
            else:
                self.close_connection = True
            self._reply_error(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the body is {length} bytes; the limit is {limit}",
                encoding,
            )
            return None
        body = self.rfile.read(length)
        if len(body) != length:
            self.close_connection = True
            return None  # the client went away mid-body: nothing to answer
        return body

    def _drain(self, length: int) -> None:
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 20))
            if not chunk:
                self.close_connection = True
                return
            length -= len(chunk)

    def _discard_body(self) -> None:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = 0
        if 0 < length <= self.server.receiver.max_body_bytes:
            self._drain(length)
        elif length:
            self.close_connection = True

    def _reply_error(
        self,
        status: int,
        message: str,
        encoding: BodyEncoding,
        *,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        logger.debug("tracekit serve: %s %s -> %d %s", self.command, self.path, status, message)
        self._reply(
            status, error_reply(status, message, encoding), encoding.content_type, extra_headers
        )

    def _reply(
        self,
        status: int,
        body: bytes,
        content_type: str,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        if self.server.closing:
            self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra_headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()
        if not self.close_connection:
            self.server.set_idle(self.connection, True)
            if self.server.closing:
                self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("tracekit serve: " + format, *args)


class _BusyHandler(_Handler):
    """Serves a connection over ``max_connections``: 503 to its request, then close."""

    def do_POST(self) -> None:
        self.close_connection = True
        self._discard_body()
        self._reply_busy("too many connections", _reply_encoding(self.headers.get("Content-Type")))

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_POST


def _reply_encoding(content_type: str | None) -> BodyEncoding:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return BodyEncoding.JSON if media_type == BodyEncoding.JSON.value else BodyEncoding.PROTOBUF


class OtlpReceiver:
    """An OTLP/HTTP receiver for ``POST /v1/traces`` writing into the store at ``store``.

    Args:
        store: the store file (default rules of ``resolve_store_path``).
        host: the address to bind; 127.0.0.1 unless exposing it is meant.
        port: the port; 0 picks a free one (see :attr:`port`).
        max_body_bytes: the request size limit, compressed and inflated alike.
        forward_url: also send every accepted request to this OTLP/HTTP receiver (scrubbed of
            secrets, re-encoded as protobuf).
        forward_raw: forward request bodies exactly as received, secrets included.
        fold_interval_s: how long segments pile up, at most, before one fold moves them into
            DuckDB (a row group's worth of spans folds sooner).
        workers: processes that decode and convert requests (0: the request threads do).
        token: when set, requests must carry ``Authorization: Bearer <token>`` (else 401).
        max_inflight_bytes: request bytes held at once across requests (beyond: 503).
        max_requests: requests decoded at once (beyond, after a short wait: 503).
        max_connections: connections served at once (beyond: 503 and close).
    """

    def __init__(
        self,
        store: str | Path | None = None,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        forward_url: str | None = None,
        forward_raw: bool = False,
        fold_interval_s: float = DEFAULT_FOLD_INTERVAL_S,
        workers: int = 0,
        token: str | None = None,
        max_inflight_bytes: int = DEFAULT_MAX_INFLIGHT_BYTES,
        max_requests: int = DEFAULT_MAX_REQUESTS,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        self.max_body_bytes = max_body_bytes
        self.token = token or None
        self.admission = Admission(max_requests=max_requests, max_bytes=max_inflight_bytes)
        self.forwarder = (
            OtlpForwarder(forward_url, raw=forward_raw, max_body_bytes=max_body_bytes)
            if forward_url
            else None
        )
        self.pipeline = SpoolIngest(store, fold_interval_s=fold_interval_s, workers=workers)
        self.store_path = self.pipeline.paths.db
        self.accepted_spans = 0
        self.rejected_spans = 0
        self._counts_lock = threading.Lock()
        try:
            self._server = _server_for(host, port, self, max_connections)
        except BaseException:
            self._close_workers()
            raise
        self._thread: threading.Thread | None = None
        self._stopped = False

    @property
    def host(self) -> str:
        """The bound address."""
        return str(self._server.server_address[0])

    @property
    def port(self) -> int:
        """The bound port (the real one when 0 was asked for)."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The full traces endpoint, e.g. ``http://127.0.0.1:4318/v1/traces``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{TRACES_PATH}"

    def record(self, result: IngestResult) -> None:
        """Count one request's outcome."""
        with self._counts_lock:
            self.accepted_spans += result.accepted
            self.rejected_spans += result.rejected

    def start(self) -> OtlpReceiver:
        """Serve on a background thread; returns self."""
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": _SHUTDOWN_POLL_S},
            name="tracekit-serve",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, *, fold_wait_s: float = 10.0) -> FoldResult | None:
        """Stop accepting, finish requests in flight, forward what is queued, fold every
        accepted span into the database. Safe to call twice."""
        if self._stopped:
            return None
        self._stopped = True
        if self._thread is not None:
            self._server.shutdown()  # returns once serve_forever has stopped accepting
            self._thread.join()
        self._server.close_idle_connections()
        self._server.server_close()  # joins the handler threads: requests in flight finish
        return self._close_workers(fold_wait_s=fold_wait_s)

    def _close_workers(self, *, fold_wait_s: float = 10.0) -> FoldResult | None:
        if self.forwarder is not None:
            self.forwarder.close()
        return self.pipeline.close(fold_wait_s=fold_wait_s)

    def __enter__(self) -> OtlpReceiver:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
