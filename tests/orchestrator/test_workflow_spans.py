"""A workflow run is recorded as GenAI semconv spans: names, kinds, nesting, attributes, content."""

from __future__ import annotations

import pytest
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import BaseModel, Field

from tracekit import semconv as sc
from tracekit.exceptions import ConfigError, OutputValidationError
from tracekit.models import ModelRouter, ScriptContext, ScriptedModel, Turn
from tracekit.models.scripted import by_agent
from tracekit.orchestrator import Agent, Context, Workflow
from tracekit.testing import Captured, json_attr


class Topic(BaseModel):
    name: str


class Plan(BaseModel):
    steps: list[str] = Field(min_length=1)


class Notes(BaseModel):
    text: str
    words: int = Field(ge=0)


class ProjectState(BaseModel):
    planned: int = 0


def count_words(text: str) -> int:
    """Count words."""
    return len(text.split())


planner = Agent("planner", instructions="Plan it.", output=Plan)
noter = Agent("noter", model="claude-sonnet-4-5", tools=[count_words], output=Notes)

wf = Workflow("notes", state=ProjectState)


@wf.entrypoint
def make_notes(ctx: Context[ProjectState], topic: Topic) -> list[Notes]:
    plan: Plan = ctx.call(planner, topic)
    ctx.state.planned = len(plan.steps)
    return ctx.map(noter, [Topic(name=s) for s in plan.steps], max_concurrency=2)


def plan_three(ctx: ScriptContext) -> Turn:
    return ctx.final(steps=["a", "b", "c"])


def note_with_tool(ctx: ScriptContext) -> Turn:
    if ctx.turn == 0:
        return Turn(tool_calls=(("count_words", {"text": "one two three"}),))
    return ctx.final(text=ctx.prompt, words=ctx.tool_results[0])


def router(seed: int = 0, latency_s: float = 0.0) -> ModelRouter:
    script = by_agent({"planner": plan_three, "noter": note_with_tool})
    model = ScriptedModel(seed=seed, script=script, latency_s=(latency_s, latency_s))
    return ModelRouter({}, default=model)


def test_run_returns_typed_output_and_totals(captured: Captured) -> None:
    result = wf.run({"name": "otel"}, telemetry=captured.telemetry, models=router())

    assert result.status == "ok"
    assert [n.words for n in result.output] == [3, 3, 3]
    # 1 planner call + 3 × (model, tool, model)
    assert result.steps == 10
    assert result.cost_usd > 0
    assert result.trace_id == format(captured.one("invoke_workflow notes").context.trace_id, "032x")


def test_span_names_kinds_and_nesting(captured: Captured) -> None:
    wf.run({"name": "otel"}, telemetry=captured.telemetry, models=router())

    root = captured.one("invoke_workflow notes")
    assert root.kind is SpanKind.INTERNAL and root.parent is None
    agents = captured.named("invoke_agent ")
    assert sorted(s.name for s in agents) == ["invoke_agent noter"] * 3 + ["invoke_agent planner"]
    assert all(a.parent is not None and a.parent.span_id == root.context.span_id for a in agents)
    chats = captured.named("chat ")
    assert {s.name for s in chats} == {"chat claude-haiku-4-5", "chat claude-sonnet-4-5"}
    assert all(s.kind is SpanKind.CLIENT for s in chats)
    agent_ids = {a.context.span_id for a in agents}
    assert all(s.parent is not None and s.parent.span_id in agent_ids for s in chats)
    tools = captured.named("execute_tool count_words")
    assert len(tools) == 3 and all(t.kind is SpanKind.INTERNAL for t in tools)
    assert len({s.context.trace_id for s in captured.spans}) == 1


