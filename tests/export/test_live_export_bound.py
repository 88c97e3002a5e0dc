"""A dead live-export endpoint costs a short program at most the documented bound at exit
(SHUTDOWN_WAIT_S) and one warning line: no retry lines, whatever the endpoint does."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider

from tests.ingest.otlp_client import stored_spans
from tests.recording import REPO_ROOT
from tracekit.export.live import ContentFilteringExporter, LiveExportProcessor

SHORT_PROGRAM = """
import sys
from tracekit.telemetry.provider import Telemetry
telemetry = Telemetry.recording_to(sys.argv[1])
with telemetry.tracer.start_as_current_span("short-run"):
    pass
telemetry.shutdown()
print("done")
"""


@pytest.fixture
def blackhole() -> Iterator[str]:
    """An endpoint that takes connections and never answers (a hung collector)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield f"http://127.0.0.1:{server.getsockname()[1]}/v1/traces"


@pytest.fixture
def refused() -> str:
    """An endpoint nobody listens on (a collector that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1/traces"


def _run_short_program(store: Path, endpoint: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "TRACEKIT_"))}
    return subprocess.run(
        [sys.executable, "-c", SHORT_PROGRAM, str(store)],
        capture_output=True,
        text=True,
        timeout=60,  # a hang fails here; the bound itself is checked in-process below
        cwd=REPO_ROOT,
        env={
            **clean,
            "PYTHONPATH": str(REPO_ROOT),
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": endpoint,
        },
    )


@pytest.mark.parametrize("endpoint_kind", ["refused", "blackhole"])
def test_a_stale_endpoint_is_one_warning_line_and_the_run_is_kept(
    tmp_path: Path, endpoint_kind: str, request: pytest.FixtureRequest
) -> None:
    endpoint = request.getfixturevalue(endpoint_kind)
    store = tmp_path / "local.duckdb"

    result = _run_short_program(store, endpoint)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tracekit: the OTLP endpoint did not take")
    assert [span.name for span in stored_spans(store)] == ["short-run"]


def test_shutdown_does_not_wait_for_a_hung_export(
    blackhole: str, caplog: pytest.LogCaptureFixture
) -> None:
    # The exporter would wait 3 s for an answer; shutdown gives up after shutdown_wait_s.
    exporter = ContentFilteringExporter(OTLPSpanExporter(endpoint=blackhole, timeout=3))
    processor = LiveExportProcessor(exporter, shutdown_wait_s=0.2)
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(processor)
    provider.get_tracer("app").start_span("pending").end()

    caplog.set_level(logging.WARNING)
    done = threading.Thread(target=provider.shutdown)
    done.start()
    done.join(timeout=30)

    assert not done.is_alive()
    # The export is still waiting on the endpoint: shutdown returned without it.
    waiting = [t for t in threading.enumerate() if t.name == "tracekit-otlp-shutdown"]
    assert any(t.is_alive() for t in waiting)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in warnings] == ["tracekit"]
    assert "did not take the last spans within 0.2 s" in warnings[0].getMessage()
    # It gives up at its own timeout. Not left running into later tests: its retry draws
    # its back-off jitter from the `random` module, under whatever test runs then.
    for thread in waiting:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in waiting)
