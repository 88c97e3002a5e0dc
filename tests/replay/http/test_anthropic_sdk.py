"""An app that calls the Anthropic SDK directly is recorded into a real store and replayed.

Recording goes through the SDK's ``http_client=`` seam against a fake Messages API (JSON and
event streams); replay answers from the store (and from a trace file) with every socket
blocked, and the app sees the same messages and the same streamed events in the same order.
"""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor

from replay.http import AnthropicRecorder, AnthropicReplayer
from tests.replay.http.fake_anthropic import API_KEY, COOKIE, ORG_ID, FakeMessagesAPI
from tracekit import semconv as sc
from tracekit.exceptions import RecordingError, ReplayError, UnmatchedCallError
from tracekit.otlp.model import OtlpSpan
from tracekit.store import TraceStore
from tracekit.telemetry import Telemetry

MODEL = "claude-haiku-4-5"


def weather_app(client: anthropic.Anthropic, city: str = "Paris") -> dict[str, Any]:
    """The app under test: a plain call, a streamed answer, and a raw event stream."""
    reply = client.messages.create(
        model=MODEL,
        max_tokens=256,
        system="You are a weather bot.",
        messages=[{"role": "user", "content": f"Weather in {city}?"}],
        metadata={"user_id": "user-session-1234"},
    )
    with client.messages.stream(
        model=MODEL,
        max_tokens=256,
        messages=[{"role": "user", "content": f"Describe {city} in one line."}],
    ) as stream:
        deltas = list(stream.text_stream)
        final = stream.get_final_message()
    raw = client.messages.create(
        model=MODEL,
        max_tokens=256,
        stream=True,
        messages=[{"role": "user", "content": "Call the tool please."}],
    )
    events = [event.model_dump(mode="json") for event in raw]
    return {
        "reply": reply.model_dump(mode="json"),
        "deltas": deltas,
        "final": final.model_dump(mode="json"),
        "events": events,
    }


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any socket connection fails the test: replay must never reach the network."""

    def refuse(self: socket.socket, address: Any) -> None:
        raise AssertionError(f"replay tried to connect to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)


@dataclass
class Recorded:
    """What a recording run produced: the store, the trace id and the app's output."""

    store: Path
    trace_id: str
    output: Any
    api: FakeMessagesAPI


def record(
    tmp_path: Path,
    app: Any = weather_app,
    api: FakeMessagesAPI | None = None,
    **client_options: Any,
) -> Recorded:
    api = api or FakeMessagesAPI()
    store = tmp_path / "store.duckdb"
    telemetry = Telemetry.recording_to(store)
    recorder = AnthropicRecorder(telemetry)
    client = anthropic.Anthropic(
        api_key=API_KEY,
        # older SDKs and proxies send the key as x-api-key; cookies come back from the API
        default_headers={"x-api-key": API_KEY, "cookie": COOKIE},
        http_client=recorder.http_client(httpx2.MockTransport(api)),
        open_telemetry={
            "tracer_provider": telemetry.tracer_provider,
            "traces": {"content_mode": "content"},
        },
        **client_options,
    )
    with recorder.session("weather-app") as session:
        output = app(client)
    telemetry.shutdown()
    return Recorded(store, session.trace_id, output, api)


@pytest.fixture
def recorded(tmp_path: Path) -> Recorded:
    return record(tmp_path)


def replay_client(replayer: AnthropicReplayer, **options: Any) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="sk-test", http_client=replayer.http_client(), **options)


def test_recording_passes_the_answers_through_unchanged(recorded: Recorded) -> None:
    output = recorded.output
    assert output["reply"]["content"][0]["text"] == "Answer 1 to: Weather in Paris?"
    assert output["deltas"] == ["It is ", "sunny ", "(2) ", "in ", "Paris."]
    assert output["final"]["content"][0]["text"] == "It is sunny (2) in Paris."
    assert output["final"]["stop_reason"] == "end_turn"
    assert [e["type"] for e in output["events"]][:3] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
    ]
    tool_input = [e for e in output["events"] if e["type"] == "content_block_start"][1]
    assert tool_input["content_block"]["name"] == "get_weather"
    # the API really received the key: recording changes nothing on the wire
    assert recorded.api.seen_headers[0]["authorization"] == f"Bearer {API_KEY}"