def test_genai_attributes_follow_semconv(captured: Captured) -> None:
    wf.run({"name": "otel"}, telemetry=captured.telemetry, models=router())

    root = captured.one("invoke_workflow notes")
    assert root.attributes[sc.GEN_AI_OPERATION_NAME] == "invoke_workflow"
    assert root.attributes[sc.GEN_AI_WORKFLOW_NAME] == "notes"
    assert root.attributes[sc.GEN_AI_CONVERSATION_ID]
    assert root.attributes[sc.OPENINFERENCE_SPAN_KIND] == "CHAIN"
    assert root.attributes[sc.TRACEKIT_WORKFLOW_ENTRYPOINT].endswith(":make_notes")
    assert json_attr(root, sc.TRACEKIT_STATE_CHANGES) == {"planned": [0, 3]}

    plan = captured.one("invoke_agent planner")
    assert plan.attributes[sc.GEN_AI_AGENT_NAME] == "planner"
    assert plan.attributes[sc.GEN_AI_AGENT_ID].startswith("agent_")
    assert plan.attributes[sc.TRACEKIT_HANDOFF_FROM] == "notes"
    assert plan.attributes[sc.TRACEKIT_HANDOFF_TO] == "planner"
    assert json_attr(plan, sc.TRACEKIT_AGENT_INPUT) == {"name": "otel"}
    assert json_attr(plan, sc.TRACEKIT_AGENT_OUTPUT) == {"steps": ["a", "b", "c"]}
    assert plan.attributes[sc.OPENINFERENCE_SPAN_KIND] == "AGENT"

    chat = next(s for s in captured.named("chat claude-sonnet-4-5"))
    attrs = chat.attributes
    assert attrs[sc.GEN_AI_OPERATION_NAME] == "chat"
    assert attrs[sc.GEN_AI_PROVIDER_NAME] == "tracekit.scripted"
    assert attrs[sc.GEN_AI_REQUEST_MODEL] == "claude-sonnet-4-5"
    assert attrs[sc.GEN_AI_RESPONSE_MODEL] == "claude-sonnet-4-5"
    assert attrs[sc.GEN_AI_RESPONSE_ID].startswith("msg_")
    assert attrs[sc.GEN_AI_RESPONSE_FINISH_REASONS] in (("tool_use",), ("end_turn",))
    assert attrs[sc.GEN_AI_REQUEST_MAX_TOKENS] == 1024
    assert attrs[sc.OPENINFERENCE_SPAN_KIND] == "LLM"
    assert attrs[sc.TRACEKIT_AGENT_PATH] == "noter"
    assert attrs[sc.TRACEKIT_COST_USD] > 0

    messages = json_attr(chat, sc.GEN_AI_INPUT_MESSAGES)
    assert messages[0]["role"] == "user"
    assert messages[0]["parts"][0]["type"] == "text"
    output = json_attr(chat, sc.GEN_AI_OUTPUT_MESSAGES)
    assert output[0]["role"] == "assistant" and output[0]["finish_reason"]
    assert json_attr(chat, sc.GEN_AI_SYSTEM_INSTRUCTIONS)[0]["type"] == "text"

    tool = captured.named("execute_tool count_words")[0]
    assert tool.attributes[sc.GEN_AI_TOOL_NAME] == "count_words"
    assert tool.attributes[sc.GEN_AI_TOOL_CALL_ID].startswith("toolu_")
    assert json_attr(tool, sc.GEN_AI_TOOL_CALL_ARGUMENTS) == {"text": "one two three"}
    assert json_attr(tool, sc.GEN_AI_TOOL_CALL_RESULT) == 3
    assert tool.attributes[sc.OPENINFERENCE_SPAN_KIND] == "TOOL"


def test_tool_result_goes_back_to_the_model_as_semconv_tool_message(captured: Captured) -> None:
    wf.run({"name": "otel"}, telemetry=captured.telemetry, models=router())

    second_turns = [
        s
        for s in captured.named("chat claude-sonnet-4-5")
        if len(json_attr(s, sc.GEN_AI_INPUT_MESSAGES)) == 3
    ]
    assert len(second_turns) == 3
    _user, assistant, tool = json_attr(second_turns[0], sc.GEN_AI_INPUT_MESSAGES)
    call = assistant["parts"][0]
    assert call["type"] == "tool_call" and call["name"] == "count_words"
    assert tool["role"] == "tool"
    assert tool["parts"] == [{"type": "tool_call_response", "id": call["id"], "response": 3}]


def test_input_tokens_include_cache_tokens_and_cost_uses_price_table(captured: Captured) -> None:
    wf.run({"name": "otel"}, telemetry=captured.telemetry, models=router())

    cached = [
        s
        for s in captured.named("chat ")
        if s.attributes[sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] > 0
    ]
    assert cached, "the scripted model reads the system prompt from cache after the first turn"
    span = cached[0]
    inp = span.attributes[sc.GEN_AI_USAGE_INPUT_TOKENS]
    read = span.attributes[sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]
    out = span.attributes[sc.GEN_AI_USAGE_OUTPUT_TOKENS]
    assert inp > read
    # claude-sonnet-4-5: $3/M input, $0.30/M cache read, $15/M output
    expected = ((inp - read) * 3.0 + read * 0.3 + out * 15.0) / 1e6
    assert span.attributes[sc.TRACEKIT_COST_USD] == pytest.approx(expected)


