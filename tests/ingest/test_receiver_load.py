"""The receiver under load: a burst of 200 clients is answered 200 or 503 + Retry-After, never
reset, and every span acknowledged is stored exactly once; its limits refuse with 503."""

from __future__ import annotations

import gzip
import http.client
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.ingest.otlp_client import post, stored_spans
from tracekit.ingest import OtlpReceiver
from tracekit.otlp.encode import traces_data_from_spans
from tracekit.otlp.model import OtlpSpan

CLIENTS = 200
SPANS_PER_REQUEST = 3


def request_body(client: int, sequence: int = 0, spans: int = SPANS_PER_REQUEST) -> bytes:
    """A protobuf request whose spans are named ``c{client}-s{sequence}-{i}`` (unique ids)."""
    trace_id = f"{client + 1:016x}{sequence + 1:016x}"
    built = [
        OtlpSpan(
            trace_id=trace_id,
            span_id=f"{i + 1:016x}",
            parent_span_id=None,
            name=f"c{client}-s{sequence}-{i}",
            kind="INTERNAL",
            start_ns=1_750_000_000_000_000_000 + i,
            end_ns=1_750_000_000_100_000_000 + i,
            attributes={"padding": "x" * 64},
            resource={"service.name": "load"},
        )
        for i in range(spans)
    ]
    request = ExportTraceServiceRequest()
    request.resource_spans.extend(traces_data_from_spans(built).resource_spans)
    return request.SerializeToString()


@dataclass
class Outcome:
    client: int
    status: int | None = None
    retry_after: str | None = None
    error: BaseException | None = None


def _send(url_host: str, port: int, client: int, start: threading.Barrier, out: Outcome) -> None:
    body = request_body(client)
    try:
        start.wait(timeout=30)
        connection = http.client.HTTPConnection(url_host, port, timeout=60)
        try:
            connection.request(
                "POST", "/v1/traces", body=body, headers={"Content-Type": "application/x-protobuf"}
            )
            response = connection.getresponse()
            response.read()
            out.status, out.retry_after = response.status, response.getheader("Retry-After")
        finally:
            connection.close()
    except BaseException as error:  # a reset connection is what this test looks for
        out.error = error


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[OtlpReceiver]:
    with OtlpReceiver(tmp_path / "load.duckdb", port=0, max_body_bytes=256 * 1024) as running:
        yield running


def test_200_simultaneous_clients_get_answers_and_every_acknowledged_span_is_stored_once(
    receiver: OtlpReceiver,
) -> None:
    start = threading.Barrier(CLIENTS)
    outcomes = [Outcome(i) for i in range(CLIENTS)]
    threads = [
        threading.Thread(target=_send, args=(receiver.host, receiver.port, i, start, outcomes[i]))
        for i in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    receiver.stop()

    assert [o for o in outcomes if o.error is not None] == []  # no reset, no refused connection
    assert {o.status for o in outcomes} <= {200, 503}
    assert all(o.retry_after for o in outcomes if o.status == 503)
    names = [span.name for span in stored_spans(receiver.store_path)]
    acknowledged = [o.client for o in outcomes if o.status == 200]
    assert acknowledged
    expected = {f"c{c}-s0-{i}" for c in acknowledged for i in range(SPANS_PER_REQUEST)}
    assert sorted(names) == sorted(expected)  # each exactly once, nothing refused kept


def test_over_the_in_flight_budget_is_503_with_retry_after_then_accepted(tmp_path: Path) -> None:
    with OtlpReceiver(tmp_path / "s.duckdb", port=0, max_inflight_bytes=64 * 1024) as receiver:
        held = receiver.admission.admit(60 * 1024, wait_s=0)  # another request's 60 KiB
        assert held is not None
        body = request_body(0, spans=40)
        assert len(body) > 4 * 1024

        busy = post(receiver.url, body)
        held.release()
        accepted = post(receiver.url, body)
        receiver.stop()

    assert busy.status == 503
    assert busy.retry_after == "1"
    assert accepted.status == 200
    assert len(stored_spans(tmp_path / "s.duckdb")) == 40  # the refused copy was not kept


def test_inflated_bytes_count_against_the_budget(tmp_path: Path) -> None:
    with OtlpReceiver(tmp_path / "s.duckdb", port=0, max_inflight_bytes=64 * 1024) as receiver:
        body = request_body(0, spans=400)  # ~70 KiB inflated, a few KiB compressed
        compressed = gzip.compress(body)
        held = receiver.admission.admit(32 * 1024, wait_s=0)
        assert held is not None and len(compressed) < 16 * 1024 < 32 * 1024 < len(body)

        busy = post(receiver.url, compressed, headers={"Content-Encoding": "gzip"})
        held.release()
        alone = post(receiver.url, compressed, headers={"Content-Encoding": "gzip"})
        receiver.stop()

    assert busy.status == 503 and busy.retry_after
    assert alone.status == 200  # a request on its own always fits
    assert len(stored_spans(tmp_path / "s.duckdb")) == 400


def test_more_requests_than_slots_wait_then_get_503(tmp_path: Path) -> None:
    with OtlpReceiver(tmp_path / "s.duckdb", port=0, max_requests=1) as receiver:
        held = receiver.admission.admit(0, wait_s=0)
        assert held is not None
        busy = post(receiver.url, request_body(0))
        held.release()
        assert post(receiver.url, request_body(1)).status == 200
    assert busy.status == 503 and busy.retry_after == "1"


def test_connections_over_the_limit_get_503_and_close(tmp_path: Path) -> None:
    with OtlpReceiver(tmp_path / "s.duckdb", port=0, max_connections=2) as receiver:
        open_connections = []
        for client in range(2):  # two keep-alive clients hold their connections
            connection = http.client.HTTPConnection(receiver.host, receiver.port, timeout=30)
            headers = {"Content-Type": "application/x-protobuf"}
            connection.request("POST", "/v1/traces", request_body(client), headers)
            response = connection.getresponse()
            response.read()
            assert response.status == 200
            open_connections.append(connection)

        third = post(receiver.url, request_body(2))
        for connection in open_connections:
            connection.close()
        receiver.stop()

    assert third.status == 503 and third.retry_after
    assert len(stored_spans(tmp_path / "s.duckdb")) == 2 * SPANS_PER_REQUEST
