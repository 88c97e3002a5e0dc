"""Live OTLP export while recording, configured by the standard OpenTelemetry variables.

When ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set,
:func:`live_export_processor` returns a batch processor with the official OTLP exporter (HTTP
by default, gRPC when ``OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL=grpc``); the exporter reads the
rest of its settings (headers, timeout, compression, certificates) from the same variables.

Every span is scrubbed of secrets before the exporter encodes it (as on every path out, see
:mod:`tracekit.scrub`). Content attributes (messages, tool arguments and results) stay local
unless ``TRACEKIT_OTLP_WITH_CONTENT=1``. An endpoint that is down costs the program nothing: after a
failed export the next batches are dropped at once for a while instead of waiting on retries,
one export tries for at most :data:`EXPORT_TIMEOUT_S` (unless ``OTEL_EXPORTER_OTLP_TIMEOUT``
says otherwise), exit waits at most :data:`SHUTDOWN_WAIT_S` for the last batch, and the whole
outage is one warning line (the exporter's own retry lines are kept out of the program's log).

:func:`live_metric_reader` does the same for metrics: with ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
``OTEL_EXPORTER_OTLP_METRICS_ENDPOINT``) set, the two GenAI client histograms
(``gen_ai.client.token.usage``, ``gen_ai.client.operation.duration``, with the semconv
bucket boundaries, see :class:`tracekit.telemetry.GenAIMetrics`) go to ``/v1/metrics``
through the official OTLP metric exporter, every :data:`METRIC_INTERVAL_S` and at exit, so
the Prometheus panels and alert rules of ``dashboards/`` fill for tracekit's own runs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping, Sequence

from opentelemetry.sdk.metrics.export import MetricExporter, PeriodicExportingMetricReader
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from tracekit import settings
from tracekit.export.scrubbing import ScrubbingSpanExporter
from tracekit.semconv import is_content_attribute

logger = logging.getLogger("tracekit")

#: ``1`` (or ``true``) sends content attributes to the OTLP endpoint too.
WITH_CONTENT_ENV = settings.TRACEKIT_OTLP_WITH_CONTENT.name
#: After a failed export, batches are dropped without trying for this long.
RETRY_AFTER_FAILURE_S = 30.0
#: The most ``shutdown`` (so a program's exit) waits for the last batch to reach the endpoint.
SHUTDOWN_WAIT_S = 1.0
#: How long one export may take, retries included, unless OTEL_EXPORTER_OTLP_TIMEOUT is set
#: (the exporter's own default, 10 s, is long for a program that runs for one second).
EXPORT_TIMEOUT_S = 2.0
#: Seconds between two metric exports (the SDK's default, 60 s, loses a short program's
#: measurements to nothing but the final flush; a minute is still what Prometheus scrapes).
METRIC_INTERVAL_S = 15.0
#: The loggers the OTLP exporters report failures and retries on.
_EXPORTER_LOGGERS = (
    "opentelemetry.exporter.otlp.proto.http.trace_exporter",
    "opentelemetry.exporter.otlp.proto.http.metric_exporter",
    "opentelemetry.exporter.otlp.common.http",
    "opentelemetry.exporter.otlp.proto.grpc.exporter",
)
_exporting = threading.local()


class _QuietWhileExporting(logging.Filter):
    """Drops the exporter's records on a thread exporting for live export: a dead endpoint
    would print a line per retry; :class:`ContentFilteringExporter` says it once instead.
    Other exporters in the program (other threads) still log as usual."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_exporting, "active", False)


_QUIET = _QuietWhileExporting()


