"""Checks on intermediate results: retry with the reason, fallback, fail, reflect, limits."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from opentelemetry.trace import StatusCode
from pydantic import BaseModel

from tests.orchestrator import check_flows as flows
from tracekit import semconv as sc
from tracekit.exceptions import CheckFailedError, ConfigError
from tracekit.models import ModelRouter, ScriptContext, ScriptedModel, Turn
from tracekit.models.scripted import by_agent
from tracekit.orchestrator import Agent, Check, Context, Limits, Verdict, Workflow, reflect
from tracekit.testing import Captured, json_attr


class Draft(BaseModel):
    text: str


def at_least_20(draft: Draft) -> Check | None:
    """A one-argument check (no context)."""
    return None if len(draft.text) >= 20 else Check.fail(f"{len(draft.text)} characters")


def drafting(ctx: ScriptContext) -> Turn:
    """Short until told, then long enough."""
    if flows.told_to_fix(ctx):
        return ctx.final(text="Now the draft is long enough.")
    return ctx.final(text="Short.")


def always_short(ctx: ScriptContext) -> Turn:
    if ctx.agent == "backup":
        return ctx.final(text="The backup's draft, long enough.")
    return ctx.final(text="Short.")


def one_agent(agent: Agent, script: Any, limits: Limits | None = None) -> Workflow:
    flow = Workflow(
        f"flow-{agent.name}",
        limits=limits,
        models=ModelRouter({}, default=ScriptedModel(script=by_agent({}, default=script))),
    )

    @flow.entrypoint
    def go(ctx: Context[None], text: str) -> Any:
        return ctx.call(agent, text)

    return flow


def test_a_failed_check_is_retried_with_its_reason_in_the_conversation(captured: Captured) -> None:
    writer = Agent("writer", output=Draft, checks=[at_least_20])
    result = one_agent(writer, drafting).run("go", telemetry=captured.telemetry)

    assert result.status == "ok"
    assert result.output == Draft(text="Now the draft is long enough.")
    [(span, event)] = captured.events(sc.EVENT_CHECK)
    assert span.name == "invoke_agent writer"
    assert event == {
        sc.EVENT_CHECK_NAME: "at_least_20",
        sc.EVENT_REASON: "6 characters",
        sc.EVENT_CHECK_ACTION: "retry",
        sc.EVENT_CHECK_ATTEMPT: 1,
    }
    _, second = captured.named("chat ")
    asked_again = json_attr(second, sc.GEN_AI_INPUT_MESSAGES)
    # The failed final_result call gets the check's reason as its result.
    assert "failed the check 'at_least_20': 6 characters" in str(asked_again[-1])
    # Two model calls and two checks: each check is a step.
    assert result.steps == 4


def test_retries_used_up_fail_the_call_with_check_failed_error(captured: Captured) -> None:
    writer = Agent("writer", output=Draft, checks=[at_least_20], max_check_retries=2)
    flow = one_agent(writer, always_short)
    with pytest.raises(CheckFailedError, match="failed check 'at_least_20': 6 characters"):
        flow.run("go", telemetry=captured.telemetry)

    actions = [event[sc.EVENT_CHECK_ACTION] for _, event in captured.events(sc.EVENT_CHECK)]
    assert actions == ["retry", "retry", "fail"]
    assert len(captured.named("chat ")) == 3
    span = captured.one("invoke_agent writer")
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes[sc.ERROR_TYPE] == "tracekit.exceptions.CheckFailedError"
    root = captured.one("invoke_workflow flow-writer")
    assert root.attributes[sc.TRACEKIT_WORKFLOW_STATUS] == "error"


def test_on_check_fail_fail_fails_at_once_even_with_a_fallback(captured: Captured) -> None:
    backup = Agent("backup", output=Draft)
    writer = Agent(
        "writer", output=Draft, checks=[at_least_20], on_check_fail="fail", fallback=backup
    )
    result = one_agent(writer, always_short).run(
        "go", telemetry=captured.telemetry, raise_errors=False
    )

    assert result.status == "error"
    assert (
        result.error == "CheckFailedError: agent 'writer' failed check 'at_least_20': 6 characters"
    )
    assert [e[sc.EVENT_CHECK_ACTION] for _, e in captured.events(sc.EVENT_CHECK)] == ["fail"]
    assert not captured.named("invoke_agent backup")


def test_on_check_fail_fallback_hands_over_to_the_fallback(captured: Captured) -> None:
    backup = Agent("backup", output=Draft)
    writer = Agent(
        "writer", output=Draft, checks=[at_least_20], on_check_fail="fallback", fallback=backup
    )
    result = one_agent(writer, always_short).run("go", telemetry=captured.telemetry)

    assert result.status == "ok"
    assert result.output == Draft(text="The backup's draft, long enough.")
    [(_, check)] = captured.events(sc.EVENT_CHECK)
    assert check[sc.EVENT_CHECK_ACTION] == "fallback"
    [(span, fallback)] = captured.events(sc.EVENT_FALLBACK)
    assert span.name == "invoke_agent writer"
    assert fallback[sc.EVENT_FALLBACK_TO] == "backup"
    handed = captured.one("invoke_agent backup")
    assert handed.attributes[sc.TRACEKIT_HANDOFF_FROM] == "writer"


def test_retries_used_up_go_to_the_fallback_when_there_is_one(captured: Captured) -> None:
    backup = Agent("backup", output=Draft)
    writer = Agent(
        "writer", output=Draft, checks=[at_least_20], max_check_retries=1, fallback=backup
    )
    result = one_agent(writer, always_short).run("go", telemetry=captured.telemetry)

    assert result.output == Draft(text="The backup's draft, long enough.")
    actions = [e[sc.EVENT_CHECK_ACTION] for _, e in captured.events(sc.EVENT_CHECK)]
    assert actions == ["retry", "fallback"]


def critic_script(ctx: ScriptContext) -> Turn:
    if ctx.agent == "critic":
        if "checked twice" in ctx.prompt:
            return ctx.final(ok=True, reason="")
        return ctx.final(ok=False, reason="not reviewed yet")
    if flows.told_to_fix(ctx):
        return ctx.final(text="Draft, checked twice and long enough.")
    return ctx.final(text="Draft that is long but not yet verified.")


def test_reflect_asks_a_critic_recorded_as_a_nested_handoff(captured: Captured) -> None:
    critic = Agent("critic", output=Verdict)
    writer = Agent("writer", output=Draft, checks=[at_least_20, reflect(critic)])
    result = one_agent(writer, critic_script).run("go", telemetry=captured.telemetry)

    assert result.output == Draft(text="Draft, checked twice and long enough.")
    writer_span = captured.one("invoke_agent writer")
    critics = captured.named("invoke_agent critic")
    assert len(critics) == 2  # one verdict per answer
    for span in critics:
        assert span.parent is not None and span.parent.span_id == writer_span.context.span_id
        assert span.attributes[sc.TRACEKIT_HANDOFF_FROM] == "writer"
        assert span.attributes[sc.TRACEKIT_HANDOFF_TO] == "critic"
        assert span.attributes[sc.TRACEKIT_AGENT_PATH] == "writer/critic"
    first_review = json_attr(critics[0], sc.TRACEKIT_AGENT_INPUT)
    assert first_review["output"] == {"text": "Draft that is long but not yet verified."}
    [(_, check)] = captured.events(sc.EVENT_CHECK)
    assert check[sc.EVENT_CHECK_NAME] == "reflect:critic"
    assert check[sc.EVENT_REASON] == "not reviewed yet"
    # The checkpoint is no deeper nesting: the default max_depth=1 holds.
    assert not captured.events(sc.EVENT_LIMIT_EXCEEDED)


def test_checks_count_towards_max_steps(captured: Captured) -> None:
    writer = Agent("writer", output=Draft, checks=[at_least_20])
    # model call, check, model call (retry), check: the fourth step is over the limit.
    flow = one_agent(writer, drafting, limits=Limits(max_steps=3))
    result = flow.run("go", telemetry=captured.telemetry)

    assert result.status == "stopped"
    assert result.stop_reason == "limit:max_steps"
    [(span, limit)] = captured.events(sc.EVENT_LIMIT_EXCEEDED)
    assert span.name == "invoke_agent writer"
    assert limit[sc.EVENT_LIMIT_OBSERVED] == 4


def test_a_critics_tokens_count_towards_the_checked_run(captured: Captured) -> None:
    critic = Agent("critic", output=Verdict, token_budget=50)
    writer = Agent("writer", output=Draft, checks=[reflect(critic)])
    result = one_agent(writer, critic_script).run("go", telemetry=captured.telemetry)

    assert result.status == "stopped"
    assert result.stop_reason == "limit:token_budget:critic"
    [(span, _)] = captured.events(sc.EVENT_LIMIT_EXCEEDED)
    assert span.name == "invoke_agent critic"
    chats = captured.named("chat ")
    assert result.input_tokens == sum(c.attributes[sc.GEN_AI_USAGE_INPUT_TOKENS] for c in chats)


def test_async_check_functions_in_async_and_sync_runs(captured: Captured) -> None:
    async def at_least_20_async(draft: Draft, ctx: Context[None]) -> Check | None:
        await asyncio.sleep(0)
        return at_least_20(draft)

    writer = Agent("writer", output=Draft, checks=[at_least_20_async])
    flow = one_agent(writer, drafting)
    sync_result = flow.run("go", telemetry=captured.telemetry)
    async_result = asyncio.run(flow.arun("go", telemetry=captured.telemetry))

    assert sync_result.output == async_result.output == Draft(text="Now the draft is long enough.")
    assert len(captured.events(sc.EVENT_CHECK)) == 2


def test_what_a_check_may_return() -> None:
    def bad(draft: Draft) -> int:
        return 3

    writer = Agent("writer", output=Draft, checks=[bad])
    with pytest.raises(ConfigError, match="check 'bad' returned int"):
        one_agent(writer, drafting).run("go", telemetry=None)


def test_bad_check_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="needs a fallback agent"):
        Agent("a", checks=[at_least_20], on_check_fail="fallback")
    with pytest.raises(ConfigError, match="on_check_fail='later'"):
        Agent("a", on_check_fail="later")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="is not callable"):
        Agent("a", checks=["long"])
