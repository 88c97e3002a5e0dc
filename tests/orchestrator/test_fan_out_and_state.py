"""Parallel fan-out, shared state and the finer points of guardrails in parallel runs."""

from __future__ import annotations

import json
import threading
import time

from opentelemetry.trace import StatusCode
from pydantic import BaseModel, Field

from tracekit import semconv as sc
from tracekit.models import ModelRouter, ResponseCache, ScriptContext, ScriptedModel, Turn
from tracekit.models.scripted import by_agent
from tracekit.orchestrator import Agent, CircuitBreaker, Context, Limits, Workflow
from tracekit.testing import Captured


class Log(BaseModel):
    seen: list[str] = Field(default_factory=list)


def note(item: str, ctx: Context[Log]) -> str:
    """Note an item in the shared log."""
    with ctx.state_lock:
        ctx.state.seen = [*ctx.state.seen, item]
    return item


def noting(ctx: ScriptContext) -> Turn:
    if ctx.turn == 0:
        return Turn(tool_calls=(("note", {"item": ctx.prompt}),))
    return ctx.final(text=ctx.prompt)


def test_identical_payloads_from_the_entrypoint_are_not_a_loop(captured: Captured) -> None:
    echo = Agent("echo")
    flow = Workflow("same-thrice", limits=Limits(loop_threshold=3))

    @flow.entrypoint
    def go(ctx: Context[None], text: str) -> list[str]:
        return ctx.map(echo, [text, text, text])

    models = ModelRouter({}, default=ScriptedModel())
    result = flow.run("same", telemetry=captured.telemetry, models=models)

    assert result.status == "ok" and len(result.output) == 3
    assert captured.events(sc.EVENT_LOOP_DETECTED) == []


def test_fan_out_sequence_numbers_follow_payload_order(captured: Captured) -> None:
    worker = Agent("worker")
    flow = Workflow("ordered")

    @flow.entrypoint
    def go(ctx: Context[None], n: int) -> list[str]:
        return ctx.map(worker, [f"item {i}" for i in range(n)], max_concurrency=4)

    models = ModelRouter({}, default=ScriptedModel(latency_s=(0.0, 0.01)))
    for _ in range(5):
        captured.exporter.clear()
        flow.run(8, telemetry=captured.telemetry, models=models)
        by_sequence = {
            s.attributes[sc.TRACEKIT_AGENT_SEQUENCE]: json.loads(
                s.attributes[sc.TRACEKIT_AGENT_INPUT]
            )
            for s in captured.named("invoke_agent worker")
        }
        assert by_sequence == {i: f"item {i}" for i in range(8)}


def test_fan_out_respects_max_concurrency() -> None:
    active, peak = [0], [0]
    lock = threading.Lock()

    def busy(x: str) -> str:
        """Work for a while."""
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.02)
        with lock:
            active[0] -= 1
        return x

    worker = Agent("busy-worker", tools=[busy])
    flow = Workflow("bounded")

    @flow.entrypoint
    def go(ctx: Context[None], n: int) -> list[str]:
        return ctx.map(worker, [str(i) for i in range(n)], max_concurrency=2)

    def script(ctx: ScriptContext) -> Turn:
        if ctx.turn == 0:
            return Turn(tool_calls=(("busy", {"x": ctx.prompt}),))
        return ctx.final()

    from tracekit.telemetry import Telemetry

    flow.run(6, telemetry=Telemetry(), models=ModelRouter({}, default=ScriptedModel(script=script)))
    assert peak[0] == 2


def test_parallel_state_changes_are_recorded_once_on_the_caller(captured: Captured) -> None:
    noter = Agent("noter", tools=[note])
    solo = Agent("solo", tools=[note])
    flow = Workflow("stateful", state=Log)

    @flow.entrypoint
    def go(ctx: Context[Log], items: list[str]) -> list[str]:
        ctx.call(solo, "first")
        return ctx.map(noter, items, max_concurrency=3)

    script = by_agent({"noter": noting, "solo": noting})
    result = flow.run(
        ["a", "b", "c"],
        telemetry=captured.telemetry,
        models=ModelRouter({}, default=ScriptedModel(script=script)),
    )

    assert result.status == "ok"
    solo_span = captured.one("invoke_agent solo")
    assert json.loads(solo_span.attributes[sc.TRACEKIT_STATE_CHANGES]) == {"seen": [[], ["first"]]}
    assert all(
        sc.TRACEKIT_STATE_CHANGES not in s.attributes for s in captured.named("invoke_agent noter")
    )
    [(span, event)] = captured.events(sc.EVENT_STATE_CHANGED)
    assert span.name == "invoke_workflow stateful"
    old, new = json.loads(event[sc.TRACEKIT_STATE_CHANGES])["seen"]
    assert old == ["first"] and sorted(new) == ["a", "b", "c", "first"]


