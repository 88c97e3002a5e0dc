"""Claude through the SDK's ``AsyncAnthropic``, answered by an httpx2 mock transport.

As for the sync client, the SDK's own ``anthropic.messages.create`` span is the LLM span: it
nests under the agent span (asyncio tasks carry the OTel context) and tracekit adds no other.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
import pytest
from opentelemetry.trace import SpanKind, StatusCode

from tests.models.test_anthropic_model import API_KEY, FakeMessagesAPI, Weather, get_temperature
from tracekit import semconv as sc
from tracekit.exceptions import ConfigError, ModelError
from tracekit.models import AsyncAnthropicModel, AsyncModelClient, ModelRouter
from tracekit.orchestrator import Agent, Context, RetryPolicy, Workflow
from tracekit.testing import Captured, json_attr


def weather_flow() -> Workflow:
    agent = Agent(
        "forecaster",
        instructions="Report the weather.",
        tools=[get_temperature],
        output=Weather,
        retry=RetryPolicy(max_attempts=3, initial_delay_s=0),
    )
    flow = Workflow("weather-async")

    @flow.entrypoint
    async def go(ctx: Context[None], cities: list[str]) -> list[Weather]:
        found: list[Weather] = await ctx.amap(agent, cities)
        return found

    return flow


def claude(api: FakeMessagesAPI) -> ModelRouter:
    async def handler(request: httpx2.Request) -> httpx2.Response:
        await asyncio.sleep(0)
        return api(request)

    client = httpx2.AsyncClient(transport=httpx2.MockTransport(handler))
    return ModelRouter({"claude-*": AsyncAnthropicModel(api_key=API_KEY, http_client=client)})


def test_the_async_sdk_span_is_the_llm_span_under_the_agent(captured: Captured) -> None:
    api = FakeMessagesAPI()
    result = asyncio.run(
        weather_flow().arun(["Paris"], telemetry=captured.telemetry, models=claude(api))
    )

    assert result.output == [Weather(city="Paris", celsius=18.5)]
    assert [t["name"] for t in api.requests[0]["tools"]] == ["get_temperature", "final_result"]
    llm = captured.named(sc.ANTHROPIC_SPAN_NAME)
    assert len(llm) == 2
    assert captured.named("chat ") == []
    agent = captured.one("invoke_agent forecaster")
    for span in llm:
        assert span.kind is SpanKind.CLIENT
        assert span.parent is not None and span.parent.span_id == agent.context.span_id
        assert span.attributes[sc.TRACEKIT_AGENT_PATH] == "forecaster"
    attrs = llm[0].attributes
    assert attrs[sc.GEN_AI_USAGE_INPUT_TOKENS] == 160
    assert attrs[sc.GEN_AI_RESPONSE_FINISH_REASONS] == ("tool_use",)
    assert json.loads(attrs[sc.GEN_AI_TOOL_DEFINITIONS])[0]["name"] == "get_temperature"
    assert json_attr(llm[0], sc.GEN_AI_INPUT_MESSAGES)[0]["parts"][0]["content"] == "Paris"
    recorded = json.dumps([dict(s.attributes or {}) for s in captured.spans])
    assert API_KEY not in recorded


def test_overloaded_api_is_retried_with_an_async_back_off(captured: Captured) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    api = FakeMessagesAPI(failures_first=1)
    result = asyncio.run(
        weather_flow().arun(
            ["Paris"], telemetry=captured.telemetry, models=claude(api), sleep=sleep
        )
    )

    assert result.status == "ok"
    assert len(api.headers) == 3
    assert len(waits) == 1
    assert captured.named(sc.ANTHROPIC_SPAN_NAME)[0].status.status_code is StatusCode.ERROR
    [(_, retry)] = captured.events(sc.EVENT_RETRY)
    assert "Overloaded" in retry[sc.EVENT_REASON]


def test_client_errors_are_not_retried(captured: Captured) -> None:
    api = FakeMessagesAPI(failures_first=5, status=400)
    with pytest.raises(ModelError, match="anthropic"):
        asyncio.run(
            weather_flow().arun(["Paris"], telemetry=captured.telemetry, models=claude(api))
        )
    assert len(api.headers) == 1


def test_the_async_client_is_an_async_model_client_and_not_a_sync_one() -> None:
    model: Any = AsyncAnthropicModel(api_key=API_KEY)
    assert isinstance(model, AsyncModelClient)
    assert not hasattr(model, "complete")


def test_a_sync_run_routed_to_the_async_client_says_to_use_arun(captured: Captured) -> None:
    agent = Agent("forecaster", output=Weather)
    flow = Workflow("weather-sync")

    @flow.entrypoint
    def go(ctx: Context[None], city: str) -> Weather:
        found: Weather = ctx.call(agent, city)
        return found

    with pytest.raises(ConfigError, match="arun"):
        flow.run("Paris", telemetry=captured.telemetry, models=claude(FakeMessagesAPI()))
