"""Traces from other instrumentations land in the same promoted columns as tracekit's own:
one fixture per shape in fixtures/otlp/, imported through the real file import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.recording import REPO_ROOT, run_cli
from tracekit import semconv as sc
from tracekit.ingest.file_import import import_trace_file
from tracekit.otlp import read_trace_file
from tracekit.store import SpanRecord, TraceStore

FIXTURES = REPO_ROOT / "fixtures" / "otlp"


def _spans(store: Path, fixture: str) -> list[SpanRecord]:
    import_trace_file(FIXTURES / fixture, store)
    trace_store = TraceStore(store)
    return [
        span
        for summary in trace_store.list_traces(limit=100)
        for span in trace_store.get_trace(summary.trace_id).spans
    ]


def _one(spans: list[SpanRecord], name: str) -> SpanRecord:
    matching = [span for span in spans if span.name == name]
    assert matching, f"no span named {name!r}"
    return matching[0]


def test_current_genai_semconv(tmp_path: Path) -> None:
    spans = _spans(tmp_path / "s.duckdb", "genai_current.jsonl")

    agent = _one(spans, "invoke_agent travel-planner")
    chat = _one(spans, "chat gpt-4.1-mini")
    tool = _one(spans, "execute_tool search_trains")
    assert (agent.operation, agent.agent, agent.provider) == (
        sc.OP_INVOKE_AGENT,
        "travel-planner",
        "openai",
    )
    chats = sorted(
        (s for s in spans if s.trace_id == chat.trace_id and s.operation == "chat"),
        key=lambda s: s.start_ns,
    )
    assert [(s.provider, s.model, s.input_tokens, s.output_tokens) for s in chats] == [
        ("openai", "gpt-4.1-mini-2025-04-14", 412, 38),  # the response model wins
        ("openai", "gpt-4.1-mini", 530, 96),
    ]
    assert (tool.operation, tool.tool) == (sc.OP_EXECUTE_TOOL, "search_trains")
    errors = [span for span in spans if span.status_code == "ERROR"]
    assert [(span.tool, span.error_type, span.status_message) for span in errors] == [
        ("search_trains", "TimeoutError", "timeout after 300 ms")
    ]


def test_older_genai_semconv_system_and_prompt_tokens(tmp_path: Path) -> None:
    spans = _spans(tmp_path / "s.duckdb", "genai_legacy.jsonl")

    chat = _one(spans, "chat gpt-4o")

    assert (chat.operation, chat.provider, chat.model) == ("chat", "openai", "gpt-4o-2024-08-06")
    assert (chat.input_tokens, chat.output_tokens) == (1210, 233)
    # The raw attributes stay as they came: only the columns are normalised.
    assert chat.attributes[sc.GEN_AI_SYSTEM] == "openai"
    assert sc.GEN_AI_PROVIDER_NAME not in chat.attributes
    assert [event.name for event in chat.events] == [
        "gen_ai.content.prompt",
        "gen_ai.content.completion",
    ]


def test_openinference_spans(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    spans = _spans(store, "openinference_langgraph.jsonl")

    agent = _one(spans, "math_agent")
    llm = [span for span in spans if span.name == "ChatAnthropic"]
    tool = _one(spans, "multiply")
    assert (agent.operation, agent.agent) == (sc.OP_INVOKE_AGENT, "math_agent")
    assert {(s.operation, s.model, s.provider) for s in llm} == {
        ("chat", "claude-sonnet-4-5-20250929", "anthropic")
    }
    assert sorted((s.input_tokens, s.output_tokens, s.cache_read_tokens) for s in llm) == [
        (1840, 61, 1200),
        (1930, 18, None),
    ]
    assert all(s.cost_usd and s.cost_usd > 0 for s in llm)  # priced from the model and tokens
    assert (tool.operation, tool.tool) == (sc.OP_EXECUTE_TOOL, "multiply")
    # input.value / output.value and flattened messages are content: in the side table.
    assert sc.INPUT_VALUE not in tool.attributes and tool.has_content
    content = TraceStore(store).get_span_content(tool.trace_id, tool.span_id)
    assert content == {sc.INPUT_VALUE: json.dumps({"a": 17, "b": 23}), sc.OUTPUT_VALUE: "391"}
    first_llm = min(llm, key=lambda s: s.start_ns)
    assert not any(key.startswith(sc.LLM_INPUT_MESSAGES_PREFIX) for key in first_llm.attributes)


def test_openllmetry_anthropic_chat(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    spans = _spans(store, "openllmetry_anthropic.jsonl")

    chat = _one(spans, sc.OPENLLMETRY_ANTHROPIC_CHAT_SPAN)
    workflow = _one(spans, "joke_generation.workflow")
    assert (chat.operation, chat.provider, chat.model) == (
        "chat",
        "anthropic",  # OpenLLMetry writes "Anthropic"
        "claude-haiku-4-5-20251001",
    )
    assert (chat.input_tokens, chat.output_tokens, chat.cache_read_tokens) == (2043, 47, 2000)
    assert chat.attributes[sc.GEN_AI_SYSTEM] == "Anthropic"
    assert (workflow.operation, workflow.workflow) == (sc.OP_INVOKE_WORKFLOW, "joke_generation")
    content = TraceStore(store).get_span_content(chat.trace_id, chat.span_id)
    assert content["gen_ai.prompt.1.content"] == "Tell me a joke about otters"
    assert TraceStore(store).list_traces()[0].workflow == "joke_generation"


def test_anthropic_sdk_spans_with_cache_write(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    spans = _spans(store, "anthropic_sdk.jsonl")

    assert sorted((s.cache_read_tokens, s.cache_creation_tokens) for s in spans) == [
        (0, 1850),
        (1850, 0),
    ]
    assert {(s.operation, s.provider, s.scope_name) for s in spans} == {
        ("chat", "anthropic", "anthropic")
    }
    assert all(s.cost_usd for s in spans)
    # The fixture's user message holds an API key: the store never keeps it.
    content = TraceStore(store).get_span_content(spans[0].trace_id, spans[0].span_id)
    assert "sk-ant-api03" not in content[sc.GEN_AI_INPUT_MESSAGES]
    assert "[REDACTED]" in content[sc.GEN_AI_INPUT_MESSAGES]


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("*.jsonl")))
def test_every_fixture_is_valid_otlp_json_lines(fixture: str) -> None:
    spans = read_trace_file(FIXTURES / fixture)

    assert spans and all(len(span.trace_id) == 32 for span in spans)


def test_foreign_traces_show_in_the_cli(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    for fixture in ("openinference_langgraph.jsonl", "openllmetry_anthropic.jsonl"):
        assert run_cli("import", str(FIXTURES / fixture), "--store", str(store)).returncode == 0

    stats = run_cli("stats", "--by", "model", "--json", "--store", str(store))
    traces = run_cli("traces", "--json", "--store", str(store))

    assert stats.returncode == 0, stats.stderr
    by_model = {row["key"]: row for row in json.loads(stats.stdout)}
    assert by_model["claude-sonnet-4-5-20250929"]["count"] == 2
    assert by_model["claude-sonnet-4-5-20250929"]["input_tokens"] == 1840 + 1930
    assert by_model["claude-haiku-4-5-20251001"]["output_tokens"] == 47
    workflows = {row["workflow"]: row for row in json.loads(traces.stdout)}
    assert workflows["joke_generation"]["steps"] == 1
    assert workflows["LangGraph"]["steps"] == 3  # two LLM calls and a tool call
