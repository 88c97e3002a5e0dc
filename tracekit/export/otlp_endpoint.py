"""``tracekit export --otlp-endpoint``: send stored traces to Jaeger, Tempo or a Collector.

The spans go through the official OTLP exporters (``http/protobuf`` or ``grpc``) in batches,
read from the store a round at a time (never the whole store in memory). Content attributes
stay local unless ``with_content``. Every span is scrubbed of secrets right before the exporter
encodes it, whatever the caller passes
(:class:`~tracekit.export.scrubbing.ScrubbingSpanExporter`). An endpoint that cannot be
reached is found out before the first batch (one TCP connect), so the user gets a one-line
error at once rather than after the exporter's retries.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from tracekit.exceptions import ConfigError, ExportError
from tracekit.export.scrubbing import ScrubbingSpanExporter
from tracekit.otlp.encode import ReadableSpanFactory
from tracekit.otlp.endpoints import http_url, traces_url
from tracekit.otlp.model import OtlpSpan
from tracekit.otlp.suppress import suppress_instrumentation

PROTOCOLS = ("http/protobuf", "grpc")
#: Spans per export request (the SDK batch processor's default batch size).
DEFAULT_BATCH_SPANS = 512
DEFAULT_TIMEOUT_S = 10.0
_CONNECT_TIMEOUT_S = 3.0
_EXPORTER_LOGGERS = ("opentelemetry.exporter", "opentelemetry.sdk")


@dataclass(frozen=True)
class ExportSummary:
    """What an export sent."""

    spans: int
    traces: int
    endpoint: str


def make_exporter(endpoint: str, protocol: str, *, timeout_s: float) -> tuple[SpanExporter, str]:
    """The official OTLP exporter for ``protocol``, and the URL it sends to."""
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
            OTLPSpanExporter as GrpcSpanExporter,
        )

        parts = http_url(endpoint, example="http://localhost:4317")
        exporter: SpanExporter = GrpcSpanExporter(
            endpoint=parts.netloc, insecure=parts.scheme == "http", timeout=timeout_s
        )
        return exporter, endpoint
    if protocol != "http/protobuf":
        raise ConfigError(f"unknown protocol {protocol!r}; choose {' or '.join(PROTOCOLS)}")
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    url = traces_url(endpoint)
    return OTLPSpanExporter(endpoint=url, timeout=timeout_s), url


def check_reachable(url: str) -> None:
    """Raise ExportError unless a TCP connection to ``url``'s host and port opens."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=_CONNECT_TIMEOUT_S):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ExportError(f"cannot reach the OTLP endpoint {url}: {reason}") from None


def batched(spans: Iterable[OtlpSpan], size: int) -> Iterator[list[OtlpSpan]]:
    """``spans`` in lists of at most ``size``."""
    batch: list[OtlpSpan] = []
    for span in spans:
        batch.append(span)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class _LastError(logging.Handler):
    """Keeps the exporter's last error message instead of printing it: the CLI reports one
    line of its own."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.message = ""

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.message = record.getMessage()


@contextlib.contextmanager
def _captured_exporter_logs() -> Iterator[_LastError]:
    handler = _LastError()
    loggers = [logging.getLogger(name) for name in _EXPORTER_LOGGERS]
    saved = [(log, log.propagate) for log in loggers]
    for log in loggers:
        log.addHandler(handler)
        log.propagate = False
    try:
        yield handler
    finally:
        for log, propagate in saved:
            log.removeHandler(handler)
            log.propagate = propagate


def send_spans(
    spans: Iterable[OtlpSpan],
    endpoint: str,
    *,
    protocol: str = "http/protobuf",
    with_content: bool = False,
    batch_spans: int = DEFAULT_BATCH_SPANS,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> ExportSummary:
    """Send ``spans`` to the OTLP endpoint; raises ExportError when it does not take them
    (the spans of the batches before stay sent)."""
    official, url = make_exporter(endpoint, protocol, timeout_s=timeout_s)
    # Spans read through stored_spans are scrubbed already; a second pass here costs little
    # (short strings are memoised) and keeps any other caller from sending a secret.
    exporter = ScrubbingSpanExporter(official)
    to_readable = ReadableSpanFactory()
    sent = 0
    trace_ids: set[str] = set()
    try:
        # Exporting must not be traced by this process's own instrumentation.
        with suppress_instrumentation():
            check_reachable(url)
            with _captured_exporter_logs() as last_error:
                for batch in batched(spans, batch_spans):
                    readable: Sequence[ReadableSpan] = [
                        to_readable(span, with_content=with_content) for span in batch
                    ]
                    if exporter.export(readable) is not SpanExportResult.SUCCESS:
                        detail = f": {last_error.message}" if last_error.message else ""
                        raise ExportError(
                            f"the OTLP endpoint {url} did not accept the spans "
                            f"({sent} sent before){detail}"
                        )
                    sent += len(batch)
                    trace_ids.update(span.trace_id for span in batch)
    finally:
        with contextlib.suppress(Exception):
            exporter.shutdown()
    return ExportSummary(spans=sent, traces=len(trace_ids), endpoint=url)


def export_store(
    store: str | Path | None,
    endpoint: str,
    *,
    protocol: str = "http/protobuf",
    with_content: bool = False,
    trace_ids: Sequence[str] | None = None,
    since_ns: int | None = None,
    batch_spans: int = DEFAULT_BATCH_SPANS,
) -> ExportSummary:
    """Send the stored traces (all, or those named / started since ``since_ns``) to the
    OTLP endpoint."""
    from tracekit.export.files import stored_spans
    from tracekit.store import TraceStore

    spans = stored_spans(
        TraceStore(store), trace_ids=trace_ids, since_ns=since_ns, with_content=with_content
    )
    return send_spans(
        spans, endpoint, protocol=protocol, with_content=with_content, batch_spans=batch_spans
    )
