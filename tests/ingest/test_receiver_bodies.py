"""Bodies a hostile or broken client sends: too deep, multi-member gzip, bombs. Each gets the
status that tells an exporter not to retry it (400/413), never 503, and stores nothing."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ingest.otlp_client import post, stored_spans
from tests.ingest.test_receiver_load import request_body
from tracekit.ingest import OtlpReceiver

LIMIT = 256 * 1024


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[OtlpReceiver]:
    with OtlpReceiver(tmp_path / "bodies.duckdb", port=0, max_body_bytes=LIMIT) as running:
        yield running


def _nested_json(depth: int) -> bytes:
    """An OTLP JSON request whose one attribute nests ``depth`` key-value lists deep."""
    value = (
        '{"kvlistValue": {"values": [{"key": "k", "value": ' * depth
        + '{"stringValue": "x"}'
        + "}]}}" * depth
    )
    span = (
        '{"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "0000000000000001", '
        f'"name": "deep", "attributes": [{{"key": "a", "value": {value}}}]}}'
    )
    return f'{{"resourceSpans": [{{"scopeSpans": [{{"spans": [{span}]}}]}}]}}'.encode()


def _nested_protobuf(depth: int) -> bytes:
    """An ExportTraceServiceRequest whose span attribute nests ``depth`` kvlists deep, built
    on the wire (the protobuf library refuses to build what it refuses to parse)."""

    def field(number: int, payload: bytes) -> bytes:
        return _varint(number << 3 | 2) + _varint(len(payload)) + payload

    value = field(1, b"x")  # AnyValue.string_value
    for _ in range(depth):
        key_value = field(1, b"k") + field(2, value)  # KeyValue{key, value}
        value = field(6, field(1, key_value))  # AnyValue.kvlist_value{values}
    span = field(1, b"\x01" * 16) + field(2, b"\x02" * 8) + field(5, b"deep")
    span += field(9, field(1, b"a") + field(2, value))  # Span.attributes
    return field(1, field(2, field(2, span)))  # resource_spans.scope_spans.spans


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte, number = number & 0x7F, number >> 7
        if not number:
            return bytes(out + bytes([byte]))
        out.append(byte | 0x80)


@pytest.mark.parametrize("depth", [60, 2_000, 4_000])
def test_deeply_nested_json_is_400(receiver: OtlpReceiver, depth: int) -> None:
    reply = post(receiver.url, _nested_json(depth), content_type="application/json")

    assert reply.status == 400
    assert "deep" in json.loads(reply.body)["message"]
    assert post(receiver.url, request_body(0)).status == 200  # the receiver carries on
    receiver.stop()
    assert len(stored_spans(receiver.store_path)) == 3


def test_a_reasonably_nested_attribute_is_kept(receiver: OtlpReceiver) -> None:
    assert post(receiver.url, _nested_json(10), content_type="application/json").status == 200
    assert post(receiver.url, _nested_protobuf(10)).status == 200
    receiver.stop()
    assert len(stored_spans(receiver.store_path)) == 2


@pytest.mark.parametrize("depth", [200, 2_000])
def test_deeply_nested_protobuf_is_400(receiver: OtlpReceiver, depth: int) -> None:
    reply = post(receiver.url, _nested_protobuf(depth))

    assert reply.status == 400
    receiver.stop()
    assert stored_spans(receiver.store_path) == []


def test_every_gzip_member_is_read(receiver: OtlpReceiver) -> None:
    # Concatenated protobuf requests are one request holding both span lists (repeated
    # fields append), and concatenated gzip members are one gzip body.
    body = gzip.compress(request_body(1)) + gzip.compress(request_body(2))

    reply = post(receiver.url, body, headers={"Content-Encoding": "gzip"})

    assert reply.status == 200
    receiver.stop()
    names = sorted(span.name for span in stored_spans(receiver.store_path))
    assert names == sorted(f"c{c}-s0-{i}" for c in (1, 2) for i in range(3))


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"".join(gzip.compress(b"\0" * 100_000) for _ in range(10)), 413),  # a multi-member bomb
        (gzip.compress(request_body(1)) + b"trailing garbage", 400),
        (gzip.compress(request_body(1)) + gzip.compress(request_body(2))[:25], 400),  # truncated
    ],
    ids=["multi-member-bomb", "trailing-garbage", "truncated-second-member"],
)
def test_bad_gzip_bodies_store_nothing(receiver: OtlpReceiver, body: bytes, status: int) -> None:
    reply = post(receiver.url, body, headers={"Content-Encoding": "gzip"})

    assert reply.status == status
    receiver.stop()
    assert stored_spans(receiver.store_path) == []