def test_a_limit_hit_inside_a_fan_out_stops_the_run(captured: Captured) -> None:
    def search(q: str) -> str:
        """Search."""
        return q

    digger = Agent("digger", tools=[search], max_turns=50)
    flow = Workflow("fan-limit", limits=Limits(max_steps=10))

    @flow.entrypoint
    def go(ctx: Context[None], n: int) -> list[str]:
        return ctx.map(digger, [str(i) for i in range(n)])

    def forever(ctx: ScriptContext) -> Turn:
        return Turn(tool_calls=(("search", {"q": f"{ctx.prompt}-{ctx.turn}"}),))

    result = flow.run(
        4,
        telemetry=captured.telemetry,
        models=ModelRouter({}, default=ScriptedModel(script=forever)),
    )

    assert result.status == "stopped" and result.stop_reason == "limit:max_steps"
    assert result.steps == 10
    assert len(captured.events(sc.EVENT_LIMIT_EXCEEDED)) >= 1


def test_depth_guard_marks_the_spans_on_the_way_up(captured: Captured) -> None:
    inner = Agent("inner")

    def ask(question: str, ctx: Context[None]) -> str:
        """Ask the inner agent."""
        return str(ctx.call(inner, question))

    outer = Agent("outer", tools=[ask])
    flow = Workflow("deep")

    @flow.entrypoint
    def go(ctx: Context[None], text: str) -> str:
        return ctx.call(outer, text)

    script = by_agent({"outer": lambda c: Turn(tool_calls=(("ask", {"question": "q"}),))})
    result = flow.run(
        "x",
        telemetry=captured.telemetry,
        models=ModelRouter({}, default=ScriptedModel(script=script)),
    )

    assert result.stop_reason == "limit:max_depth"
    for name in ("invoke_agent inner", "execute_tool ask", "invoke_agent outer"):
        span = captured.one(name)
        assert span.status.status_code is StatusCode.ERROR, name
        assert span.attributes[sc.ERROR_TYPE] == "tracekit.exceptions.LimitExceeded"


def test_half_open_breaker_lets_exactly_one_trial_through() -> None:
    clock = [0.0]
    breaker = CircuitBreaker(failure_threshold=1, reset_after_s=5, clock=lambda: clock[0])
    breaker.record_failure()
    assert not breaker.allows()
    clock[0] = 6.0
    assert breaker.allows()
    assert not breaker.allows()  # the trial is in flight
    breaker.record_failure()
    assert not breaker.allows()  # reopened
    clock[0] = 12.0
    assert breaker.allows()
    breaker.record_success()
    assert breaker.allows() and breaker.allows()


def test_errors_can_be_returned_instead_of_raised(captured: Captured) -> None:
    broken = Agent("broken")
    flow = Workflow("soft-fail")

    @flow.entrypoint
    def go(ctx: Context[None], text: str) -> str:
        return ctx.call(broken, text)

    script = by_agent({"broken": lambda c: Turn(error="bad request", transient=False)})
    result = flow.run(
        "x",
        telemetry=captured.telemetry,
        raise_errors=False,
        models=ModelRouter({}, default=ScriptedModel(script=script)),
    )

    assert result.status == "error" and result.output is None
    assert result.error == "ModelError: bad request"
    assert result.trace_id == format(
        captured.one("invoke_workflow soft-fail").context.trace_id, "032x"
    )
    root = captured.one("invoke_workflow soft-fail")
    assert root.attributes[sc.TRACEKIT_WORKFLOW_STATUS] == "error"


def test_cache_hit_span_is_a_complete_llm_span_under_its_agent(captured: Captured) -> None:
    agent = Agent("cached-agent")
    flow = Workflow("cached", cache=ResponseCache())

    @flow.entrypoint
    def go(ctx: Context[None], text: str) -> str:
        return ctx.call(agent, text)

    models = ModelRouter({}, default=ScriptedModel())
    flow.run("same", telemetry=captured.telemetry, models=models)
    captured.exporter.clear()
    flow.run("same", telemetry=captured.telemetry, models=models)

    [hit] = captured.named("chat ")
    attrs = hit.attributes
    assert attrs[sc.TRACEKIT_CACHE_HIT] is True
    assert attrs[sc.GEN_AI_PROVIDER_NAME] == "tracekit.scripted"
    assert attrs[sc.OPENINFERENCE_SPAN_KIND] == "LLM"
    assert attrs[sc.TRACEKIT_AGENT_PATH] == "cached-agent"
    assert attrs[sc.GEN_AI_USAGE_INPUT_TOKENS] == 0 and attrs[sc.TRACEKIT_COST_USD] == 0.0
