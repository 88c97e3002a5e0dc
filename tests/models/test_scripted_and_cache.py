"""The offline model is deterministic per seed; the response cache answers repeated requests."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import NoOpTracerProvider
from pydantic import BaseModel

from tracekit import semconv as sc
from tracekit.models import (
    ChatMessage,
    ModelRequest,
    ModelRouter,
    ResponseCache,
    ScriptedModel,
    ToolSpec,
    llm_span,
)
from tracekit.orchestrator import Agent, Context, Workflow
from tracekit.testing import Captured


def request(text: str = "hello", tools: list[ToolSpec] | None = None) -> ModelRequest:
    return ModelRequest(
        model="claude-haiku-4-5", messages=[ChatMessage.user(text)], tools=tools or []
    )


SEARCH = ToolSpec(
    name="search",
    input_schema={"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
)


def test_same_seed_same_answer_and_seeds_differ() -> None:
    answers = {
        seed: [
            ScriptedModel(seed=seed).complete(request(f"task {i}", [SEARCH]), None).message
            for i in range(6)
        ]
        for seed in (1, 2)
    }
    again = [
        ScriptedModel(seed=1).complete(request(f"task {i}", [SEARCH]), None).message
        for i in range(6)
    ]
    assert answers[1] == again
    assert answers[1] != answers[2]


def test_tool_arguments_are_schema_valid() -> None:
    for seed in range(10):
        message = ScriptedModel(seed=seed).complete(request("x", [SEARCH]), None).message
        for call in message.tool_calls():
            assert call.name == "search" and isinstance(call.arguments["q"], str)


class Out(BaseModel):
    n: int


def test_cache_answers_a_repeated_request_without_calling_the_model(captured: Captured) -> None:
    calls: list[int] = []

    def counting(ctx):  # type: ignore[no-untyped-def]
        calls.append(1)
        return ctx.final(n=7)

    agent = Agent("cached", output=Out)
    flow = Workflow("cache", cache=ResponseCache())

    @flow.entrypoint
    def go(ctx: Context[None], text: str) -> Out:
        return ctx.call(agent, text)

    models = ModelRouter({}, default=ScriptedModel(script=counting))
    first = flow.run("same", telemetry=captured.telemetry, models=models)
    second = flow.run("same", telemetry=captured.telemetry, models=models)
    third = flow.run("different", telemetry=captured.telemetry, models=models)

    assert first.output == second.output == Out(n=7)
    assert len(calls) == 2  # "same" once, "different" once
    assert second.cost_usd == 0 and second.input_tokens == 0
    hits = [s for s in captured.named("chat ") if (s.attributes or {}).get(sc.TRACEKIT_CACHE_HIT)]
    assert len(hits) == 1
    assert hits[0].attributes[sc.TRACEKIT_COST_USD] == 0.0
    assert third.cost_usd > 0


def test_cache_persists_to_a_directory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    req = request("persist me")
    response = ScriptedModel().complete(req, None)
    ResponseCache(tmp_path).put(req, response)
    hit = ResponseCache(tmp_path).get(req)
    assert hit is not None and hit.cached and hit.message == response.message
    assert ResponseCache(tmp_path).get(request("other")) is None


def test_with_tracing_off_the_answer_is_the_same_and_no_span_content_is_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What a sampler drops or a no-op tracer never records, the model must not serialise
    # (the messages' JSON is most of a call): a call with tracing off must not reach it.
    traced = ScriptedModel(seed=4).complete(request("task", [SEARCH]), TracerProvider())

    def refuse(*args: object) -> str:
        raise AssertionError("span content built for a span that records nothing")

    monkeypatch.setattr(llm_span, "input_messages_json", refuse)
    monkeypatch.setattr(llm_span, "output_message_json", refuse)
    silent = ScriptedModel(seed=4).complete(request("task", [SEARCH]), NoOpTracerProvider())
    sampled_out = TracerProvider(sampler=ALWAYS_OFF)
    monkeypatch.setattr(llm_span, "request_attributes", lambda *a: {})
    dropped = ScriptedModel(seed=4).complete(request("task", [SEARCH]), sampled_out)
    assert silent.message == traced.message == dropped.message
    assert silent.usage == traced.usage


def test_a_recording_span_still_gets_every_request_and_response_attribute(
    captured: Captured,
) -> None:
    ScriptedModel(seed=4).complete(request("task", [SEARCH]), captured.telemetry.tracer_provider)
    (span,) = captured.spans
    attributes = span.attributes or {}
    for name in (
        sc.GEN_AI_INPUT_MESSAGES,
        sc.GEN_AI_TOOL_DEFINITIONS,
        sc.GEN_AI_OUTPUT_MESSAGES,
        sc.GEN_AI_USAGE_INPUT_TOKENS,
        sc.GEN_AI_RESPONSE_ID,
    ):
        assert name in attributes
    assert span.name == "chat claude-haiku-4-5"
