"""Claude through the real Anthropic SDK, answered by an httpx2 transport — never the network.

The SDK's own ``anthropic.messages.create`` span is the LLM span: it nests under our
``invoke_agent`` span, carries content, and the enricher completes it with cost and finish
reasons. tracekit adds no duplicate LLM span.
"""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import BaseModel

from tracekit import semconv as sc
from tracekit.exceptions import ModelError
from tracekit.models import AnthropicModel, ModelRouter
from tracekit.orchestrator import Agent, Context, RetryPolicy, Workflow
from tracekit.testing import Captured, json_attr

API_KEY = "sk-ant-api03-test-key-that-must-not-be-recorded"


class Weather(BaseModel):
    city: str
    celsius: float


def get_temperature(city: str) -> float:
    """Current temperature in a city."""
    return {"Paris": 18.5}.get(city, 0.0)


def message(content: list[dict[str, Any]], stop_reason: str, n: int) -> dict[str, Any]:
    return {
        "id": f"msg_{n:02d}",
        "type": "message",
        "role": "assistant",
        "model": "claude-haiku-4-5-20251001",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 100,
            "output_tokens": 20,
            "cache_read_input_tokens": 50,
            "cache_creation_input_tokens": 10,
        },
    }


class FakeMessagesAPI:
    """Answers POST /v1/messages like the API: a tool call, then the final result."""

    def __init__(self, failures_first: int = 0, status: int = 529) -> None:
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.failures_first = failures_first
        self.status = status

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        assert request.url.path == "/v1/messages"
        self.headers.append(dict(request.headers))
        if self.failures_first > 0:
            self.failures_first -= 1
            error = {"type": "overloaded_error", "message": "Overloaded"}
            return httpx2.Response(self.status, json={"type": "error", "error": error})
        body = json.loads(request.content)
        self.requests.append(body)
        n = len(self.requests)
        if n == 1:
            call = {
                "type": "tool_use",
                "id": "toolu_01",
                "name": "get_temperature",
                "input": {"city": "Paris"},
            }
            return httpx2.Response(
                200, json=message([{"type": "text", "text": "Checking."}, call], "tool_use", n)
            )
        final = {
            "type": "tool_use",
            "id": "toolu_02",
            "name": "final_result",
            "input": {"city": "Paris", "celsius": 18.5},
        }
        return httpx2.Response(200, json=message([final], "tool_use", n))


def weather_flow() -> Workflow:
    agent = Agent(
        "forecaster",
        instructions="Report the weather.",
        tools=[get_temperature],
        output=Weather,
        retry=RetryPolicy(max_attempts=3, initial_delay_s=0),
    )
    flow = Workflow("weather")

    @flow.entrypoint
    def go(ctx: Context[None], city: str) -> Weather:
        return ctx.call(agent, city)

    return flow


def claude(api: FakeMessagesAPI) -> ModelRouter:
    client = httpx2.Client(transport=httpx2.MockTransport(api))
    return ModelRouter({"claude-*": AnthropicModel(api_key=API_KEY, http_client=client)})


def test_tool_use_loop_through_the_sdk(captured: Captured) -> None:
    api = FakeMessagesAPI()
    result = weather_flow().run("Paris", telemetry=captured.telemetry, models=claude(api))

    assert result.output == Weather(city="Paris", celsius=18.5)
    first, second = api.requests
    assert first["model"] == "claude-haiku-4-5"
    assert first["system"].startswith("Report the weather.")
    assert [t["name"] for t in first["tools"]] == ["get_temperature", "final_result"]
    assert first["tools"][0]["input_schema"]["properties"]["city"]["type"] == "string"
    assert second["messages"][1]["content"][1]["type"] == "tool_use"
    assert second["messages"][2] == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "content": "18.5"}],
    }
    # usage: input includes cache reads and writes
    assert result.input_tokens == 2 * (100 + 50 + 10)


def test_the_sdk_span_is_the_llm_span_with_no_duplicate(captured: Captured) -> None:
    weather_flow().run("Paris", telemetry=captured.telemetry, models=claude(FakeMessagesAPI()))

    llm = captured.named(sc.ANTHROPIC_SPAN_NAME)
    assert len(llm) == 2
    assert captured.named("chat ") == []
    agent = captured.one("invoke_agent forecaster")
    span = llm[0]
    assert span.kind is SpanKind.CLIENT
    assert span.parent is not None and span.parent.span_id == agent.context.span_id
    attrs = span.attributes
    assert attrs[sc.GEN_AI_PROVIDER_NAME] == "anthropic"
    assert attrs[sc.GEN_AI_OPERATION_NAME] == "chat"
    assert attrs[sc.GEN_AI_RESPONSE_MODEL] == "claude-haiku-4-5-20251001"
    assert attrs[sc.GEN_AI_USAGE_INPUT_TOKENS] == 160
    assert attrs[sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] == 50
    assert attrs[sc.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS] == 10
    # completed by tracekit's enricher
    assert attrs[sc.GEN_AI_RESPONSE_FINISH_REASONS] == ("tool_use",)
    assert attrs[sc.OPENINFERENCE_SPAN_KIND] == "LLM"
    assert attrs[sc.TRACEKIT_AGENT_PATH] == "forecaster"
    expected = (100 * 1.0 + 50 * 0.1 + 10 * 1.25 + 20 * 5.0) / 1e6  # dated id → haiku 4.5 price
    assert attrs[sc.TRACEKIT_COST_USD] == pytest.approx(expected)
    # content mode is on
    assert json_attr(span, sc.GEN_AI_INPUT_MESSAGES)[0]["parts"][0]["content"] == "Paris"
    output = json_attr(span, sc.GEN_AI_OUTPUT_MESSAGES)[0]["parts"]
    assert output[1] == {
        "type": "tool_call",
        "id": "toolu_01",
        "name": "get_temperature",
        "arguments": {"city": "Paris"},
    }
    # the API key was sent, never recorded
    recorded = json.dumps([dict(s.attributes or {}) for s in captured.spans])
    assert API_KEY not in recorded


def test_overloaded_api_is_retried_by_tracekit_and_each_attempt_is_visible(
    captured: Captured,
) -> None:
    api = FakeMessagesAPI(failures_first=1)
    result = weather_flow().run(
        "Paris", telemetry=captured.telemetry, models=claude(api), sleep=lambda s: None
    )

    assert result.status == "ok"
    assert len(api.headers) == 3  # one failed attempt, then the two calls
    spans = captured.named(sc.ANTHROPIC_SPAN_NAME)
    assert spans[0].status.status_code is StatusCode.ERROR
    [(_, retry)] = captured.events(sc.EVENT_RETRY)
    assert "Overloaded" in retry[sc.EVENT_REASON]


def test_client_errors_are_not_retried(captured: Captured) -> None:
    api = FakeMessagesAPI(failures_first=5, status=400)
    with pytest.raises(ModelError, match="anthropic"):
        weather_flow().run("Paris", telemetry=captured.telemetry, models=claude(api))
    assert len(api.headers) == 1