def test_replay_from_the_store_gives_the_same_outputs_offline(
    recorded: Recorded, no_network: None
) -> None:
    replayer = AnthropicReplayer.from_store(recorded.store, recorded.trace_id)
    output = weather_app(replay_client(replayer))

    assert output == recorded.output
    assert replayer.played_count() == 3
    replayer.assert_all_played()


def test_streamed_events_are_recorded_in_order_and_replayed_in_order(recorded: Recorded) -> None:
    spans = _exchange_spans(recorded)
    events = json.loads(spans[2].attributes[sc.TRACEKIT_HTTP_RESPONSE_EVENTS])
    names = [e["event"] for e in events]
    assert names == [
        "message_start",
        "content_block_start",
        "ping",
        "content_block_delta",
        "content_block_delta",
        "content_block_delta",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert json.loads(events[10]["data"])["delta"]["partial_json"] == '{"city": '

    replayer = AnthropicReplayer.from_spans(spans)
    client = replay_client(replayer)
    weather_app_calls = weather_app(client)
    assert [e["type"] for e in weather_app_calls["events"]] == [
        n
        for n in names
        if n != "ping"  # the SDK drops pings
    ]


def test_each_exchange_is_a_client_span_under_the_sdk_span_with_full_content(
    recorded: Recorded,
) -> None:
    detail = TraceStore(recorded.store).get_trace(recorded.trace_id)
    by_id = {s.span_id: s for s in detail.spans}
    exchanges = [s for s in detail.spans if s.name == "POST /v1/messages"]
    assert len(exchanges) == 3
    for span in exchanges:
        assert span.kind == "CLIENT"
        assert span.parent_span_id is not None
        assert by_id[span.parent_span_id].name == sc.ANTHROPIC_SPAN_NAME
        assert span.attributes[sc.HTTP_RESPONSE_STATUS_CODE] == 200
        assert span.has_content
    assert detail.summary.workflow == "weather-app"

    first = _exchange_spans(recorded)[0].attributes
    body = json.loads(first[sc.TRACEKIT_HTTP_REQUEST_BODY])
    assert body["messages"] == [{"role": "user", "content": "Weather in Paris?"}]
    assert list(body) == sorted(body)  # canonical JSON
    response = json.loads(first[sc.TRACEKIT_HTTP_RESPONSE_BODY])  # gzip undone
    assert response["content"][0]["text"] == "Answer 1 to: Weather in Paris?"
    headers = json.loads(first[sc.TRACEKIT_HTTP_RESPONSE_HEADERS])
    assert headers["request-id"] == "req_0001"
    assert "content-encoding" not in headers


def test_secrets_never_reach_the_store_files(recorded: Recorded) -> None:
    request_headers = json.loads(
        _exchange_spans(recorded)[0].attributes[sc.TRACEKIT_HTTP_REQUEST_HEADERS]
    )
    assert request_headers["authorization"] == "[REDACTED]"
    assert request_headers["x-api-key"] == "[REDACTED]"
    assert request_headers["cookie"] == "[REDACTED]"
    response_headers = json.loads(
        _exchange_spans(recorded)[0].attributes[sc.TRACEKIT_HTTP_RESPONSE_HEADERS]
    )
    assert response_headers["anthropic-organization-id"] == "[REDACTED]"
    assert response_headers["set-cookie"] == "[REDACTED]"

    files = [p for p in recorded.store.parent.rglob("*") if p.is_file()]
    assert any(p.suffix == ".duckdb" for p in files)
    for path in files:
        data = path.read_bytes()
        for secret in (API_KEY, ORG_ID, COOKIE, API_KEY[:24]):
            assert secret.encode() not in data, f"{secret!r} found in {path.name}"


def test_a_changed_prompt_fails_loudly_with_the_nearest_recording_and_a_diff(
    recorded: Recorded, no_network: None
) -> None:
    replayer = AnthropicReplayer.from_store(recorded.store, recorded.trace_id)

    with pytest.raises(UnmatchedCallError) as caught:
        weather_app(replay_client(replayer), city="Rome")

    message = str(caught.value)
    assert "no recorded answer for POST /v1/messages" in message
    assert "nearest recorded request: #1" in message
    assert "messages[0].content: recorded 'Weather in Paris?' | sent 'Weather in Rome?'" in message
    # not retried and not wrapped by the SDK: one unmatched request, our error as is
    assert len(replayer.unmatched) == 1
    assert not isinstance(caught.value, anthropic.APIConnectionError)
    with pytest.raises(ReplayError, match="unplayed recording: POST /v1/messages"):
        replayer.assert_all_played()


def test_volatile_fields_do_not_decide_the_match(recorded: Recorded) -> None:
    replayer = AnthropicReplayer.from_store(recorded.store, recorded.trace_id)
    client = replay_client(replayer)
    reply = client.messages.create(
        model=MODEL,
        max_tokens=256,
        system="You are a weather bot.",
        messages=[{"role": "user", "content": "Weather in Paris?"}],
        metadata={"user_id": "another-session-9876"},
    )
    assert reply.content[0].text == "Answer 1 to: Weather in Paris?"  # type: ignore[union-attr]


def test_leftover_recordings_are_reported(recorded: Recorded) -> None:
    replayer = AnthropicReplayer.from_store(recorded.store, recorded.trace_id)
    client = replay_client(replayer)
    client.messages.create(
        model=MODEL,
        max_tokens=256,
        system="You are a weather bot.",
        messages=[{"role": "user", "content": "Weather in Paris?"}],
    )

    left = replayer.unplayed()
    assert [e.describe() for e in left] == [
        f"POST /v1/messages ({MODEL}, 'Describe Paris in one line.', stream)",
        f"POST /v1/messages ({MODEL}, 'Call the tool please.', stream)",
    ]
    with pytest.raises(ReplayError) as caught:
        replayer.assert_all_played()
    assert "2 problem(s)" in str(caught.value)


def test_identical_requests_are_answered_in_recorded_order(tmp_path: Path) -> None:
    def ask_twice(client: anthropic.Anthropic) -> list[str]:
        answers = []
        for _ in range(2):
            reply = client.messages.create(
                model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "Roll a die."}]
            )
            answers.append(reply.content[0].text)  # type: ignore[union-attr]
        return answers

    run = record(tmp_path, ask_twice)
    replayer = AnthropicReplayer.from_store(run.store, run.trace_id)
    client = replay_client(replayer)

    assert (
        ask_twice(client) == run.output == ["Answer 1 to: Roll a die.", "Answer 2 to: Roll a die."]
    )
    with pytest.raises(UnmatchedCallError, match="every answer was already played"):
        client.messages.create(
            model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "Roll a die."}]
        )


