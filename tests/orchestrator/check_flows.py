"""Workflows with checks and streams, written twice (sync and async) so the twins can be
compared, and importable by replay (it imports an entrypoint by its recorded path).

A drafter whose first draft is too short for its check (retried with the reason), and a
streamed teller whose first telling a critic rejects in a reflection checkpoint (retried).
Every model answer is a function of the request, so twins and replays get equal answers.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from tracekit.models import ModelRouter, ScriptContext, ScriptedModel, TextDelta, Turn
from tracekit.models.scripted import by_agent
from tracekit.orchestrator import (
    Agent,
    Check,
    CheckEvent,
    Context,
    FinalOutput,
    Limits,
    Verdict,
    Workflow,
    reflect,
)

#: The check's bar; a test raises it between a recording and its replay.
BAR = {"min_chars": 20}


class Draft(BaseModel):
    text: str


class Story(BaseModel):
    draft: str
    text: str
    deltas: list[str]
    checks: list[str]


def long_enough(draft: Draft, ctx: Context[Any]) -> Check:
    """A draft needs at least ``BAR["min_chars"]`` characters."""
    wanted = BAR["min_chars"]
    if len(draft.text) >= wanted:
        return Check.ok()
    return Check.fail(f"too short: {len(draft.text)} characters, at least {wanted} needed")


async def along_enough(draft: Draft, ctx: Context[Any]) -> Check:
    """:func:`long_enough`, as an ``async def`` check."""
    return long_enough(draft, ctx)


along_enough.__name__ = "long_enough"  # the twins record the same check name


def told_to_fix(ctx: ScriptContext) -> int:
    """How many times the conversation says an answer failed a check."""
    return sum(
        "failed the check" in str(part)
        for message in ctx.request.messages
        for part in message.parts
    )


def script(ctx: ScriptContext) -> Turn:
    if ctx.agent == "drafter":
        if told_to_fix(ctx):
            return ctx.final(text="A draft that is long enough to pass.")
        return ctx.final(text="Too short.")
    if ctx.agent == "stubborn":
        return ctx.final(text="Short.")
    if ctx.agent == "teller":
        if told_to_fix(ctx):
            return Turn(text="Once upon a time, on a second look, a trace replayed.")
        return Turn(text="Once upon a time.")
    if ctx.agent == "critic":
        if "second look" in ctx.prompt:
            return ctx.final(ok=True, reason="")
        return ctx.final(ok=False, reason="give it a second look")
    return ctx.final()


def models(seed: int = 3) -> ModelRouter:
    """A fresh scripted model."""
    return ModelRouter({}, default=ScriptedModel(seed=seed, script=by_agent({}, default=script)))


critic = Agent("critic", instructions="Verify the story.", output=Verdict)


def agents(asynchronous: bool) -> dict[str, Agent]:
    return {
        "drafter": Agent(
            "drafter",
            instructions="Draft it.",
            output=Draft,
            checks=[along_enough if asynchronous else long_enough],
        ),
        "teller": Agent("teller", instructions="Tell it.", checks=[reflect(critic)]),
    }


LIMITS = Limits(max_steps=30)


def collect(story: list[Any], event: Any) -> None:
    """Keep what a stream event says, in order."""
    if isinstance(event, TextDelta):
        story.append(("delta", event.text))
    elif isinstance(event, CheckEvent):
        story.append(("check", f"{event.check}:{event.action}"))
    elif isinstance(event, FinalOutput):
        story.append(("output", event.output))


def story_of(draft: Draft, events: list[Any]) -> Story:
    return Story(
        draft=draft.text,
        text=next(value for kind, value in events if kind == "output"),
        deltas=[value for kind, value in events if kind == "delta"],
        checks=[value for kind, value in events if kind == "check"],
    )


sync_agents = agents(asynchronous=False)
sync_flow = Workflow("checked-story", limits=LIMITS)


@sync_flow.entrypoint
def sync_entry(ctx: Context[None], topic: str) -> Story:
    draft: Draft = ctx.call(sync_agents["drafter"], topic)
    events: list[Any] = []
    for event in ctx.stream(sync_agents["teller"], draft.text):
        collect(events, event)
    return story_of(draft, events)


async_agents = agents(asynchronous=True)
async_flow = Workflow("checked-story", limits=LIMITS)


@async_flow.entrypoint
async def async_entry(ctx: Context[None], topic: str) -> Story:
    draft: Draft = await ctx.acall(async_agents["drafter"], topic)
    events: list[Any] = []
    async for event in ctx.astream(async_agents["teller"], draft.text):
        collect(events, event)
    return story_of(draft, events)


def run_options(**extra: Any) -> dict[str, Any]:
    """What both twins are run with."""
    return {"conversation_id": "conv-checked", "seed": 5, **extra}
