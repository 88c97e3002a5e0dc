"""The receiver's defaults: where it listens and how big a request may be.

Constants only, so ``tracekit serve --help`` can show them without loading the receiver
(protobuf, the OTLP classes, the store).
"""

from __future__ import annotations

__all__ = ["DEFAULT_HOST", "DEFAULT_MAX_BODY_BYTES", "DEFAULT_MAX_INFLIGHT_BYTES", "DEFAULT_PORT"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4318
#: The default request size limit, compressed and decompressed alike (the Collector's
#: OTLP receiver defaults to 20 MiB too).
DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024
#: Request bytes (as received, then as inflated) held across all requests in progress (see
#: :mod:`tracekit.ingest.admission`).
DEFAULT_MAX_INFLIGHT_BYTES = 128 * 1024 * 1024
