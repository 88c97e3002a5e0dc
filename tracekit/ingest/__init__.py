"""OTLP in: the ``tracekit serve`` receiver and the pipeline from OTLP requests to the store."""

from typing import TYPE_CHECKING

from tracekit.ingest.defaults import DEFAULT_HOST, DEFAULT_PORT
from tracekit.lazy import lazy_exports as _lazy_exports

if TYPE_CHECKING:
    from tracekit.ingest.forward import OtlpForwarder
    from tracekit.ingest.pipeline import IngestResult, SpoolIngest
    from tracekit.ingest.receiver import OtlpReceiver

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "IngestResult",
    "OtlpForwarder",
    "OtlpReceiver",
    "SpoolIngest",
]

# Loaded on first use: the receiver brings protobuf, the OTLP classes and the store.
__getattr__ = _lazy_exports(
    __name__,
    {
        "IngestResult": "tracekit.ingest.pipeline",
        "OtlpForwarder": "tracekit.ingest.forward",
        "OtlpReceiver": "tracekit.ingest.receiver",
        "SpoolIngest": "tracekit.ingest.pipeline",
    },
)