def test_parallel_fan_out_keeps_order_and_runs_concurrently(captured: Captured) -> None:
    result = wf.run({"name": "otel"}, telemetry=captured.telemetry, models=router(latency_s=0.02))

    assert [n.text for n in result.output] == ['{"name":"a"}', '{"name":"b"}', '{"name":"c"}']
    noters = sorted(captured.named("invoke_agent noter"), key=lambda s: s.start_time or 0)
    assert sorted(s.attributes[sc.TRACEKIT_AGENT_SEQUENCE] for s in noters) == [0, 1, 2]
    # With max_concurrency=2, the second call starts before the first ends.
    first, second = noters[0], noters[1]
    assert second.start_time is not None and first.end_time is not None
    assert second.start_time < first.end_time


def test_invalid_output_fails_the_step_with_the_validation_error_on_the_span(
    captured: Captured,
) -> None:
    bad = Agent("bad", output=Notes)
    flow = Workflow("validation")

    @flow.entrypoint
    def go(ctx: Context[None], text: str) -> Notes:
        return ctx.call(bad, text)

    def negative_words(ctx: ScriptContext) -> Turn:
        return Turn(tool_calls=(("final_result", {"text": "x", "words": -1}),))

    models = ModelRouter({}, default=ScriptedModel(script=negative_words))
    with pytest.raises(OutputValidationError, match="words: Input should be greater"):
        flow.run("hello", telemetry=captured.telemetry, models=models)

    span = captured.one("invoke_agent bad")
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes[sc.ERROR_TYPE] == "tracekit.exceptions.OutputValidationError"
    assert "words" in (span.status.description or "")
    root = captured.one("invoke_workflow validation")
    assert root.status.status_code is StatusCode.ERROR
    assert root.attributes[sc.TRACEKIT_WORKFLOW_STATUS] == "error"


def test_invalid_workflow_input_is_rejected_before_anything_runs(captured: Captured) -> None:
    from tracekit.exceptions import ConfigError

    with pytest.raises(ConfigError, match="invalid input"):
        wf.run({"nom": "typo"}, telemetry=captured.telemetry, models=router())
    assert captured.spans == []


def test_genai_metrics_use_semconv_buckets(captured: Captured) -> None:
    wf.run({"name": "otel"}, telemetry=captured.telemetry, models=router())

    tokens = captured.metric_points(sc.METRIC_TOKEN_USAGE)
    assert {p.attributes[sc.GEN_AI_TOKEN_TYPE] for p in tokens} == {"input", "output"}
    assert tuple(tokens[0].explicit_bounds) == sc.TOKEN_USAGE_BUCKETS
    assert sum(p.count for p in tokens if p.attributes[sc.GEN_AI_TOKEN_TYPE] == "input") == 7
    durations = captured.metric_points(sc.METRIC_OPERATION_DURATION)
    assert tuple(durations[0].explicit_bounds) == sc.OPERATION_DURATION_BUCKETS
    assert {p.attributes[sc.GEN_AI_REQUEST_MODEL] for p in durations} == {
        "claude-haiku-4-5",
        "claude-sonnet-4-5",
    }


def test_same_seed_same_run_different_seed_different_run(captured: Captured) -> None:
    from tracekit.examples import DemoRuntime, doc_pipeline

    runtime = DemoRuntime(captured.telemetry, latency_s=(0.0, 0.0))
    first = [(o.steps, round(o.cost_usd, 9)) for o in doc_pipeline.demo(runtime, 4)]
    again = [(o.steps, round(o.cost_usd, 9)) for o in doc_pipeline.demo(runtime, 4)]
    assert first == again
    assert len(set(first)) > 1


def test_no_models_and_no_api_key_is_one_clear_error_before_anything_runs(
    captured: Captured, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    helper = Agent("helper", model="claude-haiku-4-5")
    wf = Workflow("needs-claude")

    @wf.entrypoint
    def run(ctx: Context[None], text: str) -> str:
        return str(ctx.call(helper, text))

    with pytest.raises(ConfigError) as raised:
        wf.run("hi", telemetry=captured.telemetry)
    message = str(raised.value)
    assert "ANTHROPIC_API_KEY" in message and "models=" in message and "\n" not in message
    assert captured.spans == []
