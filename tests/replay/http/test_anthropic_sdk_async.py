"""The async SDK client: recorded and replayed the same way, concurrent calls included."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest

from replay.http import AnthropicRecorder, AnthropicReplayer
from tests.replay.http.fake_anthropic import API_KEY, FakeMessagesAPI
from tracekit.exceptions import UnmatchedCallError
from tracekit.otlp.files import write_trace_file
from tracekit.store import TraceStore
from tracekit.telemetry import Telemetry

MODEL = "claude-haiku-4-5"
CITIES = ["Paris", "Oslo", "Lima", "Kyiv"]


async def forecast(client: anthropic.AsyncAnthropic, city: str) -> dict[str, Any]:
    reply = await client.messages.create(
        model=MODEL, max_tokens=128, messages=[{"role": "user", "content": f"Weather in {city}?"}]
    )
    async with client.messages.stream(
        model=MODEL, max_tokens=128, messages=[{"role": "user", "content": f"Describe {city}."}]
    ) as stream:
        deltas = [text async for text in stream.text_stream]
        final = await stream.get_final_message()
    return {
        "reply": reply.content[0].text,  # type: ignore[union-attr]
        "deltas": deltas,
        "final": final.model_dump(mode="json"),
    }


async def fan_out(client: anthropic.AsyncAnthropic) -> list[dict[str, Any]]:
    """Four forecasts at once: requests interleave differently on every run."""
    return list(await asyncio.gather(*(forecast(client, city) for city in CITIES)))


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: socket.socket, address: Any) -> None:
        raise AssertionError(f"replay tried to connect to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Path, str, list[dict[str, Any]]]:
    store = tmp_path / "store.duckdb"
    telemetry = Telemetry.recording_to(store)
    recorder = AnthropicRecorder(telemetry)
    client = anthropic.AsyncAnthropic(
        api_key=API_KEY,
        http_client=recorder.async_http_client(httpx2.MockTransport(FakeMessagesAPI())),
        open_telemetry={"tracer_provider": telemetry.tracer_provider},
    )
    with recorder.session("forecasts") as session:
        output = asyncio.run(fan_out(client))
    telemetry.shutdown()
    return store, session.trace_id, output


def replayed(replayer: AnthropicReplayer) -> list[dict[str, Any]]:
    client = anthropic.AsyncAnthropic(api_key="sk-test", http_client=replayer.async_http_client())
    return asyncio.run(fan_out(client))


def test_concurrent_async_calls_replay_from_the_store(
    recorded: tuple[Path, str, list[dict[str, Any]]], no_network: None
) -> None:
    store, trace_id, output = recorded
    assert [o["reply"].split(" to: ")[1] for o in output] == [f"Weather in {c}?" for c in CITIES]

    replayer = AnthropicReplayer.from_store(store, trace_id)
    assert replayed(replayer) == output
    assert replayer.played_count() == 8
    replayer.assert_all_played()


def test_async_replay_from_a_trace_file(
    recorded: tuple[Path, str, list[dict[str, Any]]], tmp_path: Path, no_network: None
) -> None:
    store, trace_id, output = recorded
    path = tmp_path / "forecasts.jsonl"
    write_trace_file(path, TraceStore(store).trace_spans(trace_id))
    assert API_KEY.encode() not in path.read_bytes()

    replayer = AnthropicReplayer.from_file(path)
    assert replayed(replayer) == output
    replayer.assert_all_played()


def test_an_unmatched_async_request_fails_loudly(
    recorded: tuple[Path, str, list[dict[str, Any]]], no_network: None
) -> None:
    store, trace_id, _ = recorded
    replayer = AnthropicReplayer.from_store(store, trace_id)
    client = anthropic.AsyncAnthropic(api_key="sk-test", http_client=replayer.async_http_client())

    with pytest.raises(UnmatchedCallError) as caught:
        asyncio.run(forecast(client, "Quito"))

    assert "sent 'Weather in Quito?'" in str(caught.value)
    assert len(replayer.unmatched) == 1
    assert len(replayer.unplayed()) == 8
