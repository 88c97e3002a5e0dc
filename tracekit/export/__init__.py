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

__all__ = [
    "DEFAULT_BATCH_SPANS",
    "DEFAULT_TIMEOUT_S",
    "PROTOCOLS",
    "ContentFilteringExporter",
    "ExportSummary",
    "LiveExportProcessor",
    "export_store",
    "live_export_processor",
    "scrub_span",
    "send_spans",
    "stored_spans",
    "without_content",
]
