"""``ctx.stream``: deltas as the model produces them, the validated output last, guardrails
mid-stream, one LLM span with the deltas, and sync and async twins recording the same tree."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from opentelemetry.semconv.attributes.exception_attributes import EXCEPTION_STACKTRACE
from opentelemetry.trace import StatusCode
from pydantic import BaseModel

from tests.orchestrator import check_flows as flows
from tracekit import semconv as sc
from tracekit.models import ModelRouter, ScriptContext, ScriptedModel, TextDelta, Turn
from tracekit.models.scripted import by_agent
from tracekit.models.streaming import parse_deltas
from tracekit.orchestrator import (
    Agent,
    Context,
    FinalOutput,
    Limits,
    ToolCallEvent,
    Workflow,
)
from tracekit.pricing import ModelPrice, PriceTable
from tracekit.testing import Captured, capture_telemetry, span_tree

STORY = "Once upon a time a trace was recorded, and later it was replayed word for word."


class Weather(BaseModel):
    city: str
    celsius: float


def forecast(city: str) -> float:
    """Temperature in a city."""
    return 21.5


def script(ctx: ScriptContext) -> Turn:
    if ctx.agent == "teller":
        return Turn(text=STORY)
    if ctx.agent == "weather" and ctx.turn == 0:
        return Turn(tool_calls=(("forecast", {"city": "Oslo"}),))
    return ctx.final(city="Oslo", celsius=21.5)


def models() -> ModelRouter:
    return ModelRouter({}, default=ScriptedModel(script=by_agent({}, default=script)))


teller = Agent("teller")
weather = Agent("weather", tools=[forecast], output=Weather)


def streaming_flow(agent: Agent, limits: Limits | None = None) -> tuple[Workflow, list[Any]]:
    seen: list[Any] = []
    flow = Workflow(f"stream-{agent.name}", limits=limits, models=models())

    @flow.entrypoint
    def go(ctx: Context[None], text: str) -> Any:
        for event in ctx.stream(agent, text):
            seen.append(event)
        return seen[-1].output

    return flow, seen


def test_a_stream_yields_text_deltas_then_the_output_recorded_as_one_llm_span(
    captured: Captured,
) -> None:
    flow, seen = streaming_flow(teller)
    result = flow.run("tell", telemetry=captured.telemetry)

    assert result.status == "ok"
    deltas = [e.text for e in seen if isinstance(e, TextDelta)]
    assert len(deltas) > 10  # word by word, as it was produced
    assert "".join(deltas) == STORY
    assert seen[-1] == FinalOutput(STORY)
    [chat] = captured.named("chat ")
    assert chat.attributes[sc.GEN_AI_OUTPUT_MESSAGES] == (
        f'[{{"role":"assistant","parts":[{{"type":"text","content":"{STORY}"}}],'
        '"finish_reason":"end_turn"}]'
    )
    recorded = parse_deltas(chat.attributes[sc.TRACEKIT_STREAM_DELTAS])
    assert [d.text for d in recorded if isinstance(d, TextDelta)] == deltas
    assert chat.parent is not None
    assert chat.parent.span_id == captured.one("invoke_agent teller").context.span_id


def test_tool_calls_stream_as_events_and_the_output_is_validated(captured: Captured) -> None:
    flow, seen = streaming_flow(weather)
    result = flow.run("Oslo?", telemetry=captured.telemetry)

    assert result.output == Weather(city="Oslo", celsius=21.5)
    kinds = [type(e).__name__ for e in seen]
    # The structured answer (final_result) is the final output, not a tool-call event.
    assert kinds == ["ToolCallEvent", "FinalOutput"]
    [call] = [e for e in seen if isinstance(e, ToolCallEvent)]
    assert (call.call.name, call.call.arguments) == ("forecast", {"city": "Oslo"})
    assert captured.one("execute_tool forecast").status.status_code is not StatusCode.ERROR


def test_a_token_budget_stops_the_stream_as_usage_arrives(captured: Captured) -> None:
    budgeted = Agent("teller", token_budget=60)
    flow, seen = streaming_flow(budgeted)
    result = flow.run("tell", telemetry=captured.telemetry)

    assert result.status == "stopped"
    assert result.stop_reason == "limit:token_budget:teller"
    deltas = [e.text for e in seen if isinstance(e, TextDelta)]
    assert len(deltas) > 0 and "".join(deltas) != STORY  # stopped part-way
    assert not any(isinstance(e, FinalOutput) for e in seen)
    [(span, limit)] = captured.events(sc.EVENT_LIMIT_EXCEEDED)
    assert span.name == "invoke_agent teller"
    assert limit[sc.EVENT_LIMIT_VALUE] == 60
    # The LLM span ends with the stop, holding what was delivered before it.
    [chat] = captured.named("chat ")
    assert chat.status.status_code is StatusCode.ERROR
    assert chat.attributes[sc.ERROR_TYPE] == "tracekit.exceptions.LimitExceeded"
    delivered = parse_deltas(chat.attributes[sc.TRACEKIT_STREAM_DELTAS])
    assert [d.text for d in delivered if isinstance(d, TextDelta)] == deltas
    # The tokens used before the stop count.
    assert 60 < result.input_tokens + result.output_tokens < 120


def test_a_cost_limit_stops_an_async_stream_mid_way() -> None:
    prices = PriceTable(prices={"claude-haiku-4-5": ModelPrice(input=1.0, output=1e4)})
    seen: list[Any] = []
    flow = Workflow("costly", limits=Limits(max_cost_usd=0.2), models=models())

    @flow.entrypoint
    async def go(ctx: Context[None], text: str) -> Any:
        async for event in ctx.astream(teller, text):
            seen.append(event)

    with capture_telemetry(prices=prices) as captured:
        result = asyncio.run(flow.arun("tell", telemetry=captured.telemetry))
        events = captured.events(sc.EVENT_LIMIT_EXCEEDED)

    assert result.status == "stopped"
    assert result.stop_reason == "limit:max_cost_usd"
    assert 0 < len(seen) < len(STORY.split())
    [(span, _)] = events
    assert span.name == "invoke_agent teller"


def test_a_reader_that_stops_early_ends_the_call_and_the_run_goes_on(captured: Captured) -> None:
    flow = Workflow("impatient", models=models())

    @flow.entrypoint
    def go(ctx: Context[None], text: str) -> str:
        for event in ctx.stream(teller, text):
            if isinstance(event, TextDelta):
                break
        return "moved on"

    result = flow.run("tell", telemetry=captured.telemetry)

    assert result.status == "ok" and result.output == "moved on"
    # The call ended before the run did (finished, or cancelled at its next delta): its
    # spans are complete, under the run's.
    span = captured.one("invoke_agent teller")
    root = captured.one("invoke_workflow impatient")
    assert span.parent is not None and span.parent.span_id == root.context.span_id
    assert span.end_time is not None and root.end_time is not None
    assert span.end_time <= root.end_time


#: What differs between two twins by construction: where their code is written.
CODE_LOCATIONS = (sc.TRACEKIT_CALL_SITE, sc.TRACEKIT_WORKFLOW_ENTRYPOINT, EXCEPTION_STACKTRACE)


def test_sync_and_async_twins_with_checks_and_a_stream_record_equal_trees() -> None:
    with capture_telemetry() as sync_side, capture_telemetry() as async_side:
        sync_result = flows.sync_flow.run(
            "trees", telemetry=sync_side.telemetry, models=flows.models(), **flows.run_options()
        )
        async_result = asyncio.run(
            flows.async_flow.arun(
                "trees",
                telemetry=async_side.telemetry,
                models=flows.models(),
                **flows.run_options(),
            )
        )
        sync_tree = span_tree(sync_side.spans, ignore=CODE_LOCATIONS)
        async_tree = span_tree(async_side.spans, ignore=CODE_LOCATIONS)
        checks = async_side.events(sc.EVENT_CHECK)

    assert sync_result.status == async_result.status == "ok"
    assert sync_result.output == async_result.output
    story = async_result.output
    assert story.draft == "A draft that is long enough to pass."
    assert story.checks == ["reflect:critic:retry"]
    assert "".join(story.deltas) == "Once upon a time." + story.text
    assert [event[sc.EVENT_CHECK_NAME] for _, event in checks] == [
        "long_enough",
        "reflect:critic",
    ]
    assert async_tree == sync_tree
    [root] = async_tree
    assert [child["name"] for child in root["children"]] == [
        "invoke_agent drafter",
        "invoke_agent teller",
    ]


@pytest.mark.parametrize("asynchronous", [False, True])
def test_a_client_that_cannot_stream_answers_in_one_piece(
    captured: Captured, asynchronous: bool
) -> None:
    class Whole:
        provider = "whole"

        def __init__(self) -> None:
            self.inner = ScriptedModel(script=by_agent({}, default=script))

        def complete(self, request: Any, tracer_provider: Any) -> Any:
            return self.inner.complete(request, tracer_provider)

    seen: list[Any] = []
    flow = Workflow("whole", models=ModelRouter({}, default=Whole()))

    @flow.entrypoint
    async def go(ctx: Context[None], text: str) -> Any:
        async for event in ctx.astream(teller, text):
            seen.append(event)

    @flow.entrypoint
    def go_sync(ctx: Context[None], text: str) -> Any:
        seen.extend(ctx.stream(teller, text))

    if asynchronous:
        flow.entrypoint(go)
        asyncio.run(flow.arun("tell", telemetry=captured.telemetry))
    else:
        flow.run("tell", telemetry=captured.telemetry)
    assert seen == [TextDelta(STORY), FinalOutput(STORY)]
