"""Tee accepted OTLP requests to an upstream receiver without ever slowing or failing ingest.

Secrets are scrubbed on the way out, as on every path out of tracekit: the sender thread
decodes each request, scrubs it in place (span names, status messages, every attribute of
resources, scopes, spans, events and links, see :mod:`tracekit.scrub`) and re-encodes it as
OTLP protobuf with the OTel protobuf classes. Everything else (ids, times, kinds, scopes,
dropped counts, trace state) goes upstream as the client sent it. Only with ``raw=True``
(``serve --forward-raw``) is the body re-sent exactly as received, secrets included.

A bounded queue and one sender thread keep the request path free; when upstream is down or
slow, the queue fills and the oldest requests are dropped (and counted in the log), never the
local copy.

The stdlib ``urllib.request`` sends them: a POST of bytes is all that is needed, and the OTLP
exporter cannot send a body it did not encode itself.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import urllib.error
import urllib.request
from collections.abc import MutableSequence
from dataclasses import dataclass

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import KeyValue

from tracekit.exceptions import TracekitError
from tracekit.ingest.defaults import DEFAULT_MAX_BODY_BYTES
from tracekit.ingest.payload import BodyEncoding, decode_request
from tracekit.otlp.decode import attributes_from_proto
from tracekit.otlp.encode import attributes_to_proto
from tracekit.otlp.endpoints import traces_url
from tracekit.otlp.suppress import suppress_instrumentation
from tracekit.scrub import clean_attributes, scrub_text

logger = logging.getLogger("tracekit")

DEFAULT_QUEUE_REQUESTS = 256
_SEND_TIMEOUT_S = 10.0


def scrub_request(message: ExportTraceServiceRequest) -> None:
    """Scrub an OTLP trace request in place: span and event names, status messages, and the
    attributes of every resource, scope, span, event and link."""
    for resource_spans in message.resource_spans:
        _scrub_key_values(resource_spans.resource.attributes)
        for scope_spans in resource_spans.scope_spans:
            _scrub_key_values(scope_spans.scope.attributes)
            for span in scope_spans.spans:
                span.name = scrub_text(span.name)
                if span.status.message:
                    span.status.message = scrub_text(span.status.message)
                _scrub_key_values(span.attributes)
                for event in span.events:
                    event.name = scrub_text(event.name)
                    _scrub_key_values(event.attributes)
                for link in span.links:
                    _scrub_key_values(link.attributes)


def _scrub_key_values(key_values: MutableSequence[KeyValue]) -> None:
    # Through the same plain-value scrubber as the store, so both keep and redact alike; the
    # protobuf list is only rebuilt when something changed.
    if not key_values:
        return
    plain = attributes_from_proto(key_values)
    clean = clean_attributes(plain, True)
    if clean == plain and len(plain) == len(key_values):
        return
    del key_values[:]
    key_values.extend(attributes_to_proto(clean))


@dataclass(frozen=True)
class _Request:
    body: bytes
    headers: dict[str, str]


class OtlpForwarder:
    """Sends copies of OTLP/HTTP requests to ``url`` from a background thread, scrubbed of
    secrets (re-encoded as protobuf), or with ``raw`` exactly as received.

    >>> forwarder = OtlpForwarder("http://collector:4318")  # doctest: +SKIP
    >>> forwarder.submit(body, content_type="application/x-protobuf")  # doctest: +SKIP
    """

    def __init__(
        self,
        url: str,
        *,
        max_queue: int = DEFAULT_QUEUE_REQUESTS,
        raw: bool = False,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    ) -> None:
        self.url = traces_url(url)
        self.raw = raw
        # The receiver took each body under this limit, compressed and inflated alike.
        self._max_body_bytes = max_body_bytes
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

    def _scrubbed(self, item: _Request) -> _Request | None:
        try:
            decoded = decode_request(
                item.body,
                content_type=item.headers.get("Content-Type"),
                content_encoding=item.headers.get("Content-Encoding"),
                max_bytes=self._max_body_bytes,
            )
        except TracekitError as error:
            logger.warning("tracekit: a request was not forwarded to %s: %s", self.url, error)
            return None
        scrub_request(decoded.message)
        return _Request(
            decoded.message.SerializeToString(),
            {"Content-Type": BodyEncoding.PROTOBUF.content_type},
        )

    def _send(self, item: _Request) -> None:
        if not self.raw:
            scrubbed = self._scrubbed(item)
            if scrubbed is None:
                return
            item = scrubbed
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
