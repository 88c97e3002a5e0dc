"""Test helpers: send OTLP to a real receiver the way clients do, and read what was stored."""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from tests.recording import REPO_ROOT, emit_run
from tracekit import semconv as sc
from tracekit.otlp.model import OtlpSpan
from tracekit.store import StorePaths, TraceStore, pending_segments


@dataclass
class Reply:
    status: int
    content_type: str
    body: bytes
    retry_after: str | None = None


def post(
    url: str,
    body: bytes,
    *,
    content_type: str = "application/x-protobuf",
    method: str = "POST",
    headers: dict[str, str] | None = None,
) -> Reply:
    """One raw HTTP request, as a client that does not use the OTel SDK would send it."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(
            method, parts.path, body=body, headers={"Content-Type": content_type, **(headers or {})}
        )
        response = connection.getresponse()
        return Reply(
            response.status,
            response.getheader("Content-Type", ""),
            response.read(),
            response.getheader("Retry-After"),
        )
    finally:
        connection.close()


def export_runs(
    endpoint: str,
    *,
    runs: int = 1,
    compression: Compression = Compression.NoCompression,
    service: str = "agent-app",
) -> list[str]:
    """Record ``runs`` agent runs in an app whose only exporter is the official OTLP/HTTP
    exporter pointed at ``endpoint``; return their trace ids once all are delivered."""
    provider = TracerProvider(
        resource=Resource.create({sc.SERVICE_NAME: service}), shutdown_on_exit=False
    )
    provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, compression=compression))
    )
    tracer = provider.get_tracer("agent-app")
    start = 1_750_000_000_000_000_000
    trace_ids = [emit_run(tracer, start_ns=start + i * 10**9) for i in range(runs)]
    assert provider.force_flush()
    provider.shutdown()
    return trace_ids


def stored_spans(store: Path) -> list[OtlpSpan]:
    """Every span in the store, content included."""
    if not store.exists() and not pending_segments(StorePaths.for_store(store)):
        return []
    return list(TraceStore(store).iter_spans())


SPANS_PER_RUN = 6


@dataclass
class ServeProcess:
    process: subprocess.Popen[str]
    url: str


@contextmanager
def serve_subprocess(*args: str) -> Iterator[ServeProcess]:
    """``tracekit serve --port 0 ARGS`` as a user runs it; yields once it listens."""
    # Popen as a context manager closes the pipes on the way out, a killed server's too.
    with subprocess.Popen(
        [sys.executable, "-m", "tracekit.cli", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            match = re.search(r"listening on (http://\S+/v1/traces)", line)
            assert match, f"no listening line: {line!r}"
            yield ServeProcess(process, match.group(1))
        finally:
            if process.poll() is None:
                process.kill()
