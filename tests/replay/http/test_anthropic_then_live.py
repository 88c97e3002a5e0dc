"""Forking an app on the Anthropic SDK: ``AnthropicReplayer(then_live=True)`` replays the
recorded prefix and sends the rest live.

The "live API" is a second fake Messages API behind an ``httpx2.MockTransport``: every request
that reaches it is one the recording did not answer. Sockets are refused throughout.
"""

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
from tracekit.exceptions import ConfigError, ReplayError
from tracekit.store import TraceStore
from tracekit.telemetry import Telemetry

MODEL = "claude-haiku-4-5"


def three_steps(client: anthropic.Anthropic, topic: str = "Paris") -> dict[str, Any]:
    """A plain question, a streamed one about ``topic``, and a closing plain question."""
    first = client.messages.create(
        model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "Weather today?"}]
    )
    with client.messages.stream(
        model=MODEL, max_tokens=64, messages=[{"role": "user", "content": f"Describe {topic}."}]
    ) as stream:
        deltas = list(stream.text_stream)
    last = client.messages.create(
        model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "Summarise."}]
    )
    return {
        "first": first.content[0].text,  # type: ignore[union-attr]
        "deltas": deltas,
        "last": last.content[0].text,  # type: ignore[union-attr]
    }


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: socket.socket, address: Any) -> None:
        raise AssertionError(f"the fork tried to connect to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.fixture
def recording(tmp_path: Path) -> tuple[Path, str, dict[str, Any]]:
    store = tmp_path / "store.duckdb"
    telemetry = Telemetry.recording_to(store)
    recorder = AnthropicRecorder(telemetry)
    client = anthropic.Anthropic(
        api_key=API_KEY, http_client=recorder.http_client(httpx2.MockTransport(FakeMessagesAPI()))
    )
    with recorder.session("three-steps") as session:
        output = three_steps(client)
    telemetry.shutdown()
    return store, session.trace_id, output


def forked(
    recording: tuple[Path, str, dict[str, Any]], live_api: FakeMessagesAPI, **options: Any
) -> tuple[AnthropicReplayer, anthropic.Anthropic]:
    store, trace_id, _ = recording
    replayer = AnthropicReplayer.from_store(
        store, trace_id, then_live=True, live=httpx2.MockTransport(live_api), **options
    )
    client = anthropic.Anthropic(api_key=API_KEY, http_client=replayer.http_client())
    return replayer, client


def test_an_unchanged_app_is_answered_wholly_from_the_recording(
    recording: tuple[Path, str, dict[str, Any]], no_network: None
) -> None:
    live_api = FakeMessagesAPI()
    replayer, client = forked(recording, live_api)

    assert three_steps(client) == recording[2]
    assert live_api.requests == []
    assert replayer.went_live is None
    assert replayer.live_requests == 0
    replayer.assert_all_played()


def test_the_first_differing_request_and_everything_after_go_live(
    recording: tuple[Path, str, dict[str, Any]], no_network: None
) -> None:
    live_api = FakeMessagesAPI()
    replayer, client = forked(recording, live_api)

    output = three_steps(client, topic="Rome")

    # the prefix came from the recording: the first answer is the recorded one
    assert output["first"] == recording[2]["first"] == "Answer 1 to: Weather today?"
    # the changed, streamed request went live and streamed the live answer (its 1st request)
    assert [r["messages"][0]["content"] for r in live_api.requests] == [
        "Describe Rome.",
        "Summarise.",  # identical to its recording, but after the fork: live
    ]
    assert live_api.requests[0]["stream"] is True
    assert output["deltas"] == ["It is ", "sunny ", "(1) ", "in ", "Paris."]
    assert output["last"] == "Answer 2 to: Summarise."
    switch = replayer.went_live
    assert switch is not None
    assert (switch.index, switch.reason) == (1, "differs")
    assert "Describe Rome." in switch.request
    assert "recorded 'Describe Paris.' | sent 'Describe Rome.'" in switch.detail
    assert switch.describe().startswith("went live at request 1 (it differs from the recording)")
    assert replayer.live_requests == 2
    assert replayer.played_count() == 1
    replayer.assert_all_played()  # what the fork replaced is unplayed on purpose


def test_fork_at_sends_that_request_and_the_rest_live_even_when_unchanged(
    recording: tuple[Path, str, dict[str, Any]], no_network: None
) -> None:
    live_api = FakeMessagesAPI()
    replayer, client = forked(recording, live_api, fork_at=2)

    output = three_steps(client)

    assert output["first"] == recording[2]["first"]
    assert output["deltas"] == recording[2]["deltas"]  # request 1: still the recording
    assert [r["messages"][0]["content"] for r in live_api.requests] == ["Summarise."]
    assert output["last"] == "Answer 1 to: Summarise."  # the live API's answer
    assert replayer.went_live is not None
    assert (replayer.went_live.index, replayer.went_live.reason) == (2, "fork_at")


def test_a_change_before_the_fork_index_goes_live_where_it_differs(
    recording: tuple[Path, str, dict[str, Any]], no_network: None
) -> None:
    live_api = FakeMessagesAPI()
    replayer, client = forked(recording, live_api, fork_at=2)

    three_steps(client, topic="Rome")

    assert replayer.went_live is not None
    assert (replayer.went_live.index, replayer.went_live.reason) == (1, "differs")
    assert len(live_api.requests) == 2


def test_fork_at_zero_runs_everything_live(
    recording: tuple[Path, str, dict[str, Any]], no_network: None
) -> None:
    live_api = FakeMessagesAPI()
    replayer, client = forked(recording, live_api, fork_at=0)

    three_steps(client)

    assert len(live_api.requests) == 3
    assert replayer.played_count() == 0


def test_the_live_part_can_be_recorded_as_a_new_trace(
    recording: tuple[Path, str, dict[str, Any]], tmp_path: Path, no_network: None
) -> None:
    fork_store = tmp_path / "fork.duckdb"
    telemetry = Telemetry.recording_to(fork_store)
    recorder = AnthropicRecorder(telemetry)
    live_api = FakeMessagesAPI()
    store, trace_id, _ = recording
    replayer = AnthropicReplayer.from_store(
        store,
        trace_id,
        then_live=True,
        live=recorder.transport(httpx2.MockTransport(live_api)),
    )
    client = anthropic.Anthropic(api_key=API_KEY, http_client=replayer.http_client())
    with recorder.session("three-steps-fork") as session:
        three_steps(client, topic="Rome")
    telemetry.shutdown()

    spans = TraceStore(fork_store).trace_spans(session.trace_id)
    exchanges = [s for s in spans if s.name == "POST /v1/messages"]
    assert len(exchanges) == 2  # only the live part: the prefix never left the replayer


def test_an_async_client_forks_the_same_way(
    recording: tuple[Path, str, dict[str, Any]], no_network: None
) -> None:
    store, trace_id, recorded = recording
    live_api = FakeMessagesAPI()
    replayer = AnthropicReplayer.from_store(
        store, trace_id, then_live=True, live=httpx2.MockTransport(live_api)
    )
    client = anthropic.AsyncAnthropic(api_key=API_KEY, http_client=replayer.async_http_client())

    async def app() -> tuple[str, list[str]]:
        first = await client.messages.create(
            model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "Weather today?"}]
        )
        async with client.messages.stream(
            model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "Describe Oslo."}]
        ) as stream:
            deltas = [text async for text in stream.text_stream]
        return first.content[0].text, deltas  # type: ignore[union-attr]

    first, deltas = asyncio.run(app())

    assert first == recorded["first"]
    assert deltas == ["It is ", "sunny ", "(1) ", "in ", "Paris."]
    assert [r["messages"][0]["content"] for r in live_api.requests] == ["Describe Oslo."]
    assert replayer.went_live is not None and replayer.went_live.index == 1


def test_a_replay_that_never_went_live_still_reports_leftovers(
    recording: tuple[Path, str, dict[str, Any]], no_network: None
) -> None:
    replayer, client = forked(recording, FakeMessagesAPI())
    client.messages.create(
        model=MODEL, max_tokens=64, messages=[{"role": "user", "content": "Weather today?"}]
    )
    with pytest.raises(ReplayError, match="2 problem"):
        replayer.assert_all_played()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"fork_at": 2}, "need then_live=True"),
        ({"live": httpx2.MockTransport(FakeMessagesAPI())}, "need then_live=True"),
        ({"then_live": True, "fork_at": -1}, "request number from 0"),
        ({"then_live": True, "live": "https://api.anthropic.com"}, "takes an httpx2 transport"),
    ],
)
def test_bad_fork_options_are_refused(
    recording: tuple[Path, str, dict[str, Any]], options: dict[str, Any], message: str
) -> None:
    store, trace_id, _ = recording
    with pytest.raises(ConfigError, match=message):
        AnthropicReplayer.from_store(store, trace_id, **options)
