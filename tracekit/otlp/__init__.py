"""OpenTelemetry spans as plain values, and their OTLP encodings (protobuf and JSON lines).

:class:`OtlpSpan` is the one shape every path that is not the live SDK uses: OTLP receiver,
trace-file import and export, and replay's recordings.
"""

from tracekit.otlp.model import OtlpEvent, OtlpSpan

__all__ = ["OtlpEvent", "OtlpSpan"]
