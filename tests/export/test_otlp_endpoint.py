"""`tracekit export --otlp-endpoint`: stored traces go to a real OTLP receiver, content stays
home unless asked for."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

from tests.ingest.otlp_client import SPANS_PER_RUN, stored_spans
from tests.recording import MS, Recorder, run_cli
from tracekit import semconv as sc
from tracekit.ingest import OtlpReceiver
from tracekit.otlp.decode import spans_from_resource_spans


@pytest.fixture
def recorded(recorder: Recorder) -> tuple[Path, list[str]]:
    """A store with three recorded runs (content included); their trace ids."""
    trace_ids = [recorder.trace(start_ns=1_750_000_000_000 * MS + i * 10**9) for i in range(3)]
    return recorder.store, trace_ids


@pytest.fixture
def jaeger(tmp_path: Path) -> Iterator[OtlpReceiver]:
    """Stands in for Jaeger/Tempo: a real OTLP/HTTP receiver on a free port."""
    with OtlpReceiver(tmp_path / "backend.duckdb", port=0) as receiver:
        yield receiver


def test_exports_every_trace_without_content(
    recorded: tuple[Path, list[str]], jaeger: OtlpReceiver
) -> None:
    store, trace_ids = recorded
    base_url = jaeger.url.removesuffix("/v1/traces")

    result = run_cli("export", "--store", str(store), "--otlp-endpoint", base_url)

    assert result.returncode == 0, result.stderr
    assert f"Exported {3 * SPANS_PER_RUN} spans (3 traces)" in result.stdout
    jaeger.stop()
    spans = stored_spans(jaeger.store_path)
    assert {span.trace_id for span in spans} == set(trace_ids)
    assert len(spans) == 3 * SPANS_PER_RUN
    for span in spans:
        assert not sc.CONTENT_ATTRIBUTES & span.attributes.keys()
    chat = next(s for s in spans if s.attributes.get(sc.GEN_AI_RESPONSE_MODEL))
    assert chat.attributes[sc.GEN_AI_USAGE_INPUT_TOKENS] == 100  # the rest goes as recorded
    assert chat.resource[sc.SERVICE_NAME] == "tests"


def test_with_content_and_one_trace(recorded: tuple[Path, list[str]], jaeger: OtlpReceiver) -> None:
    store, trace_ids = recorded

    result = run_cli(
        "export",
        "--store",
        str(store),
        "--otlp-endpoint",
        jaeger.url,
        "--trace",
        trace_ids[1][:12],
        "--with-content",
    )

    assert result.returncode == 0, result.stderr
    jaeger.stop()
    spans = stored_spans(jaeger.store_path)
    assert {span.trace_id for span in spans} == {trace_ids[1]}
    assert any(sc.GEN_AI_INPUT_MESSAGES in span.attributes for span in spans)


def test_unreachable_endpoint_is_one_line_and_exit_1(
    recorded: tuple[Path, list[str]], tmp_path: Path
) -> None:
    with OtlpReceiver(tmp_path / "gone.duckdb", port=0) as gone:
        dead_url = gone.url
    store, _ = recorded

    result = run_cli("export", "--store", str(store), "--otlp-endpoint", dead_url)

    assert result.returncode == 1
    assert result.stderr.startswith("tracekit: error: cannot reach the OTLP endpoint")
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_endpoint_that_refuses_is_one_line(
    recorded: tuple[Path, list[str]], jaeger: OtlpReceiver
) -> None:
    store, _ = recorded
    wrong_path = jaeger.url.replace("/v1/traces", "/not-otlp")

    result = run_cli("export", "--store", str(store), "--otlp-endpoint", wrong_path)

    assert result.returncode == 1
    assert "did not accept the spans" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_arguments(recorded: tuple[Path, list[str]], jaeger: OtlpReceiver) -> None:
    store, _ = recorded
    both = run_cli(
        "export", "--store", str(store), "--otlp-endpoint", jaeger.url, "--out", "x.jsonl"
    )
    assert both.returncode == 1 and "choose one destination" in both.stderr
    not_url = run_cli("export", "--store", str(store), "--otlp-endpoint", "localhost:4318")
    assert not_url.returncode == 1 and "not an http(s) URL" in not_url.stderr
    unknown = run_cli(
        "export", "--store", str(store), "--otlp-endpoint", jaeger.url, "--protocol", "udp"
    )
    assert unknown.returncode == 2


class _TraceService(trace_service_pb2_grpc.TraceServiceServicer):
    """A minimal OTLP/gRPC collector: keeps what it is sent."""

    def __init__(self) -> None:
        self.requests: list[trace_service_pb2.ExportTraceServiceRequest] = []

    def Export(self, request: Any, context: Any) -> trace_service_pb2.ExportTraceServiceResponse:
        self.requests.append(request)
        return trace_service_pb2.ExportTraceServiceResponse()


def test_grpc_export(recorded: tuple[Path, list[str]]) -> None:
    store, trace_ids = recorded
    service = _TraceService()
    server = grpc.server(ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(service, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        result = run_cli(
            "export",
            "--store",
            str(store),
            "--otlp-endpoint",
            f"http://127.0.0.1:{port}",
            "--protocol",
            "grpc",
        )
    finally:
        server.stop(grace=None)

    assert result.returncode == 0, result.stderr
    spans = [
        span
        for request in service.requests
        for span in spans_from_resource_spans(request.resource_spans)
    ]
    assert {span.trace_id for span in spans} == set(trace_ids)
    assert len(spans) == 3 * SPANS_PER_RUN
    assert all(not sc.CONTENT_ATTRIBUTES & span.attributes.keys() for span in spans)
