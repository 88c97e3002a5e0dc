"""Every guardrail ends or redirects the run visibly: a span event, a reason, a partial result."""

from __future__ import annotations

import time
from typing import Any

import pytest
from opentelemetry.trace import StatusCode
from pydantic import BaseModel

from tracekit import semconv as sc
from tracekit.exceptions import ModelError, ToolError
from tracekit.models import ModelRouter, ScriptContext, ScriptedModel, Turn
from tracekit.models.scripted import Script, by_agent
from tracekit.orchestrator import (
    Agent,
    ApprovalRequest,
    CircuitBreaker,
    Context,
    Limits,
    RetryPolicy,
    Workflow,
    approve_all,
    tool,
)
from tracekit.testing import Captured, json_attr


class Answer(BaseModel):
    text: str


def search(query: str) -> list[str]:
    """Search."""
    return [f"result for {query}"]


def models(script: Script, **kwargs: Any) -> ModelRouter:
    return ModelRouter({}, default=ScriptedModel(script=script, **kwargs))


def keep_searching(ctx: ScriptContext) -> Turn:
    return Turn(tool_calls=(("search", {"query": f"page {ctx.turn}"}),))


def single_agent_flow(agent: Agent, limits: Limits | None = None, **kwargs: Any) -> Workflow:
    flow = Workflow(f"flow-{agent.name}", limits=limits, **kwargs)

    @flow.entrypoint
    def go(ctx: Context[None], text: str) -> Any:
        return ctx.call(agent, text)

    return flow


def test_max_steps_stops_the_run_with_partial_result_and_reason(captured: Captured) -> None:
    first = Agent("first", output=Answer)
    runaway = Agent("runaway", tools=[search], output=Answer, max_turns=50)
    flow = Workflow("steps", limits=Limits(max_steps=5))

    @flow.entrypoint
    def go(ctx: Context[None], text: str) -> Any:
        done = ctx.call(first, text)
        return ctx.call(runaway, done)

    script = by_agent({"runaway": keep_searching})
    result = flow.run("go", telemetry=captured.telemetry, models=models(script))

    assert result.status == "stopped"
    assert result.stop_reason == "limit:max_steps"
    assert result.output is None
    assert [path for path, _ in result.partial] == ["first"]
    assert result.steps == 5
    [(span, event)] = captured.events(sc.EVENT_LIMIT_EXCEEDED)
    assert span.name == "invoke_agent runaway"
    assert event == {
        sc.EVENT_LIMIT_NAME: "max_steps",
        sc.EVENT_LIMIT_VALUE: 5,
        sc.EVENT_LIMIT_OBSERVED: 6,
    }
    root = captured.one("invoke_workflow steps")
    assert root.attributes[sc.TRACEKIT_WORKFLOW_STATUS] == "stopped"
    assert root.attributes[sc.TRACEKIT_WORKFLOW_STOP_REASON] == "limit:max_steps"


def test_max_cost_stops_the_run(captured: Captured) -> None:
    spender = Agent("spender", model="claude-opus-4", tools=[search], output=Answer, max_turns=50)
    flow = single_agent_flow(spender, Limits(max_cost_usd=0.02, max_steps=None))

    result = flow.run("go", telemetry=captured.telemetry, models=models(keep_searching))

    assert result.stop_reason == "limit:max_cost_usd"
    assert result.cost_usd > 0.02
    [(_, event)] = captured.events(sc.EVENT_LIMIT_EXCEEDED)
    assert event[sc.EVENT_LIMIT_NAME] == "max_cost_usd"
    assert event[sc.EVENT_LIMIT_OBSERVED] > 0.02


