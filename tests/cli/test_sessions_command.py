"""Sessions as a user gets them: real workflow runs with ``session_id=`` (sync and async)
and runs of another framework sharing a ``gen_ai.conversation.id``, then ``tracekit
sessions`` and ``tracekit traces --filter session=…`` on the store."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from opentelemetry import trace

from tests.recording import MS, new_recorder, run_cli
from tracekit import semconv as sc
from tracekit.models import ModelRouter, ScriptedModel
from tracekit.orchestrator import Agent, Context, Workflow
from tracekit.store import TraceStore
from tracekit.telemetry import Telemetry

helper = Agent("helper", instructions="Help.")
chat = Workflow("chat")


@chat.entrypoint
def answer(ctx: Context[None], text: str) -> str:
    return str(ctx.call(helper, text))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("sessions") / "sessions.duckdb"
    telemetry = Telemetry.recording_to(path)
    models = ModelRouter({}, default=ScriptedModel())
    try:
        for text in ("hello", "my order is late", "refund it"):
            chat.run(text, telemetry=telemetry, models=models, session_id="alice-1")
        asyncio.run(chat.arun("hi", telemetry=telemetry, models=models, session_id="bob-7"))
        chat.run("no session given", telemetry=telemetry, models=models)
        telemetry.flush()
    finally:
        telemetry.shutdown()
    # Another framework's runs: spans that share a gen_ai.conversation.id, no session.id.
    recorder = new_recorder(path)
    for index in range(2):
        start = (index + 1) * 1000 * MS
        root = recorder.tracer.start_span(
            "agent run",
            start_time=start,
            attributes={sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT, sc.GEN_AI_AGENT_NAME: "bot"}
            | {sc.GEN_AI_CONVERSATION_ID: "thread-42"},
        )
        with trace.use_span(root, end_on_exit=False):
            call = recorder.tracer.start_span(
                "chat house-model",
                start_time=start + MS,
                attributes={
                    sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
                    sc.GEN_AI_REQUEST_MODEL: "house-model",
                    sc.GEN_AI_USAGE_INPUT_TOKENS: 10,
                    sc.GEN_AI_USAGE_OUTPUT_TOKENS: 5,
                },
            )
            call.end(end_time=start + 5 * MS)
        root.end(end_time=start + 6 * MS)
    recorder.flush()
    recorder.provider.shutdown()
    return str(path)


def _sessions(store: str, *args: str) -> list[dict[str, object]]:
    result = run_cli("sessions", "--store", store, "--json", *args)
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_runs_with_one_session_id_are_one_session(store: str) -> None:
    by_id = {row["session_id"]: row for row in _sessions(store)}

    alice = by_id["alice-1"]
    assert alice["runs"] == 3 and alice["turns"] == 3
    assert alice["workflows"] == ["chat"]
    assert isinstance(alice["input_tokens"], int) and alice["input_tokens"] > 0
    assert alice["cost_usd"] is not None and alice["cost_usd"] > 0
    assert alice["duration_ns"] > 0 and alice["errors"] == 0
    assert by_id["bob-7"]["runs"] == 1
    # A run given no session is a session of its own (its fresh conversation id).
    singles = [row for row in by_id.values() if row["workflows"] == ["chat"] and row["runs"] == 1]
    assert len(singles) == 2


def test_runs_sharing_a_conversation_id_are_one_session_of_unknown_cost(store: str) -> None:
    [thread] = [row for row in _sessions(store) if row["session_id"] == "thread-42"]

    assert thread["runs"] == 2 and thread["turns"] == 2
    assert thread["input_tokens"] == 20 and thread["output_tokens"] == 10
    assert thread["cost_usd"] is None and thread["unpriced_count"] == 2
    assert thread["duration_ns"] == 1006 * MS


def test_the_session_is_recorded_as_semconv_attributes(store: str) -> None:
    traces = TraceStore(store)
    page = traces.page_traces("session=alice-1")
    assert page.total == 3
    root = traces.get_trace(page.traces[0].trace_id).spans[0]
    assert root.attributes[sc.SESSION_ID] == "alice-1"
    assert root.attributes[sc.GEN_AI_CONVERSATION_ID] == "alice-1"


def test_the_table_shows_runs_turns_tokens_cost_and_duration(store: str) -> None:
    result = run_cli("sessions", "--store", store, "--limit", "3")

    assert result.returncode == 0 and result.stderr == ""
    header, *lines = result.stdout.splitlines()
    for column in ("session", "runs", "turns", "tokens in/out", "cost", "duration", "last"):
        assert column in header
    assert len([line for line in lines if line.strip()]) == 4  # three sessions and a note
    assert "3 of 4 sessions" in lines[-1]
    unpriced = run_cli("sessions", "--store", store, "--filter", "session=thread-42")
    assert "—" in unpriced.stdout.splitlines()[1]


def test_traces_lists_one_sessions_runs(store: str) -> None:
    result = run_cli("traces", "--store", store, "--filter", "session=alice-1", "--json")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 3


def test_filter_narrows_the_sessions(store: str) -> None:
    rows = _sessions(store, "--filter", "text:refund")
    assert [row["session_id"] for row in rows] == ["alice-1"]
    assert rows[0]["runs"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [(("--filter", "colour:red"), "unknown field"), (("--limit", "0"), "at least 1")],
)
def test_bad_input_is_one_line_and_exit_two(
    store: str, args: tuple[str, ...], message: str
) -> None:
    result = run_cli("sessions", "--store", store, *args)
    assert result.returncode == 2 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_empty_store_has_no_sessions(tmp_path: Path) -> None:
    recorder = new_recorder(tmp_path / "one.duckdb")
    recorder.provider.shutdown()
    result = run_cli("sessions", "--store", str(tmp_path / "none.duckdb"))
    assert result.returncode == 3
