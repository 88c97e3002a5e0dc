"""An async workflow the replay tests record: a 20-way ``amap`` fan-out with async tools."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from pydantic import BaseModel

from tracekit.models import ModelRequest, ModelResponse, ModelRouter, ScriptedModel
from tracekit.orchestrator import Agent, Context, Limits, Workflow

WIDTH = 20


class Finding(BaseModel):
    topic: str
    summary: str


async def fetch(topic: str) -> str:
    """Fetch notes on a topic."""
    await asyncio.sleep(random.random() / 500)
    return f"notes on {topic}"


researcher = Agent("researcher", instructions="Research the topic.", tools=[fetch], output=Finding)
editor = Agent("editor", instructions="Sum the findings up.")
workflow = Workflow("async-fan-out", limits=Limits(max_steps=200))


@workflow.entrypoint
async def research(ctx: Context[None], subject: str) -> str:
    """Research ``WIDTH`` topics at once, then sum them up."""
    topics = [f"{subject} part {i}" for i in range(WIDTH)]
    findings: list[Finding] = await ctx.amap(researcher, topics, max_concurrency=WIDTH)
    summary: str = await ctx.acall(editor, findings)
    return summary


class Jittery:
    """The scripted model behind a random wait (never seeded): calls finish in a new order
    on every run, while each answer stays a function of its request."""

    def __init__(self, seed: int) -> None:
        self.inner = ScriptedModel(seed=seed)
        self.provider = self.inner.provider
        self._jitter = random.SystemRandom()

    async def acomplete(self, request: ModelRequest, tracer_provider: Any) -> ModelResponse:
        await asyncio.sleep(self._jitter.random() / 200)
        return await self.inner.acomplete(request, tracer_provider)


def jittery(seed: int = 5) -> ModelRouter:
    """Models with random latency, for recording and for live re-runs."""
    return ModelRouter({}, default=Jittery(seed))