def test_max_seconds_stops_the_run(captured: Captured) -> None:
    def slow_search(query: str) -> str:
        """Search slowly."""
        time.sleep(0.05)
        return query

    slow = Agent("slow", tools=[slow_search], output=Answer, max_turns=100)
    flow = single_agent_flow(slow, Limits(max_seconds=0.2, max_steps=None))

    def keep_going(ctx: ScriptContext) -> Turn:
        return Turn(tool_calls=(("slow_search", {"query": str(ctx.turn)}),))

    result = flow.run("go", telemetry=captured.telemetry, models=models(keep_going))

    assert result.stop_reason == "limit:max_seconds"
    assert 2 < result.steps < 40
    [(_, event)] = captured.events(sc.EVENT_LIMIT_EXCEEDED)
    assert event[sc.EVENT_LIMIT_NAME] == "max_seconds"


def test_per_agent_token_budget(captured: Captured) -> None:
    frugal = Agent("frugal", tools=[search], output=Answer, token_budget=600, max_turns=50)
    flow = single_agent_flow(frugal, Limits(max_steps=None))

    result = flow.run("go", telemetry=captured.telemetry, models=models(keep_searching))

    assert result.stop_reason == "limit:token_budget:frugal"
    [(span, event)] = captured.events(sc.EVENT_LIMIT_EXCEEDED)
    assert span.name == "invoke_agent frugal"
    assert event[sc.EVENT_LIMIT_VALUE] == 600
    assert event[sc.EVENT_LIMIT_OBSERVED] > 600


def test_loop_detection_on_repeated_identical_tool_calls(captured: Captured) -> None:
    looper = Agent("looper", tools=[search], output=Answer, max_turns=20)
    flow = single_agent_flow(looper, Limits(loop_threshold=3))

    def same_call(ctx: ScriptContext) -> Turn:
        return Turn(tool_calls=(("search", {"query": "pricing"}),))

    result = flow.run("go", telemetry=captured.telemetry, models=models(same_call))

    assert result.status == "stopped" and result.stop_reason == "loop"
    assert len(captured.named("execute_tool search")) == 2
    [(span, event)] = captured.events(sc.EVENT_LOOP_DETECTED)
    assert span.name == "invoke_agent looper"
    assert "tool:search repeated 3 times" in event[sc.EVENT_REASON]


def test_different_arguments_are_not_a_loop(captured: Captured) -> None:
    worker = Agent("worker", tools=[search], output=Answer)

    def varied(ctx: ScriptContext) -> Turn:
        if ctx.turn < 4:
            return keep_searching(ctx)
        return ctx.final(text="ok")

    result = single_agent_flow(worker).run(
        "go", telemetry=captured.telemetry, models=models(varied)
    )

    assert result.status == "ok"
    assert captured.events(sc.EVENT_LOOP_DETECTED) == []


def test_agents_do_not_spawn_agents_unless_depth_allows(captured: Captured) -> None:
    helper = Agent("helper", output=Answer)

    def delegate(question: str, ctx: Context[None]) -> str:
        """Ask the helper agent."""
        answer: Answer = ctx.call(helper, question)
        return answer.text

    boss = Agent("boss", tools=[delegate], output=Answer)

    def boss_script(ctx: ScriptContext) -> Turn:
        if ctx.turn == 0:
            return Turn(tool_calls=(("delegate", {"question": "what?"}),))
        return ctx.final(text=str(ctx.tool_results[0]))

    script = by_agent({"boss": boss_script})
    denied = single_agent_flow(boss).run("go", telemetry=captured.telemetry, models=models(script))

    assert denied.stop_reason == "limit:max_depth"
    [(span, event)] = captured.events(sc.EVENT_LIMIT_EXCEEDED)
    assert span.name == "invoke_agent helper"
    assert event[sc.EVENT_LIMIT_OBSERVED] == 2

    captured.exporter.clear()
    allowed = single_agent_flow(boss, Limits(max_depth=2)).run(
        "go", telemetry=captured.telemetry, models=models(script)
    )
    assert allowed.status == "ok"
    nested = captured.one("invoke_agent helper")
    assert nested.attributes[sc.TRACEKIT_AGENT_PATH] == "boss/helper"
    assert nested.attributes[sc.TRACEKIT_HANDOFF_FROM] == "boss"
    tool_span = captured.one("execute_tool delegate")
    assert nested.parent is not None and nested.parent.span_id == tool_span.context.span_id


