"""OpenTelemetry spans as plain values, and their OTLP encodings (protobuf and JSON lines).

:class:`OtlpSpan` is the one shape every path that is not the live SDK uses: OTLP receiver,
trace-file import and export, and replay's recordings.

- :mod:`tracekit.otlp.decode`: protobuf ``ResourceSpans`` → :class:`OtlpSpan`; OTLP/JSON →
  protobuf ``TracesData``.
- :mod:`tracekit.otlp.json_decode`: OTLP/JSON → :class:`OtlpSpan` directly (orjson; the
  protobuf path decides what it leaves).
- :mod:`tracekit.otlp.encode`: :class:`OtlpSpan` → protobuf / OTLP/JSON / SDK ``ReadableSpan``.
- :mod:`tracekit.otlp.endpoints`: OTLP endpoint URLs as senders spell them.
- :mod:`tracekit.otlp.files`: trace files (OTLP JSON lines) read and written.
- :mod:`tracekit.otlp.suppress`: :func:`suppress_instrumentation` around tracekit's own sends.
"""

from typing import TYPE_CHECKING

from tracekit.lazy import lazy_exports as _lazy_exports

if TYPE_CHECKING:
    from tracekit.otlp.decode import (
        spans_from_resource_spans,
        traces_data_from_json,
        traces_data_from_protobuf,
    )
    from tracekit.otlp.encode import (
        ReadableSpanFactory,
        resource_spans_from_spans,
        spans_to_json_line,
        to_readable_span,
        traces_data_from_spans,
        traces_data_to_json,
    )
    from tracekit.otlp.endpoints import TRACES_PATH, http_url, traces_url
    from tracekit.otlp.files import iter_trace_file, read_trace_file, write_trace_file
    from tracekit.otlp.json_decode import spans_from_json
    from tracekit.otlp.model import OtlpEvent, OtlpLink, OtlpSpan
    from tracekit.otlp.suppress import suppress_instrumentation


__all__ = [
    "TRACES_PATH",
    "OtlpEvent",
    "OtlpLink",
    "OtlpSpan",
    "ReadableSpanFactory",
    "http_url",
    "iter_trace_file",
    "read_trace_file",
    "resource_spans_from_spans",
    "spans_from_json",
    "spans_from_resource_spans",
    "spans_to_json_line",
    "suppress_instrumentation",
    "to_readable_span",
    "traces_data_from_json",
    "traces_data_from_protobuf",
    "traces_data_from_spans",
    "traces_data_to_json",
    "traces_url",
    "write_trace_file",
]

# Each name's module is imported on first use: `import tracekit.otlp` stays cheap, so a
# command that needs one name does not pay for DuckDB, Arrow, OTel and pydantic at once.
__getattr__ = _lazy_exports(
    __name__,
    {
        "OtlpEvent": "tracekit.otlp.model",
        "OtlpLink": "tracekit.otlp.model",
        "OtlpSpan": "tracekit.otlp.model",
        "ReadableSpanFactory": "tracekit.otlp.encode",
        "TRACES_PATH": "tracekit.otlp.endpoints",
        "http_url": "tracekit.otlp.endpoints",
        "iter_trace_file": "tracekit.otlp.files",
        "read_trace_file": "tracekit.otlp.files",
        "resource_spans_from_spans": "tracekit.otlp.encode",
        "spans_from_json": "tracekit.otlp.json_decode",
        "spans_from_resource_spans": "tracekit.otlp.decode",
        "spans_to_json_line": "tracekit.otlp.encode",
        "suppress_instrumentation": "tracekit.otlp.suppress",
        "to_readable_span": "tracekit.otlp.encode",
        "traces_data_from_json": "tracekit.otlp.decode",
        "traces_data_from_protobuf": "tracekit.otlp.decode",
        "traces_data_from_spans": "tracekit.otlp.encode",
        "traces_data_to_json": "tracekit.otlp.encode",
        "traces_url": "tracekit.otlp.endpoints",
        "write_trace_file": "tracekit.otlp.files",
    },
)
