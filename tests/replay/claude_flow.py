"""A workflow recorded through the real Anthropic SDK (answered by an httpx2 transport)."""

from __future__ import annotations

import httpx2

from tests.models.test_anthropic_model import API_KEY, FakeMessagesAPI, Weather, get_temperature
from tracekit.models import AnthropicModel, ModelRouter
from tracekit.orchestrator import Agent, Context, Workflow

forecaster = Agent(
    "forecaster", instructions="Report the weather.", tools=[get_temperature], output=Weather
)
workflow = Workflow("weather")


@workflow.entrypoint
def forecast(ctx: Context[None], city: str) -> Weather:
    """One agent, one tool: the SDK's own span is each LLM step."""
    return ctx.call(forecaster, city)


def claude() -> ModelRouter:
    """Claude through the SDK, answered by a fake Messages API."""
    client = httpx2.Client(transport=httpx2.MockTransport(FakeMessagesAPI()))
    return ModelRouter({"claude-*": AnthropicModel(api_key=API_KEY, http_client=client)})