def test_transient_model_errors_are_retried_with_backoff(captured: Captured) -> None:
    flaky = Agent("flaky", output=Answer, retry=RetryPolicy(max_attempts=3, initial_delay_s=1.0))
    slept: list[float] = []

    def overloaded_twice(ctx: ScriptContext) -> Turn:
        if ctx.attempt < 2:
            return Turn(error="overloaded")
        return ctx.final(text="finally")

    result = single_agent_flow(flaky).run(
        "go", telemetry=captured.telemetry, models=models(overloaded_twice), sleep=slept.append
    )

    assert result.status == "ok" and result.output.text == "finally"
    assert len(slept) == 2 and 0.9 <= slept[0] <= 1.1 and 1.8 <= slept[1] <= 2.2
    retries = [event for _, event in captured.events(sc.EVENT_RETRY)]
    assert [e[sc.EVENT_RETRY_ATTEMPT] for e in retries] == [1, 2]
    chats = captured.named("chat ")
    assert [c.status.status_code for c in chats] == [
        StatusCode.ERROR,
        StatusCode.ERROR,
        StatusCode.UNSET,
    ]
    assert chats[0].attributes[sc.ERROR_TYPE] == "tracekit.exceptions.TransientModelError"


def test_retries_give_up_after_max_attempts(captured: Captured) -> None:
    down = Agent("down", output=Answer, retry=RetryPolicy(max_attempts=2, initial_delay_s=0))

    def always_down(ctx: ScriptContext) -> Turn:
        return Turn(error="overloaded")

    with pytest.raises(ModelError, match="overloaded"):
        single_agent_flow(down).run(
            "go", telemetry=captured.telemetry, models=models(always_down), sleep=lambda s: None
        )
    assert len(captured.named("chat ")) == 2
    agent_span = captured.one("invoke_agent down")
    assert agent_span.status.status_code is StatusCode.ERROR


def test_fallback_agent_takes_over_after_a_tool_error(captured: Captured) -> None:
    def fetch(url: str) -> str:
        """Fetch a page."""
        raise ConnectionError("reset by peer")

    backup = Agent("backup", output=Answer)
    primary = Agent("primary", tools=[fetch], output=Answer, fallback=backup)

    def primary_script(ctx: ScriptContext) -> Turn:
        return Turn(tool_calls=(("fetch", {"url": "https://x"}),))

    script = by_agent({"primary": primary_script})
    result = single_agent_flow(primary).run(
        "go", telemetry=captured.telemetry, models=models(script)
    )

    assert result.status == "ok"
    [(span, event)] = captured.events(sc.EVENT_FALLBACK)
    assert span.name == "invoke_agent primary"
    assert event[sc.EVENT_FALLBACK_TO] == "backup"
    assert "ConnectionError: reset by peer" in event[sc.EVENT_REASON]
    tool_span = captured.one("execute_tool fetch")
    assert tool_span.status.status_code is StatusCode.ERROR
    assert tool_span.attributes[sc.ERROR_TYPE] == "tracekit.exceptions.ToolError"
    taken_over = captured.one("invoke_agent backup")
    assert taken_over.attributes[sc.TRACEKIT_HANDOFF_FROM] == "primary"
    assert json_attr(taken_over, sc.TRACEKIT_AGENT_INPUT) == "go"


def test_tool_error_without_fallback_fails_the_run(captured: Captured) -> None:
    def fetch(url: str) -> str:
        """Fetch a page."""
        raise TimeoutError("slow")

    lonely = Agent("lonely", tools=[fetch], output=Answer)
    script = by_agent({"lonely": lambda ctx: Turn(tool_calls=(("fetch", {"url": "u"}),))})

    with pytest.raises(ToolError, match="TimeoutError: slow"):
        single_agent_flow(lonely).run("go", telemetry=captured.telemetry, models=models(script))
    root = captured.one("invoke_workflow flow-lonely")
    assert root.status.status_code is StatusCode.ERROR
    assert root.attributes[sc.ERROR_TYPE] == "tracekit.exceptions.ToolError"


