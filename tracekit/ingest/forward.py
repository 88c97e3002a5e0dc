"""Tee accepted OTLP requests to an upstream receiver without ever slowing or failing ingest.

The body is re-sent exactly as received (same bytes, content type and encoding): no decode,
no re-encode, and upstream sees what the client sent. A bounded queue and one sender thread
keep the request path free; when upstream is down or slow, the queue fills and the oldest
requests are dropped (and counted in the log), never the local copy.

The stdlib ``urllib.request`` sends them: a raw POST of bytes is all that is needed, and the
OTLP exporter cannot send a body it did not encode itself.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass

from tracekit.otlp.endpoints import traces_url
from tracekit.otlp.suppress import suppress_instrumentation

logger = logging.getLogger("tracekit")

DEFAULT_QUEUE_REQUESTS = 256
_SEND_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class _Request:
    body: bytes
    headers: dict[str, str]


class OtlpForwarder:
    """Sends copies of OTLP/HTTP requests to ``url`` from a background thread.

    >>> forwarder = OtlpForwarder("http://collector:4318")  # doctest: +SKIP
    >>> forwarder.submit(body, content_type="application/x-protobuf")  # doctest: +SKIP
    """

    def __init__(self, url: str, *, max_queue: int = DEFAULT_QUEUE_REQUESTS) -> None:
        self.url = traces_url(url)
        self._queue: queue.Queue[_Request | None] = queue.Queue(maxsize=max(1, max_queue))
        self._dropped = 0
        self._failing = False
        self.sent = 0
        self._thread = threading.Thread(target=self._run, name="tracekit-forward", daemon=True)
        self._thread.start()

    def submit(
        self, body: bytes, *, content_type: str, content_encoding: str | None = None
    ) -> None:
        """Queue one request body for upstream; never blocks (a full queue drops its oldest)."""
        headers = {"Content-Type": content_type}
        if content_encoding:
            headers["Content-Encoding"] = content_encoding
        item = _Request(body, headers)
        while True:
            try:
                self._queue.put_nowait(item)
                return
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._queue.get_nowait()
                    self._dropped += 1
                    if self._dropped == 1 or self._dropped % 100 == 0:
                        logger.warning(
                            "tracekit: forwarding to %s is behind; %d requests dropped so far",
                            self.url,
                            self._dropped,
                        )

    def close(self, *, timeout_s: float = 5.0) -> None:
        """Send what is queued (for up to ``timeout_s``), then stop."""
        with contextlib.suppress(queue.Full):
            self._queue.put(None, timeout=timeout_s)
        self._thread.join(timeout_s)
        left = self._queue.qsize()
        if self._thread.is_alive() or left:
            logger.warning("tracekit: %d requests were not forwarded to %s", left, self.url)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            self._send(item)

    def _send(self, item: _Request) -> None:
        request = urllib.request.Request(self.url, data=item.body, headers=item.headers)
        # Forwarding is telemetry plumbing: it must not be traced by whatever instruments
        # urllib in this process.
        try:
            with (
                suppress_instrumentation(),
                urllib.request.urlopen(request, timeout=_SEND_TIMEOUT_S) as response,
            ):
                response.read()
        except (urllib.error.URLError, OSError, ValueError) as error:
            if not self._failing:
                logger.warning("tracekit: cannot forward to %s: %s", self.url, error)
            self._failing = True
            return
        if self._failing:
            logger.warning("tracekit: forwarding to %s works again", self.url)
        self._failing = False
        self.sent += 1
