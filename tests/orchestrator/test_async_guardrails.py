"""Every guardrail holds in async runs, and cancellation ends a run cleanly: a limit hit cancels
the calls in flight; a cancellation from outside records the run as ``interrupted``."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import StatusCode
from pydantic import BaseModel

from tracekit import semconv as sc
from tracekit.models import ModelRouter, ScriptContext, ScriptedModel, Turn
from tracekit.models.scripted import Script, by_agent
from tracekit.orchestrator import Agent, CircuitBreaker, Context, Limits, Workflow
from tracekit.store import TraceStore
from tracekit.telemetry import Telemetry
from tracekit.testing import Captured


class Answer(BaseModel):
    text: str


async def search(query: str) -> list[str]:
    """Search (slowly: other tasks run meanwhile)."""
    await asyncio.sleep(0.01)
    return [f"result for {query}"]


def keep_searching(ctx: ScriptContext) -> Turn:
    return Turn(tool_calls=(("search", {"query": f"{ctx.prompt} page {ctx.turn}"}),))


def same_search(ctx: ScriptContext) -> Turn:
    return Turn(tool_calls=(("search", {"query": "the same"}),))


def models(script: Script, **kwargs: Any) -> ModelRouter:
    return ModelRouter({}, default=ScriptedModel(script=script, **kwargs))


def one_agent(agent: Agent, limits: Limits | None = None, **kwargs: Any) -> Workflow:
    flow = Workflow(f"async-{agent.name}", limits=limits, **kwargs)

    @flow.entrypoint
    async def go(ctx: Context[None], text: str) -> Any:
        return await ctx.acall(agent, text)

    return flow


def fan_out(agent: Agent, limits: Limits, width: int = 4) -> Workflow:
    flow = Workflow(f"async-fan-{agent.name}", limits=limits)

    @flow.entrypoint
    async def go(ctx: Context[None], text: str) -> Any:
        return await ctx.amap(agent, [f"{text} {i}" for i in range(width)], max_concurrency=width)

    return flow


def assert_all_ended_under_the_root(spans: list[ReadableSpan]) -> ReadableSpan:
    """No span outlives the workflow span: every call was over when the run returned."""
    [root] = [s for s in spans if s.name.startswith("invoke_workflow")]
    assert root.end_time is not None
    assert all(s.end_time is not None and s.end_time <= root.end_time for s in spans)
    return root


def test_a_limit_hit_in_a_fan_out_cancels_the_calls_in_flight(captured: Captured) -> None:
    runaway = Agent("runaway", tools=[search], output=Answer, max_turns=50)
    flow = fan_out(runaway, Limits(max_steps=6))

    result = asyncio.run(
        flow.arun("go", telemetry=captured.telemetry, models=models(keep_searching))
    )

    assert result.status == "stopped"
    assert result.stop_reason == "limit:max_steps"
    assert result.steps == 6
    [(stopped, event)] = captured.events(sc.EVENT_LIMIT_EXCEEDED)
    assert event[sc.EVENT_LIMIT_NAME] == "max_steps"
    agents = captured.named("invoke_agent runaway")
    cancelled = [s for s in agents if s is not stopped]
    assert len(cancelled) == 3
    for span in cancelled:
        assert span.status.status_code is StatusCode.ERROR
        assert span.attributes[sc.ERROR_TYPE] == "asyncio.exceptions.CancelledError"
        assert span.status.description == "cancelled: the run stopped (limit:max_steps)"
    tools = captured.named("execute_tool search")
    assert {s.attributes[sc.ERROR_TYPE] for s in tools} == {"asyncio.exceptions.CancelledError"}
    root = assert_all_ended_under_the_root(captured.spans)
    assert root.attributes[sc.TRACEKIT_WORKFLOW_STOP_REASON] == "limit:max_steps"


def test_a_stop_in_a_gathered_call_cancels_its_siblings(captured: Captured) -> None:
    runaway = Agent("runaway", tools=[search], output=Answer, max_turns=50)
    flow = Workflow("gathered", limits=Limits(max_steps=5))

    @flow.entrypoint
    async def go(ctx: Context[None], text: str) -> Any:
        # The user's own gather: it does not cancel the others when one fails; the run does.
        return await asyncio.gather(*(ctx.acall(runaway, f"{text} {i}") for i in range(3)))

    result = asyncio.run(
        flow.arun("go", telemetry=captured.telemetry, models=models(keep_searching))
    )

    assert result.stop_reason == "limit:max_steps"
    assert len(captured.events(sc.EVENT_LIMIT_EXCEEDED)) == 1
    assert_all_ended_under_the_root(captured.spans)


def test_cost_and_token_budget_stop_async_runs(captured: Captured) -> None:
    spender = Agent("spender", model="claude-opus-4", tools=[search], output=Answer, max_turns=50)
    flow = one_agent(spender, Limits(max_cost_usd=0.02, max_steps=None))
    result = asyncio.run(
        flow.arun("go", telemetry=captured.telemetry, models=models(keep_searching))
    )
    assert result.stop_reason == "limit:max_cost_usd"
    assert result.cost_usd > 0.02

    budgeted = Agent("budgeted", tools=[search], output=Answer, max_turns=50, token_budget=2000)
    flow = one_agent(budgeted, Limits(max_steps=None))
    result = asyncio.run(
        flow.arun("go", telemetry=captured.telemetry, models=models(keep_searching))
    )
    assert result.stop_reason == "limit:token_budget:budgeted"


def test_wall_clock_limit_reads_the_runs_clock(captured: Captured) -> None:
    ticks = itertools.count()
    slow = Agent("slow", tools=[search], output=Answer, max_turns=100)
    flow = one_agent(slow, Limits(max_seconds=5, max_steps=None))

    result = asyncio.run(
        flow.arun(
            "go",
            telemetry=captured.telemetry,
            models=models(keep_searching),
            clock=lambda: float(next(ticks)),
        )
    )

    assert result.stop_reason == "limit:max_seconds"
    [(_, event)] = captured.events(sc.EVENT_LIMIT_EXCEEDED)
    assert event[sc.EVENT_LIMIT_NAME] == "max_seconds"


def test_loops_and_depth_are_caught_in_async_runs(captured: Captured) -> None:
    looper = Agent("looper", tools=[search], output=Answer, max_turns=50)
    result = asyncio.run(
        one_agent(looper).arun("go", telemetry=captured.telemetry, models=models(same_search))
    )
    assert result.stop_reason == "loop"
    assert len(captured.events(sc.EVENT_LOOP_DETECTED)) == 1

    inner = Agent("inner")

    async def delegate(question: str, ctx: Context[None]) -> str:
        """Hand off to the inner agent."""
        out: str = await ctx.acall(inner, question)
        return out

    outer = Agent("outer", tools=[delegate])

    def delegating(ctx: ScriptContext) -> Turn:
        if ctx.turn == 0:
            return Turn(tool_calls=(("delegate", {"question": "deeper?"}),))
        return Turn(text="done")

    result = asyncio.run(
        one_agent(outer).arun("go", telemetry=captured.telemetry, models=models(delegating))
    )
    assert result.stop_reason == "limit:max_depth"


def test_breaker_and_fallback_in_async_runs(captured: Captured) -> None:
    backup = Agent("backup", output=Answer)
    fragile = Agent(
        "fragile",
        output=Answer,
        fallback=backup,
        circuit_breaker=CircuitBreaker(failure_threshold=1, reset_after_s=3600),
    )
    script = by_agent({"fragile": lambda ctx: Turn(error="down", transient=False)})
    flow = one_agent(fragile)

    first = asyncio.run(flow.arun("a", telemetry=captured.telemetry, models=models(script)))
    second = asyncio.run(flow.arun("b", telemetry=captured.telemetry, models=models(script)))

    assert first.status == second.status == "ok"
    fragile_spans = captured.named("invoke_agent fragile")
    assert [s.attributes[sc.TRACEKIT_CIRCUIT_STATE] for s in fragile_spans] == ["closed", "open"]
    assert len(captured.events(sc.EVENT_FALLBACK)) == 2
    assert len(captured.named("chat ")) == 3  # the open breaker spared the second model call


def staged_flow(started: asyncio.Event) -> Workflow:
    """A first agent that finishes, then a fan-out that never does."""
    first = Agent("first", output=Answer)

    async def wait_forever(query: str) -> str:
        """Wait for an answer that never comes."""
        started.set()
        await asyncio.Event().wait()
        return query

    stuck = Agent("stuck", tools=[wait_forever])
    flow = Workflow("staged")

    @flow.entrypoint
    async def go(ctx: Context[None], text: str) -> Any:
        done = await ctx.acall(first, text)
        return await ctx.amap(stuck, [done.text, "again"])

    return flow


def waiting(ctx: ScriptContext) -> Turn:
    if ctx.agent == "stuck":
        return Turn(tool_calls=(("wait_forever", {"query": ctx.prompt}),))
    return ctx.final()


def test_cancelling_from_outside_ends_the_run_interrupted_with_spans_on_disk(
    tmp_path: Path,
) -> None:
    store = tmp_path / "runs.duckdb"
    telemetry = Telemetry.recording_to(store)

    async def main() -> None:
        started = asyncio.Event()
        run = asyncio.create_task(
            staged_flow(started).arun("go", telemetry=telemetry, models=models(waiting))
        )
        await started.wait()
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await run

    try:
        asyncio.run(main())
        # Read before any flush or shutdown: the run's spans were written when it ended.
        [summary] = TraceStore(store).list_traces()
        detail = TraceStore(store).get_trace(summary.trace_id)
        first = next(span for span in detail.spans if span.name == "invoke_agent first")
        content = TraceStore(store).get_span_content(summary.trace_id, first.span_id)
    finally:
        telemetry.shutdown()
    assert summary.status == "interrupted"
    # What finished before the cancel is kept: the partial result, on disk.
    assert first.status_code != "ERROR"
    assert sc.TRACEKIT_AGENT_OUTPUT in content
    stuck = [span for span in detail.spans if span.name == "invoke_agent stuck"]
    assert len(stuck) == 2
    assert all(span.error_type == "asyncio.exceptions.CancelledError" for span in stuck)


def test_a_timeout_the_caller_owns_returns_the_partial_result(captured: Captured) -> None:
    async def main() -> Any:
        flow = staged_flow(asyncio.Event())
        return await asyncio.wait_for(
            flow.arun(
                "go", telemetry=captured.telemetry, models=models(waiting), raise_errors=False
            ),
            timeout=0.2,
        )

    result = asyncio.run(main())

    assert result.status == "interrupted"
    assert [path for path, _ in result.partial] == ["first"]
    assert result.error.startswith("CancelledError")
    root = assert_all_ended_under_the_root(captured.spans)
    assert root.attributes[sc.TRACEKIT_WORKFLOW_STATUS] == "interrupted"