def test_circuit_breaker_opens_after_consecutive_failures_and_fails_fast(
    captured: Captured,
) -> None:
    clock = [0.0]
    breaker = CircuitBreaker(failure_threshold=2, reset_after_s=10, clock=lambda: clock[0])
    backup = Agent("backup2", output=Answer)
    fragile = Agent(
        "fragile",
        output=Answer,
        fallback=backup,
        circuit_breaker=breaker,
        retry=RetryPolicy(max_attempts=1),
    )
    script = by_agent({"fragile": lambda ctx: Turn(error="down", transient=False)})
    flow = single_agent_flow(fragile)

    for _ in range(3):
        assert flow.run("go", telemetry=captured.telemetry, models=models(script)).status == "ok"

    # Two real failures open the breaker; the third call never reaches the model.
    fragile_chats = [
        c for c in captured.named("chat ") if c.attributes[sc.TRACEKIT_AGENT_PATH] == "fragile"
    ]
    assert len(fragile_chats) == 2
    opened = captured.events(sc.EVENT_CIRCUIT_OPEN)
    assert len(opened) == 2  # opened on the 2nd failure, reported on the short-circuited 3rd call
    assert len(captured.named("invoke_agent backup2")) == 3

    clock[0] = 11.0  # half-open: one call goes through again
    captured.exporter.clear()
    flow.run("go", telemetry=captured.telemetry, models=models(script))
    assert len(captured.named("chat claude-haiku-4-5")) == 2  # fragile tried, then backup


def _refund_flow(approver: Any = None) -> tuple[Workflow, ModelRouter, list[str]]:
    executed: list[str] = []

    @tool(requires_approval=True)
    def refund(order_id: str, amount_usd: float) -> str:
        """Refund an order."""
        executed.append(order_id)
        return "refunded"

    clerk = Agent("clerk", tools=[refund], output=Answer)

    def clerk_script(ctx: ScriptContext) -> Turn:
        if ctx.turn == 0:
            return Turn(tool_calls=(("refund", {"order_id": "A-1", "amount_usd": 250.0}),))
        return ctx.final(text=str(ctx.tool_results[0]))

    return (
        single_agent_flow(clerk, approver=approver),
        models(by_agent({"clerk": clerk_script})),
        executed,
    )


def test_approval_gate_executes_only_when_approved(captured: Captured) -> None:
    seen: list[ApprovalRequest] = []

    def approver(request: ApprovalRequest) -> bool:
        seen.append(request)
        return True

    flow, router, executed = _refund_flow(approver)
    result = flow.run("go", telemetry=captured.telemetry, models=router)

    assert executed == ["A-1"]
    assert seen == [
        ApprovalRequest(
            agent="clerk", tool="refund", arguments={"order_id": "A-1", "amount_usd": 250.0}
        )
    ]
    assert result.output.text == "refunded"
    [(span, event)] = captured.events(sc.EVENT_APPROVAL)
    assert span.name == "execute_tool refund"
    assert event[sc.EVENT_APPROVAL_DECISION] == "approved"


def test_approval_gate_denies_by_default_when_not_interactive(
    captured: Captured, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))  # not a TTY: must not be read
    flow, router, executed = _refund_flow()
    result = flow.run("go", telemetry=captured.telemetry, models=router)

    assert executed == []
    assert "denied" in result.output.text
    [(span, event)] = captured.events(sc.EVENT_APPROVAL)
    assert event[sc.EVENT_APPROVAL_DECISION] == "denied"
    assert "denied by the approver" in json_attr(span, sc.GEN_AI_TOOL_CALL_RESULT)["error"]


def test_approve_all_is_explicit(captured: Captured) -> None:
    flow, router, executed = _refund_flow(approve_all)
    flow.run("go", telemetry=captured.telemetry, models=router)
    assert executed == ["A-1"]