def without_content(span: ReadableSpan) -> ReadableSpan:
    """``span`` without content attributes (on the span and its events)."""
    attributes = span.attributes or {}
    if not any(is_content_attribute(key) for key in attributes) and not any(
        is_content_attribute(key) for event in span.events for key in (event.attributes or {})
    ):
        return span
    from opentelemetry.sdk.trace import Event

    return ReadableSpan(
        name=span.name,
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes={k: v for k, v in attributes.items() if not is_content_attribute(k)},
        events=[
            Event(
                event.name,
                {k: v for k, v in (event.attributes or {}).items() if not is_content_attribute(k)},
                event.timestamp,
            )
            for event in span.events
        ],
        links=span.links,
        kind=span.kind,
        status=span.status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


class ContentFilteringExporter(SpanExporter):
    """Wraps an exporter: strips content unless ``with_content``, and stops trying for
    ``retry_after_s`` seconds after a failure so a dead endpoint costs nothing.

    >>> from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    >>> exporter = ContentFilteringExporter(InMemorySpanExporter(), with_content=False)
    """

    def __init__(
        self,
        inner: SpanExporter,
        *,
        with_content: bool = False,
        retry_after_s: float = RETRY_AFTER_FAILURE_S,
    ) -> None:
        self.inner = inner
        self.with_content = with_content
        self._retry_after_s = retry_after_s
        self._down_until = 0.0
        self.dropped = 0
        self._warned = threading.Event()
        for name in _EXPORTER_LOGGERS:
            logging.getLogger(name).addFilter(_QUIET)  # a set: adding twice keeps one

    def warn_once(self, message: str, *args: object) -> None:
        """Log ``message`` unless a warning about this endpoint was already logged."""
        if not self._warned.is_set():
            self._warned.set()
            logger.warning(message, *args)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Send one batch (or drop it while the endpoint is known to be down)."""
        if time.monotonic() < self._down_until:
            self.dropped += len(spans)
            return SpanExportResult.FAILURE
        batch = list(spans) if self.with_content else [without_content(span) for span in spans]
        _exporting.active = True
        try:
            result = self.inner.export(batch)
        except Exception:
            logger.exception("tracekit: live OTLP export failed")
            result = SpanExportResult.FAILURE
        finally:
            _exporting.active = False
        if result is not SpanExportResult.SUCCESS:
            if self._down_until == 0.0:
                self.warn_once(
                    "tracekit: the OTLP endpoint did not take %d spans; spans are dropped for "
                    "%.0f s before trying again (the local store has them all)",
                    len(batch),
                    self._retry_after_s,
                )
            self._down_until = time.monotonic() + self._retry_after_s
            self.dropped += len(batch)
        else:
            self._down_until = 0.0
        return result

    def shutdown(self) -> None:
        """Shut the wrapped exporter down."""
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Flush the wrapped exporter."""
        return self.inner.force_flush(timeout_millis)


class LiveExportProcessor(BatchSpanProcessor):
    """A batch processor whose ``shutdown`` gives up after ``shutdown_wait_s``: a program
    must be able to exit while its OTLP endpoint does not answer."""

    def __init__(self, exporter: SpanExporter, *, shutdown_wait_s: float = SHUTDOWN_WAIT_S):
        super().__init__(exporter)
        self._exporter = exporter
        self._shutdown_wait_s = shutdown_wait_s

    def shutdown(self) -> None:
        """Export what is queued, waiting at most ``shutdown_wait_s``."""
        worker = threading.Thread(
            target=super().shutdown, name="tracekit-otlp-shutdown", daemon=True
        )
        worker.start()
        worker.join(self._shutdown_wait_s)
        if worker.is_alive():
            message = "tracekit: the OTLP endpoint did not take the last spans within %.1f s"
            if isinstance(self._exporter, ContentFilteringExporter):
                self._exporter.warn_once(message, self._shutdown_wait_s)
            else:
                logger.warning(message, self._shutdown_wait_s)


def live_export_processor(env: Mapping[str, str] | None = None) -> LiveExportProcessor | None:
    """A processor exporting to the endpoint the OTel variables name, or None if none is set.

    Never raises: a setting the exporter rejects is logged and live export stays off.
    """
    if not settings.live_export_configured(env):
        return None
    with_content = settings.otlp_with_content(env)
    # None: the exporter reads OTEL_EXPORTER_OTLP[_TRACES]_TIMEOUT itself.
    timeout = None if settings.otlp_timeout_set(env) else EXPORT_TIMEOUT_S
    try:
        exporter: SpanExporter
        if settings.otlp_protocol(env) == "grpc":
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
                OTLPSpanExporter as GrpcSpanExporter,
            )

            exporter = GrpcSpanExporter(timeout=timeout)
        else:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter(timeout=timeout)
        return LiveExportProcessor(
            ContentFilteringExporter(ScrubbingSpanExporter(exporter), with_content=with_content)
        )
    except Exception:
        logger.exception("tracekit: live OTLP export is off (bad OTEL_EXPORTER_OTLP_* setting)")
        return None


def live_metric_reader(
    env: Mapping[str, str] | None = None, *, interval_s: float = METRIC_INTERVAL_S
) -> PeriodicExportingMetricReader | None:
    """A reader sending the meter provider's metrics to the OTLP endpoint the OTel variables
    name, or None if none is set for metrics. Never raises: a setting the exporter rejects
    is logged and metric export stays off."""
    if not settings.live_metrics_configured(env):
        return None
    timeout = None if settings.otlp_timeout_set(env) else EXPORT_TIMEOUT_S
    try:
        exporter: MetricExporter
        if settings.otlp_protocol(env) == "grpc":
            from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (
                OTLPMetricExporter as GrpcMetricExporter,
            )

            exporter = GrpcMetricExporter(timeout=timeout)
        else:
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
                OTLPMetricExporter,
            )

            exporter = OTLPMetricExporter(timeout=timeout)
        return PeriodicExportingMetricReader(
            exporter,
            export_interval_millis=interval_s * 1000,
            export_timeout_millis=SHUTDOWN_WAIT_S * 1000,
        )
    except Exception:
        logger.exception("tracekit: live OTLP metrics are off (bad OTEL_EXPORTER_OTLP_* setting)")
        return None
