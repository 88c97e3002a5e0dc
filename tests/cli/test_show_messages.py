"""``tracekit show --messages`` prints each model call's conversation under its span, and
``show --json`` carries each model call's normalised messages: for tracekit's own traces and
for every foreign instrumentation's (fixtures/foreign/) alike."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.recording import REPO_ROOT, run_cli
from tracekit import semconv as sc
from tracekit.models.messages import ChatMessage, messages_json, system_instructions_json
from tracekit.store import TraceStore

FOREIGN = REPO_ROOT / "fixtures" / "foreign"
GOLDENS = Path(__file__).parent / "goldens"
FIXTURES = sorted(path.name.removesuffix(".otlp.jsonl") for path in FOREIGN.glob("*.otlp.jsonl"))
#: Set to rewrite the goldens after a deliberate change of the output.
REWRITE = os.environ.get("TRACEKIT_REWRITE_GOLDENS") == "1"


def _import(store: Path, name: str) -> str:
    result = run_cli("import", str(FOREIGN / f"{name}.otlp.jsonl"), "--store", str(store))
    assert result.returncode == 0, result.stderr
    return TraceStore(store).list_traces(limit=1)[0].trace_id


@pytest.mark.parametrize("name", FIXTURES)
def test_show_messages_prints_every_conversation(tmp_path: Path, name: str) -> None:
    store = tmp_path / "s.duckdb"
    trace_id = _import(store, name)

    shown = run_cli("show", trace_id, "--messages", "--store", str(store))

    assert shown.returncode == 0, shown.stderr
    golden = GOLDENS / f"show_messages_{name}.txt"
    if REWRITE:
        golden.write_text(shown.stdout)
    assert shown.stdout == golden.read_text()


@pytest.mark.parametrize("name", FIXTURES)
def test_show_json_carries_normalised_messages(tmp_path: Path, name: str) -> None:
    store = tmp_path / "s.duckdb"
    trace_id = _import(store, name)

    shown = run_cli("show", trace_id, "--json", "--store", str(store))

    assert shown.returncode == 0, shown.stderr
    spans = json.loads(shown.stdout)["spans"]
    with_messages = [span for span in spans if "messages" in span]
    llm_spans = [span for span in spans if span["operation"] in sc.LLM_OPERATIONS]
    assert len(with_messages) == len(llm_spans)
    for span in with_messages:
        for message in span["messages"]:
            assert message["role"] in {"system", "user", "assistant", "tool"}
            assert all(part["type"] for part in message["parts"])
    if with_messages:
        last = with_messages[-1]["messages"][-1]
        assert last["output"] is True and last["role"] == "assistant"


def test_show_messages_of_a_tracekit_trace(tmp_path: Path) -> None:
    """Our own spans print the same way, system instructions, tool calls and results included,
    and hostile text is inert."""
    from opentelemetry.sdk.trace import TracerProvider

    from tracekit.store import StoreSpanProcessor

    store = tmp_path / "s.duckdb"
    provider = TracerProvider()
    provider.add_span_processor(StoreSpanProcessor(store))
    tracer = provider.get_tracer("tracekit")
    with (
        tracer.start_as_current_span(
            "invoke_agent planner",
            attributes={
                sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT,
                sc.GEN_AI_AGENT_NAME: "planner",
            },
        ),
        tracer.start_as_current_span(
            "chat claude-haiku-4-5",
            attributes={
                sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
                sc.GEN_AI_REQUEST_MODEL: "claude-haiku-4-5",
                sc.GEN_AI_SYSTEM_INSTRUCTIONS: system_instructions_json("Plan the doc."),
                sc.GEN_AI_INPUT_MESSAGES: messages_json(
                    [ChatMessage.user("Outline \x1b[2Jotters[bold]")]
                ),
                sc.GEN_AI_OUTPUT_MESSAGES: messages_json(
                    [
                        ChatMessage.model_validate(
                            {
                                "role": "assistant",
                                "parts": [
                                    {
                                        "type": "tool_call",
                                        "id": "t1",
                                        "name": "search",
                                        "arguments": {"q": "otters"},
                                    }
                                ],
                                "finish_reason": "tool_use",
                            }
                        )
                    ],
                    output=True,
                ),
                sc.GEN_AI_USAGE_INPUT_TOKENS: 10,
                sc.GEN_AI_USAGE_OUTPUT_TOKENS: 5,
            },
        ),
    ):
        pass
    assert provider.force_flush()
    provider.shutdown()
    trace_id = TraceStore(store).list_traces(limit=1)[0].trace_id

    shown = run_cli("show", trace_id, "--messages", "--store", str(store))
    as_json = run_cli("show", trace_id, "--json", "--store", str(store))

    assert shown.returncode == 0, shown.stderr
    out = shown.stdout
    for expected in (
        "── system",
        "Plan the doc.",
        "── user",
        "Outline \\x1b[2Jotters[bold]",  # inert: the escape is shown, not obeyed
        "── assistant (output) · tool_use",
        '→ tool call search (t1) {"q": "otters"}',
    ):
        assert expected in out, out
    assert "\x1b[2J" not in out
    chat = next(s for s in json.loads(as_json.stdout)["spans"] if s["operation"] == "chat")
    assert [m["role"] for m in chat["messages"]] == ["system", "user", "assistant"]
    assert chat["messages"][2]["parts"][0] == {
        "type": "tool_call",
        "id": "t1",
        "name": "search",
        "arguments": {"q": "otters"},
    }


def test_show_messages_of_an_unknown_trace_is_one_line_on_stderr(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"
    _import(store, "anthropic_native")

    shown = run_cli("show", "ffffffff", "--messages", "--store", str(store))

    assert shown.returncode != 0
    assert shown.stdout == ""
    assert len(shown.stderr.strip().splitlines()) == 1, shown.stderr
