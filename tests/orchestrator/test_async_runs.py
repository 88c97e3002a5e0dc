"""``await workflow.arun(...)``: the same run as ``run``, spans, keys and guardrails included."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from opentelemetry.semconv.attributes.exception_attributes import EXCEPTION_STACKTRACE
from pydantic import BaseModel

from tests.orchestrator import async_twins as twins
from tracekit import semconv as sc
from tracekit.exceptions import ConfigError
from tracekit.models import ModelRouter, ScriptContext, ScriptedModel, Turn
from tracekit.models.scripted import Script, by_agent
from tracekit.orchestrator import (
    Agent,
    ApprovalRequest,
    Context,
    Limits,
    RetryPolicy,
    Workflow,
    tool,
)
from tracekit.testing import Captured, capture_telemetry, span_tree

#: What differs between two twins by construction: where their code is written.
CODE_LOCATIONS = (sc.TRACEKIT_CALL_SITE, sc.TRACEKIT_WORKFLOW_ENTRYPOINT, EXCEPTION_STACKTRACE)


class Answer(BaseModel):
    text: str


def models(script: Script, **kwargs: Any) -> ModelRouter:
    return ModelRouter({}, default=ScriptedModel(script=script, **kwargs))


def test_sync_and_async_twins_record_equal_trace_trees() -> None:
    with capture_telemetry() as sync_side, capture_telemetry() as async_side:
        sync_result = twins.sync_flow.run(
            "Quarterly", telemetry=sync_side.telemetry, models=twins.models(), **twins.run_options()
        )
        async_result = asyncio.run(
            twins.async_flow.arun(
                "Quarterly",
                telemetry=async_side.telemetry,
                models=twins.models(),
                **twins.run_options(),
            )
        )
        # A nested agent's sequence counts its calls across the parallel parents in the order
        # they happen (sync runs too); the structural key is what pins the call's place.
        ignore = (*CODE_LOCATIONS, sc.TRACEKIT_AGENT_SEQUENCE)
        sync_tree = span_tree(sync_side.spans, ignore=ignore)
        async_tree = span_tree(async_side.spans, ignore=ignore)
        events = {name for span in async_side.spans for name in (e.name for e in span.events)}

    assert async_result.status == sync_result.status == "ok"
    assert async_result.output == sync_result.output
    assert async_result.steps == sync_result.steps
    # Parallel calls add their costs in completion order: equal up to float rounding.
    assert async_result.cost_usd == pytest.approx(sync_result.cost_usd)
    # Every guardrail path the twins take shows, and shows the same.
    assert {sc.EVENT_RETRY, sc.EVENT_FALLBACK, sc.EVENT_APPROVAL} <= events
    assert async_tree == sync_tree
    [root] = async_tree
    agents = [child["name"] for child in root["children"]]
    assert agents.count("invoke_agent researcher") == len(twins.TOPICS)
    assert root["attributes"][sc.TRACEKIT_STATE_CHANGES] == '{"notes":[0,6]}'


def test_amap_returns_in_payload_order_keyed_by_position_and_bounded(captured: Captured) -> None:
    running = 0
    most = 0

    @tool
    async def slow_echo(text: str) -> str:
        """Echo slowly."""
        nonlocal running, most
        running += 1
        most = max(most, running)
        # Later payloads finish first: completion order is the reverse of payload order.
        await asyncio.sleep(0.002 * (10 - int(text)))
        running -= 1
        return text

    echo = Agent("echo", tools=[slow_echo])
    flow = Workflow("fan", limits=Limits(max_steps=None))

    @flow.entrypoint
    async def go(ctx: Context[None], n: int) -> list[str]:
        out: list[str] = await ctx.amap(echo, [str(i) for i in range(n)], max_concurrency=4)
        return out

    def echo_script(ctx: ScriptContext) -> Turn:
        if ctx.turn == 0:
            return Turn(tool_calls=(("slow_echo", {"text": ctx.prompt}),))
        return Turn(text=f"echo {ctx.tool_results[0]}")

    result = asyncio.run(flow.arun(8, telemetry=captured.telemetry, models=models(echo_script)))

    assert result.output == [f"echo {i}" for i in range(8)]
    assert most == 4
    spans = captured.named("invoke_agent echo")
    by_key = {s.attributes[sc.TRACEKIT_CALL_KEY]: s for s in spans}
    for i in range(8):
        span = by_key[f"echo#{i}"]
        assert span.attributes[sc.TRACEKIT_AGENT_SEQUENCE] == i
        assert span.attributes[sc.TRACEKIT_AGENT_INPUT] == f'"{i}"'
    root = captured.one("invoke_workflow fan")
    assert all(s.parent is not None and s.parent.span_id == root.context.span_id for s in spans)


def test_sync_tools_run_in_a_worker_thread_and_async_tools_on_the_loop(
    captured: Captured,
) -> None:
    threads: dict[str, bool] = {}

    def blocking(query: str) -> str:
        """Blocks its thread."""
        threads["blocking"] = threading.current_thread() is threading.main_thread()
        return query

    async def awaiting(query: str) -> str:
        """Awaits."""
        threads["awaiting"] = threading.current_thread() is threading.main_thread()
        return query

    worker = Agent("worker", tools=[blocking, awaiting])
    flow = Workflow("threads")

    @flow.entrypoint
    async def go(ctx: Context[None], text: str) -> str:
        out: str = await ctx.acall(worker, text)
        return out

    def both(ctx: ScriptContext) -> Turn:
        if ctx.turn == 0:
            return Turn(tool_calls=(("blocking", {"query": "a"}), ("awaiting", {"query": "b"})))
        return Turn(text="done")

    result = asyncio.run(flow.arun("x", telemetry=captured.telemetry, models=models(both)))

    assert result.status == "ok"
    assert threads == {"blocking": False, "awaiting": True}
    tool_spans = captured.named("execute_tool ")
    agent = captured.one("invoke_agent worker")
    assert {s.parent.span_id for s in tool_spans if s.parent} == {agent.context.span_id}


def test_an_async_approver_is_awaited_and_its_decision_recorded(captured: Captured) -> None:
    asked: list[ApprovalRequest] = []

    async def cautious(request: ApprovalRequest) -> bool:
        asked.append(request)
        await asyncio.sleep(0)
        return request.arguments["amount"] < 100

    @tool(requires_approval=True)
    async def refund(amount: int) -> str:
        """Refund an amount."""
        return f"refunded {amount}"

    clerk = Agent("clerk", tools=[refund])
    flow = Workflow("refunds", approver=cautious)

    @flow.entrypoint
    async def go(ctx: Context[None], text: str) -> str:
        out: str = await ctx.acall(clerk, text)
        return out

    def two_refunds(ctx: ScriptContext) -> Turn:
        if ctx.turn == 0:
            return Turn(tool_calls=(("refund", {"amount": 5}), ("refund", {"amount": 500})))
        return Turn(text="done")

    asyncio.run(flow.arun("x", telemetry=captured.telemetry, models=models(two_refunds)))

    assert [r.arguments["amount"] for r in asked] == [5, 500]
    decisions = [e[sc.EVENT_APPROVAL_DECISION] for _, e in captured.events(sc.EVENT_APPROVAL)]
    assert decisions == ["approved", "denied"]
    results = [s.attributes[sc.GEN_AI_TOOL_CALL_RESULT] for s in captured.named("execute_tool")]
    assert results[0] == '"refunded 5"'
    assert "denied" in str(results[1])


def test_retries_back_off_with_the_runs_async_sleep(captured: Captured) -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    def overloaded_twice(ctx: ScriptContext) -> Turn:
        return Turn(error="overloaded") if ctx.attempt < 2 else Turn(text="ok")

    agent = Agent("caller", retry=RetryPolicy(max_attempts=3, initial_delay_s=1, jitter=0))
    flow = Workflow("retries")

    @flow.entrypoint
    async def go(ctx: Context[None], text: str) -> str:
        out: str = await ctx.acall(agent, text)
        return out

    result = asyncio.run(
        flow.arun("x", telemetry=captured.telemetry, models=models(overloaded_twice), sleep=sleep)
    )

    assert result.output == "ok"
    assert waits == [1.0, 2.0]
    assert [e[sc.EVENT_RETRY_ATTEMPT] for _, e in captured.events(sc.EVENT_RETRY)] == [1, 2]


def test_a_sync_run_of_an_async_only_model_is_one_clear_error(captured: Captured) -> None:
    class AsyncOnly:
        provider = "test.async"

        async def acomplete(self, request: Any, tracer_provider: Any) -> Any:
            raise AssertionError("not reached")

    agent = Agent("solo")
    flow = Workflow("sync-only")

    @flow.entrypoint
    def go(ctx: Context[None], text: str) -> str:
        out: str = ctx.call(agent, text)
        return out

    with pytest.raises(ConfigError, match="async only: run the workflow with `await"):
        flow.run("x", telemetry=captured.telemetry, models=ModelRouter({}, default=AsyncOnly()))


def test_run_of_an_async_entrypoint_runs_it_on_a_fresh_loop(captured: Captured) -> None:
    agent = Agent("solo")
    flow = Workflow("either")

    @flow.entrypoint
    async def go(ctx: Context[None], text: str) -> str:
        out: str = await ctx.acall(agent, text)
        return out

    result = flow.run("hello", telemetry=captured.telemetry, models=models(by_agent({})))

    assert flow.is_async
    assert result.status == "ok"
    assert result.output.startswith("Done: hello")


def test_arun_of_a_sync_entrypoint_runs_it_in_a_worker_thread(captured: Captured) -> None:
    result = asyncio.run(
        twins.sync_flow.arun(
            "Quarterly", telemetry=captured.telemetry, models=twins.models(), **twins.run_options()
        )
    )
    assert result.status == "ok"
    assert len(captured.named("invoke_agent researcher")) == len(twins.TOPICS)
