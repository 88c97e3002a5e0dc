"""OTLP out: export stored spans to an OTLP endpoint or a trace file, and live export while
recording."""

from tracekit.export.files import scrub_span, stored_spans
from tracekit.export.live import (
    ContentFilteringExporter,
    LiveExportProcessor,
    live_export_processor,
    without_content,
)
from tracekit.export.otlp_endpoint import (
    DEFAULT_BATCH_SPANS,
    DEFAULT_TIMEOUT_S,
    PROTOCOLS,
    ExportSummary,
    export_store,
    send_spans,
)
from tracekit.export.scrubbing import ScrubbingSpanExporter, scrub_readable_span

__all__ = [
    "DEFAULT_BATCH_SPANS",
    "DEFAULT_TIMEOUT_S",
    "PROTOCOLS",
    "ContentFilteringExporter",
    "ExportSummary",
    "LiveExportProcessor",
    "ScrubbingSpanExporter",
    "export_store",
    "live_export_processor",
    "scrub_readable_span",
    "scrub_span",
    "send_spans",
    "stored_spans",
    "without_content",
]
