"""One workflow written twice, sync and async: handoffs, a fan-out, tools (one of them handing
off to a nested agent and writing the shared state), an approval gate, a retried model error
and a fallback. The two must record the same trace tree."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from tracekit.models import ModelRouter, ScriptContext, ScriptedModel, Turn
from tracekit.models.scripted import by_agent
from tracekit.orchestrator import Agent, Context, Limits, RetryPolicy, Workflow, approve_all, tool


class Ledger(BaseModel):
    notes: int = 0


class Brief(BaseModel):
    topic: str


class Finding(BaseModel):
    topic: str
    summary: str


class Report(BaseModel):
    title: str
    score: int


def lookup(term: str) -> str:
    """Look a term up in the glossary."""
    return f"{term}: a term of art"


@tool(name="lookup")
async def alookup(term: str) -> str:
    """Look a term up in the glossary."""
    return f"{term}: a term of art"


def note(text: str, ctx: Context[Ledger]) -> str:
    """Keep a note in the ledger."""
    with ctx.state_lock:
        ctx.state.notes += 1
    return "noted"


@tool(name="note")
async def anote(text: str, ctx: Context[Ledger]) -> str:
    """Keep a note in the ledger."""
    ctx.state.notes += 1
    return "noted"


expert = Agent("expert", instructions="Answer the question.")


def ask_expert(question: str, ctx: Context[Ledger]) -> str:
    """Ask the expert."""
    answer: str = ctx.call(expert, question)
    return answer


@tool(name="ask_expert")
async def aask_expert(question: str, ctx: Context[Ledger]) -> str:
    """Ask the expert."""
    answer: str = await ctx.acall(expert, question)
    return answer


@tool(requires_approval=True)
def publish(title: str) -> str:
    """Publish the report."""
    return f"published {title}"


@tool(name="publish", requires_approval=True)
async def apublish(title: str) -> str:
    """Publish the report."""
    return f"published {title}"


RETRY = RetryPolicy(max_attempts=3, initial_delay_s=0.01)


def agents(asynchronous: bool) -> dict[str, Agent]:
    """The agents of one twin (same names, same tools as the model sees them)."""
    backup = Agent("backup", output=Finding)
    return {
        "planner": Agent("planner", instructions="Plan.", tools=[anote if asynchronous else note]),
        "researcher": Agent(
            "researcher",
            instructions="Research the topic.",
            tools=[
                alookup if asynchronous else lookup,
                aask_expert if asynchronous else ask_expert,
                anote if asynchronous else note,
            ],
            output=Finding,
            retry=RETRY,
        ),
        "flaky": Agent("flaky", output=Finding, fallback=backup),
        "editor": Agent(
            "editor", tools=[apublish if asynchronous else publish], output=Report, retry=RETRY
        ),
    }


def script(ctx: ScriptContext) -> Turn:
    """Each agent's behaviour: a function of the request alone, so twins get equal answers."""
    agent = ctx.agent
    if agent == "planner" and ctx.turn == 0:
        return Turn(tool_calls=(("note", {"text": "plan made"}),))
    if agent == "researcher":
        if ctx.turn == 0 and ctx.attempt == 0 and "beta" in ctx.prompt:
            return Turn(error="overloaded")  # transient: retried after a back-off
        if ctx.turn == 0:
            return Turn(
                tool_calls=(
                    ("lookup", {"term": "tracing"}),
                    ("ask_expert", {"question": "why?"}),
                    ("note", {"text": "researched"}),
                )
            )
    if agent == "flaky":
        return Turn(error="model gone", transient=False)
    if agent == "editor" and ctx.turn == 0:
        return Turn(tool_calls=(("publish", {"title": "the report"}),))
    return ctx.final()


def models(seed: int = 4) -> ModelRouter:
    """A fresh scripted model (its retry bookkeeping is per instance)."""
    return ModelRouter({}, default=ScriptedModel(seed=seed, script=by_agent({}, default=script)))


LIMITS = Limits(max_steps=60, max_depth=2)
TOPICS = [Brief(topic=t) for t in ("alpha", "beta", "gamma", "delta", "epsilon")]


sync_agents = agents(asynchronous=False)
sync_flow = Workflow("twins", limits=LIMITS, state=Ledger, approver=approve_all)


@sync_flow.entrypoint
def sync_entry(ctx: Context[Ledger], title: str) -> Report:
    ctx.call(sync_agents["planner"], title)
    findings: list[Finding] = ctx.map(sync_agents["researcher"], TOPICS, max_concurrency=3)
    findings.append(ctx.call(sync_agents["flaky"], TOPICS[0]))
    report: Report = ctx.call(sync_agents["editor"], findings)
    return report


async_agents = agents(asynchronous=True)
async_flow = Workflow("twins", limits=LIMITS, state=Ledger, approver=approve_all)


@async_flow.entrypoint
async def async_entry(ctx: Context[Ledger], title: str) -> Report:
    await ctx.acall(async_agents["planner"], title)
    findings: list[Finding] = await ctx.amap(async_agents["researcher"], TOPICS, max_concurrency=3)
    findings.append(await ctx.acall(async_agents["flaky"], TOPICS[0]))
    report: Report = await ctx.acall(async_agents["editor"], findings)
    return report


def run_options(**extra: Any) -> dict[str, Any]:
    """What both twins are run with: the same seed and conversation, no real back-off."""
    return {"conversation_id": "conv-twins", "seed": 11, **extra}
