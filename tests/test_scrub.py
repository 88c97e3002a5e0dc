"""Secrets never reach a file: not the spool segments, not the database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from opentelemetry import trace

from tests.recording import Recorder
from tracekit import semconv as sc
from tracekit.scrub import REDACTED, is_secret_key, scrub_attribute, scrub_attributes, scrub_text
from tracekit.store import TraceStore, pending_segments

ANTHROPIC_KEY = "sk-ant-api03-q8Xv2LmR7tYp4WnZ0bKc6HsJ1dFg9AeUo3Ni5MxQrVyT-Ab12Cd34"
#: Sits next to the secrets: proves the bytes searched really hold the recorded text.
VISIBLE = "visible-marker-7f3a9c"


@pytest.mark.parametrize(
    "text",
    [
        f"use {ANTHROPIC_KEY} please",
        "OPENAI_API_KEY is sk-proj-abcdefghijklmnop1234567890",
        "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature",
        "aws AKIAIOSFODNN7EXAMPLE in the log",
        "token ghp_" + "a1B2" * 9,
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
        "slack xoxb-123456789012-123456789012-abcdefghij",
        "https://api.example.com/v1?api_key=s3cr3tvalue&x=1",
        '{"password": "hunter2hunter2"}',
    ],
)
def test_secret_looking_substrings_are_redacted(text: str) -> None:
    scrubbed = scrub_text(text)

    assert REDACTED in scrubbed
    for secret in (ANTHROPIC_KEY, "abcdefghijklmnop1234567890", "AKIAIOSFODNN7EXAMPLE", "s3cr3t"):
        assert secret not in scrubbed


def test_the_readable_part_of_a_credential_stays() -> None:
    assert scrub_text("Bearer abcdef123456") == f"Bearer {REDACTED}"
    assert scrub_text("api_key=abcdef123456&page=2") == f"api_key={REDACTED}&page=2"


@pytest.mark.parametrize(
    "text",
    [
        "The task-abcdefghijklmnopqrstuvwxyz ran; the key point is the plan.",
        "Each token costs money; the model used 1,200 tokens.",
        "rapid access to the API",
        "",
        "ünïcödé İstanbul text without secrets",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert scrub_text(text) == text


def test_secrets_inside_json_encoded_content_are_redacted() -> None:
    content = json.dumps({"args": json.dumps({"api_key": "abcdef123456", "q": "x"})})

    assert "abcdef123456" not in scrub_text(content)


@pytest.mark.parametrize(
    "key",
    [
        "authorization",
        "http.request.header.authorization",
        "http.request.header.x-api-key",
        "api_key",
        "openai.apikey",
        "db.password",
        "client_secret",
        "auth.token",
        "GITHUB_TOKEN",
        "set-cookie",
    ],
)
def test_attributes_named_like_secrets_are_redacted_whole(key: str) -> None:
    assert is_secret_key(key)
    assert scrub_attribute(key, "anything at all") == REDACTED
    assert scrub_attribute(key, ("Bearer a", "Bearer b")) == [REDACTED, REDACTED]


@pytest.mark.parametrize(
    "key",
    [
        sc.GEN_AI_USAGE_INPUT_TOKENS,
        sc.GEN_AI_USAGE_OUTPUT_TOKENS,
        sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
        sc.GEN_AI_REQUEST_MAX_TOKENS,
        sc.GEN_AI_TOKEN_TYPE,
        "tokens",
    ],
)
def test_token_count_keys_are_not_secrets(key: str) -> None:
    assert not is_secret_key(key)
    assert scrub_attributes({key: 1200}) == {key: 1200}


def test_non_string_values_of_secret_keys_are_kept() -> None:
    assert scrub_attribute("token", 5) == 5


def test_a_key_and_a_header_never_reach_the_segment_or_the_database(
    tmp_path: Path, make_recorder: type[Recorder]
) -> None:
    recorder = make_recorder(tmp_path / "store.duckdb", fold=False)
    tracer = recorder.tracer
    with tracer.start_as_current_span(
        sc.chat_span_name("claude-haiku-4-5"),
        kind=trace.SpanKind.CLIENT,
        attributes={
            sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
            "http.request.header.authorization": "Bearer abc.def.ghi-very-secret",
            sc.GEN_AI_INPUT_MESSAGES: json.dumps(
                [
                    {
                        "role": "user",
                        "parts": [{"type": "text", "content": f"{VISIBLE} {ANTHROPIC_KEY}"}],
                    }
                ]
            ),
        },
    ) as span:
        span.add_event("log", {"line": f"calling with {ANTHROPIC_KEY}"})
        span.set_status(trace.Status(trace.StatusCode.ERROR, f"401 for {ANTHROPIC_KEY}"))
    recorder.flush()

    segments = pending_segments(recorder.processor.paths)
    assert segments
    data = b"".join(segment.read_bytes() for segment in segments)
    assert VISIBLE.encode() in data
    assert b"q8Xv2LmR7tYp4WnZ0bKc6HsJ1dFg9AeUo3Ni5MxQrVyT" not in data
    assert b"very-secret" not in data and b"sk-ant-api03" not in data

    TraceStore(recorder.store).list_traces()  # folds the spool into the database
    assert not pending_segments(recorder.processor.paths)
    data = recorder.store.read_bytes()
    assert VISIBLE.encode() in data
    assert b"q8Xv2LmR7tYp4WnZ0bKc6HsJ1dFg9AeUo3Ni5MxQrVyT" not in data
    assert b"very-secret" not in data and b"sk-ant-api03" not in data
