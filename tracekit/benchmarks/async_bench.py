"""The async path's costs: a recorded step through ``arun``, and fan-out throughput.

``async_recorded_step_us`` is the instrumentation benchmark's step (model call, tool call,
model call, recorded into the store's spool) run through ``await workflow.arun`` instead of
``run``, so it sits next to ``recorded_step_us``. ``async_amap_steps_per_s`` runs a 100-way
``ctx.amap`` of that agent with a model that answers at once: what the orchestrator itself
sustains (tasks, the semaphore, context propagation, spans) when the models are not the limit.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from tracekit.benchmarks.instrumentation import STEPS_PER_RUN, _PrerecordedModel, _Verdict, lookup
from tracekit.models import ModelRequest, ModelResponse, ModelRouter
from tracekit.orchestrator import Agent, Context, Limits, Tool, Workflow
from tracekit.store import StoreSpanProcessor
from tracekit.telemetry import Telemetry

FAN_OUT = 100


class _AsyncPrerecordedModel(_PrerecordedModel):
    """The instrumentation benchmark's instant model, with an async face."""

    async def acomplete(self, request: ModelRequest, tracer_provider: Any) -> ModelResponse:
        return self.complete(request, tracer_provider)


async def _alookup(term: str) -> str:
    """Look a term up."""
    return lookup(term)


def _async_workflows() -> tuple[Workflow, Workflow]:
    agent = Agent(
        "classifier",
        instructions="Classify the term.",
        tools=[Tool(_alookup, name="lookup")],
        output=_Verdict,
    )
    models = ModelRouter({}, default=_AsyncPrerecordedModel())
    single = Workflow("bench-async", models=models)

    @single.entrypoint
    async def classify(ctx: Context[None], term: str) -> _Verdict:
        verdict: _Verdict = await ctx.acall(agent, term)
        return verdict

    fan = Workflow("bench-amap", models=models, limits=Limits(max_steps=None))

    @fan.entrypoint
    async def classify_all(ctx: Context[None], terms: list[str]) -> list[_Verdict]:
        verdicts: list[_Verdict] = await ctx.amap(agent, terms, max_concurrency=FAN_OUT)
        return verdicts

    return single, fan


def measure_async(tmp_dir: Path, runs: int = 400) -> dict[str, float]:
    """Per-step cost of a recorded async run, and steps/s of a 100-way ``amap``."""
    single, fan = _async_workflows()
    recorder = StoreSpanProcessor(tmp_dir / "async.duckdb", fold=False)
    telemetry = Telemetry(processors=[recorder])
    terms = [f"term {i}" for i in range(FAN_OUT)]

    async def steps() -> float:
        for _ in range(20):
            await single.arun("latency", telemetry=telemetry)
        started = time.perf_counter()
        for _ in range(runs):
            await single.arun("latency", telemetry=telemetry)
        telemetry.flush()
        return time.perf_counter() - started

    async def fan_out() -> float:
        await fan.arun(terms[:10], telemetry=telemetry)
        rounds = max(1, runs // 100)
        started = time.perf_counter()
        for _ in range(rounds):
            await fan.arun(terms, telemetry=telemetry)
        telemetry.flush()
        return (time.perf_counter() - started) / rounds

    try:
        single_s = asyncio.run(steps())
        fan_s = asyncio.run(fan_out())
    finally:
        telemetry.shutdown()
    return {
        "async_recorded_step_us": single_s / (runs * STEPS_PER_RUN) * 1e6,
        "async_amap_steps_per_s": FAN_OUT * STEPS_PER_RUN / fan_s,
    }
