"""Secrets never reach a file: not the spool segments, not the database."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from opentelemetry import trace

from tests.recording import Recorder
from tests.secret_kinds import (
    ATTRIBUTE_IDS,
    ATTRIBUTE_SECRETS,
    TEXT_IDS,
    TEXT_SECRETS,
    AttributeSecret,
    TextSecret,
    leaks,
)
from tracekit import semconv as sc
from tracekit.scrub import (
    REDACTED,
    clean_attributes,
    is_secret_key,
    scrub_attribute,
    scrub_attributes,
    scrub_bytes,
    scrub_json,
    scrub_nested_attributes,
    scrub_text,
)
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
    assert scrub_text("see https://bob:pw1@git.example.com/r.git") == (
        f"see https://{REDACTED}@git.example.com/r.git"
    )
    assert scrub_text("aws_secret_access_key=" + "A" * 40) == f"aws_secret_access_key={REDACTED}"


@pytest.mark.parametrize("secret", TEXT_SECRETS, ids=TEXT_IDS)
def test_each_secret_kind_is_redacted_from_text(secret: TextSecret) -> None:
    scrubbed = scrub_text(secret.text)

    assert REDACTED in scrubbed
    assert not leaks(secret, scrubbed)
    assert secret.kept in scrubbed
    # Also inside JSON-encoded content (JSON in a JSON string), and when repeated.
    assert not leaks(secret, scrub_text(json.dumps({"args": json.dumps({"q": secret.text})})))
    assert not leaks(secret, scrub_text(f"{secret.text} and again {secret.text} " * 40))
    # Scrubbing twice changes nothing more.
    assert scrub_text(scrubbed) == scrubbed


def test_a_pem_key_is_redacted_from_its_begin_to_its_end_line() -> None:
    text = (
        "a\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA\n-----END OPENSSH PRIVATE KEY-----\nz"
    )

    assert scrub_text(text) == f"a\n{REDACTED}\nz"
    # A key cut short (a truncated log line) is redacted to the end of the text.
    assert scrub_text("k: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN") == f"k: {REDACTED}"


@pytest.mark.parametrize("secret", ATTRIBUTE_SECRETS, ids=ATTRIBUTE_IDS)
def test_each_secret_attribute_kind_is_redacted(secret: AttributeSecret) -> None:
    attributes = {secret.key: secret.value, "app.visible": VISIBLE}

    for clean in (
        scrub_nested_attributes(attributes),
        clean_attributes(attributes, True),
        scrub_json(json.loads(json.dumps(attributes, default=lambda b: b.decode()))),
    ):
        assert not leaks(secret, repr(clean))
        assert clean["app.visible"] == VISIBLE


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
        "aws_secret_access_key",
        "AWS_SECRET_ACCESS_KEY",
        "jwt",
        "db.connection_string",
        "connection_string",
        "private_key",
        "refresh_token",
        "session_token",
        "cookie",
        "http.request.header.cookie.0",
        "sentry.dsn",
    ],
)
def test_attributes_named_like_secrets_are_redacted_whole(key: str) -> None:
    assert is_secret_key(key)
    assert scrub_attribute(key, "anything at all") == REDACTED
    assert scrub_attribute(key, ("Bearer a", "Bearer b")) == REDACTED
    assert scrub_attribute(key, b"raw bytes") == REDACTED
    assert scrub_attribute(key, {"value": "x", "nested": ["y"]}) == REDACTED
    assert scrub_attribute(key, 123456) == REDACTED


@pytest.mark.parametrize(
    "key",
    [
        sc.GEN_AI_USAGE_INPUT_TOKENS,
        sc.GEN_AI_USAGE_OUTPUT_TOKENS,
        sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
        sc.GEN_AI_REQUEST_MAX_TOKENS,
        sc.GEN_AI_TOKEN_TYPE,
        "tokens",
        "llm.token_count.prompt",
        "llm.token_count.completion",
        "llm.token_count.total",
        "gen_ai.usage.max_token",
        "gen_ai.usage.prompt_token",
        "session.id",
        "gen_ai.conversation.id",
        "tracekit.cost.usd",
        "http.request.header.content-type",
        "gen_ai.request.model",
        "tokenizer",
        "secretary.name",
    ],
)
def test_token_count_keys_are_not_secrets(key: str) -> None:
    assert not is_secret_key(key)
    assert scrub_attributes({key: 1200}) == {key: 1200}
    assert clean_attributes({key: 1200, f"{key}.x": [1, 2]}, True) == {
        key: 1200,
        f"{key}.x": [1, 2],
    }


def test_no_attribute_name_tracekit_knows_is_taken_for_a_secret() -> None:
    names = [
        value
        for name, value in vars(sc).items()
        if name.isupper() and isinstance(value, str) and "." in value
    ]
    assert len(names) > 30
    assert [name for name in names if is_secret_key(name)] == []


def test_booleans_and_empty_values_of_secret_keys_carry_nothing_and_stay() -> None:
    assert scrub_attribute("token", None) is None
    assert scrub_attribute("api_key.present", True) is True


def test_bytes_values_are_scrubbed_as_the_text_they_hold() -> None:
    assert scrub_bytes(b"x sk_test_26PHem9AhJZvU623DfE1x4sd") == f"x {REDACTED}"
    # Bytes holding no secret (binary data) are kept as they are.
    assert scrub_bytes(b"\x89PNG\r\n\x1a\n\x00") == b"\x89PNG\r\n\x1a\n\x00"
    # Invalid UTF-8 around a secret does not hide it.
    assert "26PHem9" not in str(scrub_bytes(b"\xff\xfe sk_test_26PHem9AhJZvU623DfE1x4sd \xc3"))
    assert clean_attributes({"a": [b"Bearer abcdefgh123"]}, False) == {"a": [f"Bearer {REDACTED}"]}


@pytest.mark.parametrize(
    ("glued", "secret"),
    [
        (f"lookup{ANTHROPIC_KEY}", ANTHROPIC_KEY[10:]),
        ("key_sk-proj-Zq81mXv0aBcDeFgH1234567890", "Zq81mXv0aBcDeFgH"),
        ("lookupsk_live_4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc"),
        ("idrk_live_51HxYzAbCdEfGh1234567890", "51HxYzAbCdEfGh1234567890"),
        ("mapsAIzaSyA1234567890abcdefghijklmnopqrstuv", "1234567890abcdefghij"),
        ("keyAKIAIOSFODNN7EXAMPLE", "IOSFODNN7EXAMPLE"),
        ("token_ghp_" + "a1B2" * 9, "a1B2a1B2a1B2a1B2"),
        ("pat:github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "0123456789_abcdef"),
        ("slackxoxb-123456789012-123456789012-abcdefghij", "123456789012-abcdefghij"),
        ("jwt_eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.SflKxwRJSMeKKF2QT4fw", "SflKxwRJSMeKK"),
    ],
)
def test_a_key_glued_to_the_word_before_it_is_still_redacted(glued: str, secret: str) -> None:
    scrubbed = scrub_text(f"found {glued} in the tool output")

    assert secret not in scrubbed
    assert scrubbed.startswith("found ") and scrubbed.endswith(" in the tool output")


def test_prose_that_looks_a_little_like_a_credential_is_left_alone() -> None:
    for text in (
        "a basic understanding of the basic principles",
        "Basic Authentication is described in RFC 7617",
        "see https://example.com/a:b for the ratio",
        "mailto:someone@example.com and ftp://host/path",
        "eyJ alone is not a token",
        "AIza is a prefix; sk_live_ is too",
        # Glued to a word, only key shapes that nothing else has count as keys.
        "a risk-adjusted-performance-metrics-report",
        "pytest -k disk_test_integration_suite and desk_live_performance_review",
        "order SKU SK-1234567890123456-A",
    ):
        assert scrub_text(text) == text


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
    # Every value the tables hold, as text: the file's bytes alone would not show a secret in
    # a compressed column (attributes and content are ZSTD), nor the visible marker there.
    with duckdb.connect(str(recorder.store), read_only=True) as con:
        stored = json.dumps(
            [
                con.execute(f"SELECT * FROM {table}").fetchall()
                for table in ("spans", "span_content")
            ],
            default=str,
        )
    for data in (stored.encode(), recorder.store.read_bytes()):
        assert b"q8Xv2LmR7tYp4WnZ0bKc6HsJ1dFg9AeUo3Ni5MxQrVyT" not in data
        assert b"very-secret" not in data and b"sk-ant-api03" not in data
    assert VISIBLE in stored
