"""A production run becomes a regression test in one command: a tracekit workflow exports
its spans live over OTLP to a Jaeger (here a local stand-in that takes OTLP/HTTP and answers
API v3 as Jaeger does), ``tracekit import --from`` pulls the trace back by id, and
``tracekit replay`` replays it offline from the store like a local recording.

Backends keep what was exported to them: a run exported with its content
(``TRACEKIT_OTLP_WITH_CONTENT=1``) replays; one exported without it cannot, and replay says
so (exit 2)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, TracesData

from tests.ingest.backend_servers import Answer, Seen, fake_backend
from tests.recording import run_cli
from tracekit import ModelRouter, ScriptedModel
from tracekit.examples import doc_pipeline
from tracekit.export.live import live_export_processor
from tracekit.otlp import traces_data_to_json
from tracekit.telemetry import Telemetry


class JaegerStandIn:
    """Takes OTLP/HTTP protobuf on ``/v1/traces`` (Jaeger's OTLP receiver) and answers
    ``GET /api/v3/traces/{id}`` with ``{"result": TracesData}`` in OTLP/JSON, as Jaeger's
    API v3 does (see fixtures/backends/README.md)."""

    def __init__(self) -> None:
        self.received: list[ResourceSpans] = []
        self.lock = threading.Lock()

    def __call__(self, seen: Seen) -> Answer:
        if seen.method == "POST" and seen.path == "/v1/traces":
            request = ExportTraceServiceRequest()
            request.ParseFromString(seen.body)
            with self.lock:
                self.received.extend(request.resource_spans)
            reply = ExportTraceServiceResponse().SerializeToString()
            return Answer(body=reply, content_type="application/x-protobuf")
        trace_id = bytes.fromhex(seen.path.rsplit("/", 1)[-1])
        data = TracesData()
        with self.lock:
            for resource_span in self.received:
                kept = data.resource_spans.add()
                kept.resource.CopyFrom(resource_span.resource)
                for scope_span in resource_span.scope_spans:
                    scope = kept.scope_spans.add()
                    scope.scope.CopyFrom(scope_span.scope)
                    scope.spans.extend(s for s in scope_span.spans if s.trace_id == trace_id)
        if not any(scope.spans for rs in data.resource_spans for scope in rs.scope_spans):
            error = {"error": {"httpCode": 404, "message": "trace not found"}}
            return Answer(404, json.dumps(error).encode())
        body = '{"result":' + traces_data_to_json(data) + "}"
        return Answer(body=body.encode())


def _run_in_production(monkeypatch: pytest.MonkeyPatch, jaeger_url: str, content: bool) -> str:
    """Run the doc-pipeline example as a service would: live OTLP export configured by the
    standard variables, content included only when asked. Returns the trace id."""
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", jaeger_url)
    if content:
        monkeypatch.setenv("TRACEKIT_OTLP_WITH_CONTENT", "1")
    else:
        monkeypatch.delenv("TRACEKIT_OTLP_WITH_CONTENT", raising=False)
    live = live_export_processor()
    assert live is not None
    telemetry = Telemetry(processors=[live], service_name="doc-service")
    try:
        result = doc_pipeline.workflow.run(
            {"title": "Quarterly report", "brief": "what changed and why"},
            telemetry=telemetry,
            models=ModelRouter({}, default=ScriptedModel(seed=7)),
        )
        assert telemetry.flush()
    finally:
        telemetry.shutdown()
    assert result.status == "ok"
    return result.trace_id


def test_a_production_trace_pulled_from_jaeger_replays_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "local.duckdb"
    with fake_backend(JaegerStandIn()) as jaeger:
        trace_id = _run_in_production(monkeypatch, jaeger.url, content=True)
        pulled = run_cli(
            "import", "--from", f"jaeger+{jaeger.url}", "--trace", trace_id,
            "--store", str(store),
        )  # fmt: skip

    assert pulled.returncode == 0, pulled.stderr
    assert f"  {trace_id}" in pulled.stdout.splitlines()
    # Offline now: the backend is gone, the replay answers every call from the store.
    replayed = run_cli("replay", trace_id, "--store", str(store))
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "replay matched: doc-pipeline" in replayed.stdout


def test_a_trace_exported_without_content_is_browsable_but_cannot_replay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "local.duckdb"
    with fake_backend(JaegerStandIn()) as jaeger:
        trace_id = _run_in_production(monkeypatch, jaeger.url, content=False)
        pulled = run_cli(
            "import", "--from", f"jaeger+{jaeger.url}", "--trace", trace_id,
            "--store", str(store),
        )  # fmt: skip
    assert pulled.returncode == 0, pulled.stderr
    shown = run_cli("show", trace_id, "--store", str(store))
    assert shown.returncode == 0 and "doc-pipeline" in shown.stdout

    replayed = run_cli("replay", trace_id, "--store", str(store))
    assert replayed.returncode == 2
    assert len(replayed.stderr.strip().splitlines()) == 1, replayed.stderr
    assert "could not replay" in replayed.stderr, replayed.stderr