def test_a_retried_overload_replays_as_recorded(tmp_path: Path, no_network: None) -> None:
    def ask(client: anthropic.Anthropic) -> str:
        reply = client.messages.create(
            model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "Hello?"}]
        )
        return reply.content[0].text  # type: ignore[union-attr]

    run = record(tmp_path, ask, FakeMessagesAPI(overloaded_first=True), max_retries=1)
    spans = _exchange_spans(run)
    assert [s.attributes[sc.HTTP_RESPONSE_STATUS_CODE] for s in spans] == [529, 200]
    assert spans[0].status_code == "ERROR"

    replayer = AnthropicReplayer.from_store(run.store, run.trace_id)
    assert ask(replay_client(replayer, max_retries=1)) == run.output
    replayer.assert_all_played()


def test_a_connection_failure_replays_as_a_failure(tmp_path: Path, no_network: None) -> None:
    def ask(client: anthropic.Anthropic) -> str:
        reply = client.messages.create(
            model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "Hello?"}]
        )
        return reply.content[0].text  # type: ignore[union-attr]

    run = record(tmp_path, ask, FakeMessagesAPI(unreachable_first=True), max_retries=1)
    failed, answered = _exchange_spans(run)
    assert failed.status_code == "ERROR"
    assert answered.attributes[sc.HTTP_RESPONSE_STATUS_CODE] == 200
    assert failed.attributes[sc.ERROR_TYPE] == "httpx2.ConnectError"

    replayer = AnthropicReplayer.from_store(run.store, run.trace_id)
    assert ask(replay_client(replayer, max_retries=1)) == run.output
    replayer.assert_all_played()


def test_replay_from_a_trace_file(recorded: Recorded, tmp_path: Path, no_network: None) -> None:
    files = pytest.importorskip("tracekit.otlp.files")
    path = tmp_path / "weather.jsonl"
    files.write_trace_file(path, _store_spans(recorded))
    assert API_KEY.encode() not in path.read_bytes()

    replayer = AnthropicReplayer.from_file(path)
    assert weather_app(replay_client(replayer)) == recorded.output
    replayer.assert_all_played()


