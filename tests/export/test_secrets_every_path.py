"""No secret leaves tracekit by any path: store (spool segment and folded database), trace-file
export, ``export --otlp-endpoint``, live export while recording, and ``serve --forward``
(and ``--forward-raw`` sends bodies as received, as documented).

Each path runs once per module with every secret kind on one span (the expensive part: real
servers, the official exporter); each kind x path is then its own test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from tests.ingest.otlp_client import post
from tests.otlp_capture import capturing_endpoint
from tests.recording import new_recorder
from tests.secret_kinds import (
    ANTHROPIC_KEY,
    ATTRIBUTE_IDS,
    ATTRIBUTE_SECRETS,
    SDK_ATTRIBUTE_IDS,
    SDK_ATTRIBUTE_SECRETS,
    TEXT_IDS,
    TEXT_SECRETS,
    AttributeSecret,
    TextSecret,
    leaks,
    secret_attributes,
)
from tracekit import semconv as sc
from tracekit.cli import main
from tracekit.export.live import live_export_processor
from tracekit.ingest import OtlpReceiver
from tracekit.otlp.encode import traces_data_from_spans
from tracekit.otlp.model import OtlpEvent, OtlpSpan
from tracekit.store import StorePaths, TraceStore, pending_segments

VISIBLE = "visible-marker-5e1d"
TRACE_ID = "5b8efff798038103d269b633813fc60c"
SPAN_NAME = f"chat {VISIBLE} {ANTHROPIC_KEY}"
ANTHROPIC_SECRET = "q8Xv2LmR7tYp4WnZ0bKc6HsJ1d"
CONTENT_VISIBLE = "content-marker-9b2c"
CONTENT_SECRET = "ContentSecret7Zq1Xw"
#: Content (messages) with a secret in it: kept locally and exported when asked, scrubbed.
CONTENT = json.dumps(
    [
        {
            "role": "user",
            "parts": [
                {
                    "type": "text",
                    "content": f"{CONTENT_VISIBLE} use sk_live_{CONTENT_SECRET}",
                }
            ],
        }
    ]
)


@dataclass
class Seen:
    """What one path let out, as text; ``raw`` paths are meant to keep secrets."""

    text: str
    raw: bool = False


def _otlp_span() -> OtlpSpan:
    return OtlpSpan(
        trace_id=TRACE_ID,
        span_id="eee19b7ec3c1b174",
        parent_span_id=None,
        name=SPAN_NAME,
        kind="CLIENT",
        start_ns=1_750_000_000_000_000_000,
        end_ns=1_750_000_000_100_000_000,
        status_code="ERROR",
        status_message=f"401 for {ANTHROPIC_KEY}",
        attributes={
            "app.visible": VISIBLE,
            sc.GEN_AI_INPUT_MESSAGES: CONTENT,
            **secret_attributes(sdk=False),
        },
        resource={"service.name": "leaky-app", "deploy.api_key": "Opaque7Resource"},
        events=(OtlpEvent("log", 1_750_000_000_050_000_000, {"line": f"key {ANTHROPIC_KEY}"}),),
    )


def _request_body() -> bytes:
    return traces_data_from_spans([_otlp_span()]).SerializeToString()


def _everything_in(store: Path) -> str:
    spans = list(TraceStore(store).iter_spans())
    assert spans, "nothing was stored"
    return repr(spans) + store.read_bytes().decode("utf-8", "replace")


def _spool_text(store: Path) -> str:
    segments = pending_segments(StorePaths.for_store(store))
    assert segments, "nothing was spooled"
    return b"".join(s.read_bytes() for s in segments).decode("utf-8", "replace")


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Seen]]:
    tmp = tmp_path_factory.mktemp("secret-paths")
    seen: dict[str, Seen] = {}
    body = _request_body()

    # serve: spool, folded store, --forward (scrubbed) and --forward-raw.
    with capturing_endpoint() as upstream, capturing_endpoint() as raw_upstream:
        store = tmp / "received.duckdb"
        with (
            OtlpReceiver(
                store, port=0, forward_url=upstream.base_url, fold_interval_s=3600
            ) as receiver,
            OtlpReceiver(
                tmp / "received-raw.duckdb",
                port=0,
                forward_url=raw_upstream.base_url,
                forward_raw=True,
                fold_interval_s=3600,
            ) as raw_receiver,
        ):
            assert post(receiver.url, body).status == 200
            assert post(raw_receiver.url, body).status == 200
            upstream.wait()
            raw_upstream.wait()
            seen["spool"] = Seen(_spool_text(store))
        seen["store"] = Seen(_everything_in(store))
        seen["forward"] = Seen(upstream.text())
        seen["forward_raw"] = Seen(raw_upstream.text(), raw=True)

    # A store written by older rules (or another tool) still holds secrets: plant them, so
    # the exports below show their own scrubbing.
    planted = tmp / "planted.duckdb"
    with OtlpReceiver(planted, port=0) as receiver:
        assert post(receiver.url, body).status == 200
    span = _otlp_span()
    attributes = {k: v.decode() if isinstance(v, bytes) else v for k, v in span.attributes.items()}
    with duckdb.connect(str(planted)) as con:
        con.execute(
            "UPDATE spans SET name = ?, attributes = ?, status_message = ?",
            [span.name, json.dumps(attributes), span.status_message],
        )
        con.execute(
            "UPDATE span_content SET attributes = ?",
            [json.dumps({sc.GEN_AI_INPUT_MESSAGES: CONTENT})],
        )
    planted_text = _everything_in(planted)
    assert ANTHROPIC_SECRET in planted_text and CONTENT_SECRET in planted_text

    out = tmp / "export.jsonl"
    assert main(["export", "--store", str(planted), "--out", str(out)]) == 0
    seen["file_export"] = Seen(out.read_text())
    with capturing_endpoint() as backend:
        argv = ["export", "--store", str(planted), "--otlp-endpoint", backend.base_url]
        assert main([*argv, "--with-content"]) == 0
        seen["otlp_export"] = Seen(backend.text())

    # Live export while recording, configured by the standard variable (read via settings).
    with capturing_endpoint() as backend, pytest.MonkeyPatch.context() as env:
        env.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
        env.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", backend.base_url)
        env.setenv("TRACEKIT_OTLP_WITH_CONTENT", "1")
        processor = live_export_processor()
        assert processor is not None
        provider = TracerProvider(
            resource=Resource.create({"service.name": "live", "deploy.api_key": "Opaque7R"}),
            shutdown_on_exit=False,
        )
        provider.add_span_processor(processor)
        _record_sdk_span(provider)
        assert provider.force_flush()
        provider.shutdown()
        backend.wait()
        seen["live_export"] = Seen(backend.text())

    # The local recorder (SDK spans): spool segment and folded database.
    sdk_store = tmp / "recorded.duckdb"
    recorder = new_recorder(sdk_store, fold=False)
    _record_sdk_span(recorder.provider)
    recorder.flush()
    seen["recorder_spool"] = Seen(_spool_text(sdk_store))
    recorder.provider.shutdown()
    seen["recorder_store"] = Seen(_everything_in(sdk_store))
    yield seen


def _record_sdk_span(provider: TracerProvider) -> None:
    from opentelemetry import trace

    tracer = provider.get_tracer("leaky-app")
    attributes: dict[str, Any] = {
        "app.visible": VISIBLE,
        sc.GEN_AI_INPUT_MESSAGES: CONTENT,
        **secret_attributes(sdk=True),
    }
    with tracer.start_as_current_span(SPAN_NAME, attributes=attributes) as span:
        span.add_event("log", {"line": f"key {ANTHROPIC_KEY}"})
        span.set_status(trace.Status(trace.StatusCode.ERROR, f"401 for {ANTHROPIC_KEY}"))


OTLP_PATHS = ["spool", "store", "forward", "file_export", "otlp_export"]
SDK_PATHS = ["recorder_spool", "recorder_store", "live_export"]
ALL_PATHS = OTLP_PATHS + SDK_PATHS


@pytest.mark.parametrize("path", ALL_PATHS)
@pytest.mark.parametrize("secret", TEXT_SECRETS, ids=TEXT_IDS)
def test_secrets_in_text_never_leave(paths: dict[str, Seen], path: str, secret: TextSecret) -> None:
    seen = paths[path].text
    assert VISIBLE in seen  # the span really went this way
    assert leaks(secret, seen) == []


@pytest.mark.parametrize("path", OTLP_PATHS)
@pytest.mark.parametrize("secret", ATTRIBUTE_SECRETS, ids=ATTRIBUTE_IDS)
def test_secret_attributes_never_leave(
    paths: dict[str, Seen], path: str, secret: AttributeSecret
) -> None:
    seen = paths[path].text
    assert VISIBLE in seen
    assert leaks(secret, seen) == []


@pytest.mark.parametrize("path", SDK_PATHS)
@pytest.mark.parametrize("secret", SDK_ATTRIBUTE_SECRETS, ids=SDK_ATTRIBUTE_IDS)
def test_secret_attributes_of_sdk_spans_never_leave(
    paths: dict[str, Seen], path: str, secret: AttributeSecret
) -> None:
    seen = paths[path].text
    assert VISIBLE in seen
    assert leaks(secret, seen) == []


@pytest.mark.parametrize("path", ALL_PATHS)
def test_span_names_status_messages_events_and_resources_are_scrubbed(
    paths: dict[str, Seen], path: str
) -> None:
    seen = paths[path].text
    assert ANTHROPIC_SECRET not in seen
    assert "Opaque7R" not in seen  # a secret-named resource attribute


@pytest.mark.parametrize("path", ALL_PATHS)
def test_content_goes_along_scrubbed(paths: dict[str, Seen], path: str) -> None:
    seen = paths[path].text
    assert CONTENT_VISIBLE in seen
    assert CONTENT_SECRET not in seen


def test_forward_re_encodes_json_requests_as_scrubbed_protobuf(tmp_path: Path) -> None:
    from tracekit.otlp.encode import traces_data_to_json

    body = traces_data_to_json(traces_data_from_spans([_otlp_span()])).encode()
    with capturing_endpoint() as upstream:
        with OtlpReceiver(tmp_path / "s.duckdb", port=0, forward_url=upstream.base_url) as receiver:
            assert post(receiver.url, body, content_type="application/json").status == 200
            upstream.wait()
        (request,) = upstream.requests
    assert request.headers["Content-Type"] == "application/x-protobuf"
    assert VISIBLE in upstream.text()
    for secret in [*TEXT_SECRETS, *ATTRIBUTE_SECRETS]:
        assert leaks(secret, upstream.text()) == [], secret.kind


@pytest.mark.parametrize(
    "secret", [*TEXT_SECRETS, *ATTRIBUTE_SECRETS], ids=[*TEXT_IDS, *ATTRIBUTE_IDS]
)
def test_forward_raw_sends_bodies_as_received(paths: dict[str, Seen], secret: Any) -> None:
    # Documented: --forward-raw is the one way to send secrets upstream, and it does.
    assert paths["forward_raw"].raw
    assert leaks(secret, paths["forward_raw"].text)
