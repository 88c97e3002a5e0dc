"""The receiver's direct protobuf-to-segment conversion: the same rows as the general path,
and no secret reaches a file, wherever in a request it hides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans

from tests.ingest.otlp_client import post
from tests.recording import REPO_ROOT
from tracekit import semconv as sc
from tracekit.ingest import OtlpReceiver
from tracekit.otlp.decode import spans_from_resource_spans, traces_data_from_json
from tracekit.otlp.encode import traces_data_from_spans
from tracekit.otlp.model import OtlpEvent, OtlpLink, OtlpSpan
from tracekit.scrub import clean_attributes as _clean_attributes
from tracekit.scrub import scrub_attributes, scrub_nested_attributes
from tracekit.store import pending_segments
from tracekit.store.convert import SegmentBuilder

FIXTURES = REPO_ROOT / "fixtures" / "otlp"
ANTHROPIC_KEY = "sk-ant-api03-q8Xv2LmR7tYp4WnZ0bKc6HsJ1dFg9AeUo3Ni5MxQrVyT-Ab12Cd34"
#: What must never be found: the distinctive middle of every secret the request carries.
SECRET_PARTS = (
    "q8Xv2LmR7tYp4WnZ0bKc6HsJ1dFg9AeUo3Ni5MxQrVyT",
    "hunter2-kvlist-password",
    "resource-secret-value",
    "eyJhbGciOiJIUzI1NiJ9",
    "ghp_a1B2a1B2",
)
#: Sits next to the secrets: proves the text searched really holds what was sent.
VISIBLE = "visible-marker-7f3a9c"
TRACE_ID = "5b8efff798038103d269b633813fc60c"


def _secret_span() -> OtlpSpan:
    long_text = f"{VISIBLE} " + "lorem ipsum dolor sit amet " * 40 + f"key {ANTHROPIC_KEY} end"
    return OtlpSpan(
        trace_id=TRACE_ID,
        span_id="eee19b7ec3c1b174",
        parent_span_id=None,
        name=f"chat {ANTHROPIC_KEY}",
        kind="CLIENT",
        start_ns=1_700_000_000_000_000_000,
        end_ns=1_700_000_001_000_000_000,
        status_code="ERROR",
        status_message=f"401 for {ANTHROPIC_KEY}",
        attributes={
            sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
            sc.GEN_AI_REQUEST_MODEL: "claude-haiku-4-5",
            "app.note": long_text,
            "app.request": {
                "headers": {"authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature"},
                "login": {"password": "hunter2-kvlist-password", "user": VISIBLE},
                "tokens": [{"note": "token ghp_" + "a1B2" * 9}, [f"nested {ANTHROPIC_KEY}"]],
            },
            "app.keys": [VISIBLE, f"key={ANTHROPIC_KEY}"],
            sc.GEN_AI_INPUT_MESSAGES: json.dumps(
                [{"role": "user", "parts": [{"type": "text", "content": f"{ANTHROPIC_KEY}"}]}]
            ),
        },
        resource={
            sc.SERVICE_NAME: "agent-app",
            "deployment.api_key": "resource-secret-value",
            "deployment.note": f"{VISIBLE} started with {ANTHROPIC_KEY}",
        },
        scope_name="agent-app",
        events=(
            OtlpEvent(
                "log",
                1_700_000_000_500_000_000,
                {
                    "line": f"calling with {ANTHROPIC_KEY}",
                    "ctx": {"secret": "hunter2-kvlist-password"},
                },
            ),
        ),
        links=(
            OtlpLink(
                TRACE_ID,
                "aee19b7ec3c1b174",
                {"why": f"retry {ANTHROPIC_KEY}", "auth": {"token": "resource-secret-value"}},
            ),
        ),
    )


def _request(spans: list[OtlpSpan]) -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    request.resource_spans.extend(traces_data_from_spans(spans).resource_spans)
    return request


def _fixture_resource_spans() -> list[ResourceSpans]:
    resource_spans: list[ResourceSpans] = []
    for fixture in sorted(FIXTURES.glob("*.jsonl")):
        for line in fixture.read_text().splitlines():
            if line.strip():
                resource_spans.extend(traces_data_from_json(line).resource_spans)
    return resource_spans


def test_the_direct_path_stores_exactly_what_the_span_objects_would() -> None:
    resource_spans = [
        *_fixture_resource_spans(),
        *_request([_secret_span()]).resource_spans,
    ]
    direct = SegmentBuilder()
    direct.add_resource_spans(resource_spans)
    via_objects = SegmentBuilder()
    via_objects.add_otlp_spans(spans_from_resource_spans(resource_spans))

    assert len(direct) == len(via_objects) > 10
    assert direct.to_table().to_pylist() == via_objects.to_table().to_pylist()


@pytest.mark.parametrize(
    "attributes",
    [
        {"a": "plain", "n": 3, "f": 1.5, "b": True, "none": None, "raw": b"\x00sk-"},
        {"api_key": "x", "api_key.count": 3, "token": ["a", 1], "password": ("p", "q")},
        {"note": f"see {ANTHROPIC_KEY}", "list": [f"{ANTHROPIC_KEY}", 2], "t": ("a", "b")},
        {"kv": {"authorization": "Bearer abcdefgh", "inner": {"x": f"{ANTHROPIC_KEY}"}}},
        {"secret": {"user": "u", "list": [{"cookie": "c"}]}, "arr": [[f"{ANTHROPIC_KEY}"]]},
        {"gen_ai.usage.input_tokens": 12, "gen_ai.request.max_tokens": 4096},
    ],
)
@pytest.mark.parametrize("nested", [False, True])
def test_one_pass_scrubbing_matches_the_scrub_functions(
    attributes: dict[str, Any], nested: bool
) -> None:
    expected = scrub_nested_attributes(attributes) if nested else scrub_attributes(attributes)
    assert _clean_attributes(attributes, nested) == expected


def _stored_text(db: Path) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "SELECT s.name, s.status_message, s.attributes, s.resource, s.events, s.links, "
            "c.attributes FROM spans AS s LEFT JOIN span_content AS c USING (trace_id, span_id)"
        ).fetchall()
    finally:
        con.close()
    assert rows
    return json.dumps(rows)


def test_secrets_anywhere_in_an_otlp_request_never_reach_a_segment_or_the_database(
    tmp_path: Path,
) -> None:
    store = tmp_path / "store.duckdb"
    body = _request([_secret_span()]).SerializeToString()
    receiver = OtlpReceiver(store, port=0, fold_interval_s=3600).start()
    try:
        reply = post(receiver.url, body)
        assert reply.status == 200
        segments = pending_segments(receiver.pipeline.paths)
        data = b"".join(segment.read_bytes() for segment in segments)
    finally:
        receiver.stop()
    assert VISIBLE.encode() in data
    for secret in SECRET_PARTS:
        assert secret.encode() not in data

    stored = _stored_text(store)
    assert VISIBLE in stored and "[REDACTED]" in stored
    for secret in SECRET_PARTS:
        assert secret not in stored
