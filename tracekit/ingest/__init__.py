"""OTLP in: the ``tracekit serve`` receiver and the pipeline from OTLP requests to the store."""

from tracekit.ingest.forward import OtlpForwarder
from tracekit.ingest.pipeline import IngestResult, SpoolIngest
from tracekit.ingest.receiver import DEFAULT_HOST, DEFAULT_PORT, OtlpReceiver

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "IngestResult",
    "OtlpForwarder",
    "OtlpReceiver",
    "SpoolIngest",
]
