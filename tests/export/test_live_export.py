"""Live export while recording: OTEL_EXPORTER_OTLP_ENDPOINT sends a workflow's spans to an OTLP
receiver as it runs, without content unless asked, and a dead endpoint breaks nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.ingest.otlp_client import stored_spans
from tests.recording import REPO_ROOT, emit_run
from tracekit import semconv as sc
from tracekit.export.live import ContentFilteringExporter, live_export_processor
from tracekit.ingest import OtlpReceiver


def _demo(store: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``tracekit demo --runs 1`` with extra environment variables, as a user runs it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "TRACEKIT_"))}
    return subprocess.run(
        [sys.executable, "-m", "tracekit.cli", "demo", "--runs", "1", "--store", str(store)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        env={**clean, "PYTHONPATH": str(REPO_ROOT), **env},
    )


def test_a_recorded_workflow_arrives_at_the_endpoint_without_content(tmp_path: Path) -> None:
    local = tmp_path / "local.duckdb"
    with OtlpReceiver(tmp_path / "backend.duckdb", port=0) as backend:
        result = _demo(
            local,
            OTEL_EXPORTER_OTLP_ENDPOINT=backend.url.removesuffix("/v1/traces"),
            OTEL_SERVICE_NAME="my-agents",
        )
    assert result.returncode == 0, result.stderr

    exported, recorded = stored_spans(backend.store_path), stored_spans(local)
    assert exported
    assert {(s.trace_id, s.span_id) for s in exported} == {
        (s.trace_id, s.span_id) for s in recorded
    }
    assert {s.resource[sc.SERVICE_NAME] for s in exported} == {"my-agents"}
    assert all(not sc.CONTENT_ATTRIBUTES & s.attributes.keys() for s in exported)
    # The local store keeps everything, content included (replay needs it).
    assert any(sc.GEN_AI_INPUT_MESSAGES in s.attributes for s in recorded)
    # Exporting is not traced: no HTTP client span of the export itself was recorded.
    assert not [s for s in recorded if s.name.startswith(("POST", "HTTP"))]


def test_content_goes_along_when_asked(tmp_path: Path) -> None:
    with OtlpReceiver(tmp_path / "backend.duckdb", port=0) as backend:
        result = _demo(
            tmp_path / "local.duckdb",
            OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=backend.url,
            TRACEKIT_OTLP_WITH_CONTENT="1",
        )
    assert result.returncode == 0, result.stderr
    assert any(sc.GEN_AI_INPUT_MESSAGES in s.attributes for s in stored_spans(backend.store_path))


def test_an_unreachable_endpoint_never_breaks_the_program(tmp_path: Path) -> None:
    with OtlpReceiver(tmp_path / "gone.duckdb", port=0) as gone:
        dead = gone.url
    local = tmp_path / "local.duckdb"

    result = _demo(local, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=dead)

    assert result.returncode == 0, result.stderr
    assert "Recorded" in result.stdout
    assert stored_spans(local)  # the local recording is complete


def test_no_endpoint_no_live_export() -> None:
    assert live_export_processor({}) is None
    processor = live_export_processor({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://localhost:4318"})
    assert processor is not None
    processor.shutdown()  # its export thread must not outlive the test


def test_the_content_filter_keeps_everything_else() -> None:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(ContentFilteringExporter(memory)))
    emit_run(provider.get_tracer("app"))
    provider.shutdown()

    spans = memory.get_finished_spans()
    assert len(spans) == 6
    for span in spans:
        assert not sc.CONTENT_ATTRIBUTES & set(span.attributes or {})
    chat = next(s for s in spans if (s.attributes or {}).get(sc.GEN_AI_RESPONSE_MODEL))
    assert chat.attributes is not None
    assert chat.attributes[sc.GEN_AI_USAGE_INPUT_TOKENS] == 100
    assert json.dumps(dict(chat.attributes))  # still plain OTel attribute values
