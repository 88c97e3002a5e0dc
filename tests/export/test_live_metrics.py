"""Live export sends the two GenAI metric histograms too: with OTEL_EXPORTER_OTLP_ENDPOINT
set, a recorded run's token usage and operation duration reach ``/v1/metrics`` of a real
HTTP server, from the official OTLP metric exporter, with the semconv bucket boundaries."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)

from tracekit import semconv as sc
from tracekit.export.live import live_metric_reader
from tracekit.models import ModelRouter, ScriptedModel
from tracekit.orchestrator import Agent, Context, Workflow
from tracekit.telemetry import Telemetry

helper = Agent("helper", instructions="Help.")
flow = Workflow("metered")


@flow.entrypoint
def answer(ctx: Context[None], text: str) -> str:
    return str(ctx.call(helper, text))


class _Collector(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, bytes]]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[tuple[str, list[tuple[str, bytes]]]]:
    received: list[tuple[str, bytes]] = []
    handler = type("Handler", (_Collector,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", received
    finally:
        server.shutdown()
        server.server_close()


def test_a_recorded_run_sends_the_genai_histograms(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    collector: tuple[str, list[tuple[str, bytes]]],
) -> None:
    url, received = collector
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
    telemetry = Telemetry.recording_to(tmp_path / "runs.duckdb")
    flow.run("hello", telemetry=telemetry, models=ModelRouter({}, default=ScriptedModel()))
    telemetry.shutdown()

    bodies = [body for path, body in received if path == "/v1/metrics"]
    assert bodies, [path for path, _ in received]
    metrics = {}
    for body in bodies:
        request = ExportMetricsServiceRequest.FromString(body)
        for resource in request.resource_metrics:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    metrics[metric.name] = metric
    usage = metrics[sc.METRIC_TOKEN_USAGE]
    duration = metrics[sc.METRIC_OPERATION_DURATION]
    assert list(usage.histogram.data_points[0].explicit_bounds) == list(sc.TOKEN_USAGE_BUCKETS)
    assert list(duration.histogram.data_points[0].explicit_bounds) == list(
        sc.OPERATION_DURATION_BUCKETS
    )
    token_types = {
        attribute.value.string_value
        for point in usage.histogram.data_points
        for attribute in point.attributes
        if attribute.key == sc.GEN_AI_TOKEN_TYPE
    }
    assert token_types == {"input", "output"}
    assert sum(point.count for point in duration.histogram.data_points) >= 1
    # The spans went to the same endpoint.
    assert any(path == "/v1/traces" for path, _ in received)


def test_only_a_metrics_or_general_endpoint_turns_metrics_on() -> None:
    assert live_metric_reader({}) is None
    # A traces-only endpoint sends no metrics.
    assert live_metric_reader({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://x/v1/traces"}) is None
    reader = live_metric_reader({"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://x/v1/metrics"})
    assert reader is not None
    reader.shutdown()