def test_recording_keeps_the_stream_incremental_and_an_early_stop_replays(
    tmp_path: Path, no_network: None
) -> None:
    api = FakeMessagesAPI()

    def first_words(client: anthropic.Anthropic) -> dict[str, Any]:
        with client.messages.stream(
            model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "Go on."}]
        ) as stream:
            for text in stream.text_stream:
                # the app holds its first word while most of the answer is still unsent
                sent = api.streams[-1].sent / len(api.streams[-1].pieces) if api.streams else 0
                return {"text": text, "sent": sent < 0.5}
        raise AssertionError("no text")

    run = record(tmp_path, first_words, api)
    assert run.output == {"text": "It is ", "sent": True}
    # the app stopped reading: the recording holds what arrived, and replays the same way
    span = _exchange_spans(run)[0]
    events = json.loads(span.attributes[sc.TRACEKIT_HTTP_RESPONSE_EVENTS])
    assert events[-1]["event"] == "content_block_delta"
    assert span.status_code != "ERROR"  # stopping early is not a failure

    replayer = AnthropicReplayer.from_store(run.store, run.trace_id)
    assert first_words(replay_client(replayer))["text"] == "It is "
    replayer.assert_all_played()


class BrokenProcessor(SpanProcessor):
    """A span destination that fails on every span."""

    def on_end(self, span: ReadableSpan) -> None:
        raise OSError("disk full")


def test_a_failing_telemetry_never_breaks_the_app(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Under pytest the guard re-raises; the user's program runs outside pytest.
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    telemetry = Telemetry(processors=[BrokenProcessor()])
    recorder = AnthropicRecorder(telemetry)
    client = anthropic.Anthropic(
        api_key=API_KEY, http_client=recorder.http_client(httpx2.MockTransport(FakeMessagesAPI()))
    )

    output = weather_app(client)

    assert output["final"]["content"][0]["text"] == "It is sunny (2) in Paris."
    assert "the program goes on" in caplog.text


def test_a_trace_without_recorded_exchanges_is_refused() -> None:
    span = OtlpSpan(
        trace_id="1" * 32,
        span_id="2" * 16,
        parent_span_id=None,
        name="invoke_workflow x",
        kind="INTERNAL",
        start_ns=1,
        end_ns=2,
    )
    with pytest.raises(RecordingError, match="no recorded HTTP exchanges"):
        AnthropicReplayer.from_spans([span])


def test_an_exchange_saved_without_content_is_refused(recorded: Recorded) -> None:
    spans = [
        OtlpSpan(
            **{
                **_as_dict(s),
                "attributes": {
                    k: v for k, v in s.attributes.items() if k not in sc.CONTENT_ATTRIBUTES
                },
            }
        )
        for s in _exchange_spans(recorded)
    ]
    with pytest.raises(RecordingError, match="saved without content"):
        AnthropicReplayer.from_spans(spans)


# --- helpers ----------------------------------------------------------------------------------


def _store_spans(recorded: Recorded) -> list[OtlpSpan]:
    return TraceStore(recorded.store).trace_spans(recorded.trace_id)


def _exchange_spans(recorded: Recorded) -> list[OtlpSpan]:
    spans = [
        s
        for s in _store_spans(recorded)
        if s.scope_name == sc.TRACEKIT_HTTP_SCOPE and s.name.startswith("POST")
    ]
    return sorted(spans, key=lambda s: s.start_ns)


def _as_dict(span: OtlpSpan) -> dict[str, Any]:
    return {name: getattr(span, name) for name in span.__slots__}  # type: ignore[attr-defined]


def test_a_corrupt_exchange_is_refused_with_the_span_named(recorded: Recorded) -> None:
    first, *rest = _exchange_spans(recorded)
    attributes = {**first.attributes, sc.TRACEKIT_HTTP_RESPONSE_EVENTS: "[{not json"}
    broken = OtlpSpan(**{**_as_dict(first), "attributes": attributes})
    with pytest.raises(RecordingError, match=f"span {first.span_id} .*bad recording"):
        AnthropicReplayer.from_spans([broken, *rest])
