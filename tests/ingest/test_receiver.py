"""`tracekit serve` as OTel apps see it: the official OTLP exporter against a real receiver."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.rpc import status_pb2
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.ingest.otlp_client import SPANS_PER_RUN, export_runs, post, stored_spans
from tracekit import semconv as sc
from tracekit.ingest import OtlpReceiver
from tracekit.otlp.encode import traces_data_from_spans, traces_data_to_json
from tracekit.otlp.model import OtlpSpan


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "received.duckdb"


@pytest.fixture
def receiver(store: Path) -> Iterator[OtlpReceiver]:
    with OtlpReceiver(store, port=0, max_body_bytes=64 * 1024) as running:
        yield running


def _span(index: int, **overrides: object) -> OtlpSpan:
    values: dict[str, object] = {
        "trace_id": "5b8efff798038103d269b633813fc60c",
        "span_id": f"{index + 1:016x}",
        "parent_span_id": None,
        "name": "chat claude-haiku-4-5",
        "kind": "CLIENT",
        "start_ns": 1_750_000_000_000_000_000 + index,
        "end_ns": 1_750_000_000_100_000_000 + index,
        "attributes": {
            sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
            sc.GEN_AI_REQUEST_MODEL: "claude-haiku-4-5",
            sc.GEN_AI_USAGE_INPUT_TOKENS: 12,
        },
        "resource": {sc.SERVICE_NAME: "json-app"},
    }
    values.update(overrides)
    return OtlpSpan(**values)  # type: ignore[arg-type]


def _protobuf_body(spans: list[OtlpSpan]) -> bytes:
    request = ExportTraceServiceRequest()
    request.resource_spans.extend(traces_data_from_spans(spans).resource_spans)
    return request.SerializeToString()


@pytest.mark.parametrize("compression", [Compression.NoCompression, Compression.Gzip])
def test_spans_from_the_official_exporter_are_stored(
    receiver: OtlpReceiver, store: Path, compression: Compression
) -> None:
    trace_ids = export_runs(receiver.url, runs=3, compression=compression)
    receiver.stop()

    spans = stored_spans(store)
    assert len(spans) == 3 * SPANS_PER_RUN
    assert {span.trace_id for span in spans} == set(trace_ids)
    chat = next(s for s in spans if s.attributes.get(sc.GEN_AI_REQUEST_MODEL) == "claude-haiku-4-5")
    assert chat.kind == "CLIENT"
    assert chat.resource[sc.SERVICE_NAME] == "agent-app"
    assert chat.attributes[sc.GEN_AI_USAGE_INPUT_TOKENS] == 100
    # Content sent by the app is kept locally (replay needs it).
    assert sc.GEN_AI_INPUT_MESSAGES in chat.attributes


def test_json_body_is_accepted_and_answered_in_json(receiver: OtlpReceiver, store: Path) -> None:
    body = traces_data_to_json(traces_data_from_spans([_span(0), _span(1)])).encode()

    reply = post(receiver.url, body, content_type="application/json")

    assert reply.status == 200
    assert reply.content_type == "application/json"
    assert json.loads(reply.body) == {}  # full success: partial_success left unset
    receiver.stop()
    assert [s.resource[sc.SERVICE_NAME] for s in stored_spans(store)] == ["json-app"] * 2


def test_gzip_json_body(receiver: OtlpReceiver, store: Path) -> None:
    body = gzip.compress(traces_data_to_json(traces_data_from_spans([_span(0)])).encode())

    reply = post(
        receiver.url, body, content_type="application/json", headers={"Content-Encoding": "gzip"}
    )

    assert reply.status == 200
    receiver.stop()
    assert len(stored_spans(store)) == 1


def test_spans_with_bad_ids_are_rejected_and_the_rest_kept(
    receiver: OtlpReceiver, store: Path
) -> None:
    request = ExportTraceServiceRequest.FromString(_protobuf_body([_span(0), _span(1), _span(2)]))
    spans = request.resource_spans[0].scope_spans[0].spans
    spans[1].trace_id = b"\x01\x02\x03"  # not 16 bytes

    reply = post(receiver.url, request.SerializeToString())

    assert reply.status == 200
    response = ExportTraceServiceResponse.FromString(reply.body)
    assert response.partial_success.rejected_spans == 1
    assert "trace id" in response.partial_success.error_message
    receiver.stop()
    assert sorted(s.span_id for s in stored_spans(store)) == [f"{1:016x}", f"{3:016x}"]


def test_partial_success_in_json(receiver: OtlpReceiver, store: Path) -> None:
    document = json.loads(traces_data_to_json(traces_data_from_spans([_span(0), _span(1)])))
    document["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["spanId"] = ""

    reply = post(receiver.url, json.dumps(document).encode(), content_type="application/json")

    assert reply.status == 200
    assert json.loads(reply.body)["partialSuccess"]["rejectedSpans"] == "1"
    receiver.stop()
    assert len(stored_spans(store)) == 1


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"\xff\xff\xff\xff not protobuf", {}, 400),
        (gzip.compress(b"x" * 1000)[:20], {"Content-Encoding": "gzip"}, 400),  # truncated gzip
        (b"not gzip at all", {"Content-Encoding": "gzip"}, 400),
        (b"x" * 100_000, {}, 413),  # over the 64 KiB limit
        (gzip.compress(b"\0" * 1_000_000), {"Content-Encoding": "gzip"}, 413),  # inflates past it
        (b"{}", {"Content-Type": "text/plain"}, 415),
        (b"{}", {"Content-Encoding": "br"}, 415),
    ],
    ids=["malformed", "truncated-gzip", "not-gzip", "oversize", "gzip-bomb", "type", "encoding"],
)
def test_bad_requests_get_the_right_status_and_store_nothing(
    receiver: OtlpReceiver, store: Path, body: bytes, headers: dict[str, str], status: int
) -> None:
    content_type = headers.pop("Content-Type", "application/x-protobuf")

    reply = post(receiver.url, body, content_type=content_type, headers=headers)

    assert reply.status == status
    if content_type == "application/x-protobuf":
        assert status_pb2.Status.FromString(reply.body).message  # says what was wrong
    receiver.stop()
    assert stored_spans(store) == []


def test_malformed_json_is_a_400_in_json(receiver: OtlpReceiver, store: Path) -> None:
    reply = post(receiver.url, b'{"resourceSpans": 3}', content_type="application/json")

    assert reply.status == 400
    assert "resourceSpans" in json.loads(reply.body)["message"]
    receiver.stop()
    assert stored_spans(store) == []


def test_other_paths_and_methods(receiver: OtlpReceiver) -> None:
    assert post(receiver.url.replace("/v1/traces", "/v1/metrics"), b"").status == 404
    assert post(receiver.url, b"", method="GET").status == 405
    assert post(receiver.url, b"", method="PUT").status == 405


def test_binds_loopback_by_default(store: Path) -> None:
    with OtlpReceiver(store, port=0) as running:
        assert running.host == "127.0.0.1"


def test_forwards_what_it_receives_to_a_second_receiver(tmp_path: Path) -> None:
    upstream_store, local_store = tmp_path / "upstream.duckdb", tmp_path / "local.duckdb"
    with OtlpReceiver(upstream_store, port=0) as upstream:
        local = OtlpReceiver(local_store, port=0, forward_url=upstream.url).start()
        trace_ids = export_runs(local.url, runs=2, compression=Compression.Gzip)
        local.stop()  # sends what is queued upstream before returning
    assert {s.trace_id for s in stored_spans(local_store)} == set(trace_ids)
    assert {s.trace_id for s in stored_spans(upstream_store)} == set(trace_ids)
    assert len(stored_spans(upstream_store)) == 2 * SPANS_PER_RUN


def test_a_dead_upstream_never_fails_ingest(tmp_path: Path) -> None:
    store = tmp_path / "local.duckdb"
    with OtlpReceiver(tmp_path / "gone.duckdb", port=0) as gone:
        dead_url = gone.url  # a port nobody listens on once this block ends
    with OtlpReceiver(store, port=0, forward_url=dead_url) as receiver:
        export_runs(receiver.url, runs=2)
    assert len(stored_spans(store)) == 2 * SPANS_PER_RUN
