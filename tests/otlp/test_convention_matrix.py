"""Every instrumentation's recorded fixture (fixtures/foreign/, made by running the real
instrumentation offline: see fixtures/foreign/record.py) reads into tracekit's model: agents,
models, tokens, cost, tool calls, handoffs and the conversation."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.recording import REPO_ROOT
from tracekit.otlp import read_trace_file
from tracekit.otlp.conventions import NormalisedSpan, normalise_otlp

FOREIGN = REPO_ROOT / "fixtures" / "foreign"


@dataclass
class Expected:
    """What a user should see of one fixture."""

    agents: list[str]
    models: list[str]
    tokens: list[tuple[int | None, int | None]]
    tools: list[str] = field(default_factory=list)
    handoffs: list[tuple[str | None, str | None]] = field(default_factory=list)
    #: Of the last model call: each message's role (``>`` marks output).
    last_roles: list[str] = field(default_factory=list)
    #: Tool calls the model asked for, over every model call's output.
    asked: list[str] = field(default_factory=list)


EXPECTED = {
    "openinference_anthropic": Expected(
        agents=[],
        models=["claude-haiku-4-5-20251001"] * 2,
        tokens=[(356, 41), (412, 18)],
        last_roles=["system", "user", "assistant", "tool", ">assistant"],
        asked=["get_weather"],
    ),
    "openllmetry_anthropic": Expected(
        agents=[],
        models=["claude-haiku-4-5-20251001"] * 2,
        tokens=[(356, 41), (412, 18)],
        last_roles=["system", "user", "assistant", "tool", ">assistant"],
        asked=["get_weather"],
    ),
    "anthropic_native": Expected(
        agents=[],
        models=["claude-haiku-4-5-20251001"] * 2,
        tokens=[(356, 41), (412, 18)],
        last_roles=["system", "user", "assistant", "tool", ">assistant"],
        asked=["get_weather"],
    ),
    "openinference_langgraph": Expected(
        agents=["weather_agent", "agent", "agent"],
        models=["claude-haiku-4-5"] * 2,
        tokens=[(120, 22), (170, 15)],
        tools=["get_weather"],
        last_roles=["system", "user", "assistant", "tool", ">assistant"],
        asked=["get_weather"],
    ),
    "openinference_openai_agents": Expected(
        agents=["triage_agent", "weather_agent"],
        models=["gpt-4.1-mini", "gpt-4.1-mini-2025-04-14", "gpt-4.1-mini-2025-04-14"],
        tokens=[(63, 27), (88, 19), (131, 9)],
        tools=["get_weather"],
        handoffs=[("triage_agent", "weather_agent")],
        last_roles=["user", "assistant", "tool", "assistant", "tool", ">assistant"],
        asked=["transfer_to_weather_agent", "get_weather"],
    ),
    "openllmetry_openai_agents": Expected(
        agents=["triage_agent", "weather_agent"],
        # The Chat Completions call (the triage agent's) is recorded without its answer or
        # usage by opentelemetry-instrumentation-openai-agents 0.62.4: unknown, not 0.
        models=["gpt-4.1-mini", "gpt-4.1-mini-2025-04-14", "gpt-4.1-mini-2025-04-14"],
        tokens=[(None, None), (88, 19), (131, 9)],
        tools=["get_weather"],
        # It names the handoff span before the SDK knows the target ("→ unknown").
        handoffs=[("triage_agent", None)],
        last_roles=["user", "assistant", "tool", "assistant", "tool", ">assistant"],
        asked=["get_weather"],
    ),
    "openinference_crewai": Expected(
        # openinference-instrumentation-crewai traces the crew and the agent's task; the
        # LLM and tool calls are left to the model SDK's instrumentation.
        agents=["weather researcher"],
        models=[],
        tokens=[],
    ),
}


def _spans(name: str) -> list[NormalisedSpan]:
    spans = read_trace_file(FOREIGN / f"{name}.otlp.jsonl")
    return [normalise_otlp(span) for span in sorted(spans, key=lambda s: s.start_ns)]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_reads_into_tracekit_model(name: str) -> None:
    expected = EXPECTED[name]
    spans = _spans(name)
    llm = [span for span in spans if span.is_llm]

    assert [span.agent for span in spans if span.role == "agent"] == expected.agents
    assert [span.model for span in llm] == expected.models
    assert [(span.input_tokens, span.output_tokens) for span in llm] == expected.tokens
    # No instrumentation here records a price: the cost is unknown, never 0.
    assert all(span.cost_usd is None for span in spans)
    tools = [span.tool.name for span in spans if span.role == "tool" and span.tool]
    assert tools == expected.tools
    handoffs = [(span.handoff.from_agent, span.handoff.to_agent) for span in spans if span.handoff]
    assert handoffs == expected.handoffs
    if expected.last_roles:
        last = llm[-1].messages
        assert [(">" if m.output else "") + m.role for m in last] == expected.last_roles
    asked = [
        part.name
        for span in llm
        for message in span.messages
        if message.output
        for part in message.parts
        if part.type == "tool_call"
    ]
    assert asked == expected.asked


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_tool_results_reach_the_model_as_tool_messages(name: str) -> None:
    """A tool's result, however the instrumentation spelt it (Anthropic tool_result blocks,
    OpenAI tool messages, OpenInference tool_call_id), is a tool message answering the call."""
    llm = [span for span in _spans(name) if span.is_llm]
    results = [
        part
        for span in llm[-1:]
        for message in span.messages
        if message.role == "tool"
        for part in message.parts
    ]
    weather = [part for part in results if part.id in ("toolu_01", "call_1", "call_w1")]
    if EXPECTED[name].asked and "get_weather" in EXPECTED[name].asked:
        assert weather, results
        assert all(part.type == "tool_call_response" for part in weather)
        assert weather[0].response["forecast"] == "sunny"


def test_workflow_root_is_not_an_agent() -> None:
    """OpenInference's OpenAI Agents root span is kind AGENT but names the run."""
    root = _spans("openinference_openai_agents")[0]
    assert (root.role, root.agent) == ("workflow", None)


def test_older_semconv_content_events() -> None:
    """The older GenAI semconv keeps content in span events: they are the conversation."""
    spans = read_trace_file(REPO_ROOT / "fixtures" / "otlp" / "genai_legacy.jsonl")
    chat = next(normalise_otlp(span) for span in spans if span.name == "chat gpt-4o")
    assert [(m.role, m.output, m.text()) for m in chat.messages] == [
        ("user", False, "Summarise ticket 4411"),
        ("assistant", True, "Customer wants a refund."),
    ]
    assert (chat.provider, chat.input_tokens, chat.output_tokens) == ("openai", 1210, 233)
