"""Async fan-out: plan the questions, research them all at once with ``amap``, then
synthesise — and run several cases at once on one event loop, as a web service or an eval
would (``await workflow.arun(...)``)."""

from __future__ import annotations

import asyncio

from pydantic import BaseModel, Field

from tracekit.examples._runtime import DemoOutcome, DemoRuntime
from tracekit.orchestrator import Agent, Context, Limits, Workflow


class Subject(BaseModel):
    """What to research."""

    name: str
    angle: str


class Questions(BaseModel):
    """The planner's questions."""

    questions: list[str] = Field(min_length=2, max_length=6)


class Answer(BaseModel):
    """One researched answer."""

    question: str
    answer: str
    sources: list[str] = Field(default_factory=list)


class Brief(BaseModel):
    """The synthesis."""

    subject: str
    summary: str
    confidence: float = Field(ge=0, le=1)


async def search_papers(query: str, limit: int = 3) -> list[str]:
    """Search the paper index for a query."""
    await asyncio.sleep(0)  # a real index is a network call: other questions go on meanwhile
    return [f"paper {i + 1} on {query}" for i in range(min(limit, 5))]


def cite(source: str) -> str:
    """Format a source as a citation."""
    return f"[{source}]"


planner = Agent(
    "question-planner",
    instructions="Break the subject into 2-6 research questions.",
    output=Questions,
)
researcher = Agent(
    "paper-researcher",
    instructions="Answer the question from papers; cite them.",
    tools=[search_papers, cite],
    output=Answer,
)
synthesiser = Agent(
    "synthesiser",
    model="claude-sonnet-4-5",
    instructions="Synthesise the answers into one brief, with a confidence.",
    output=Brief,
)

workflow = Workflow(
    "async-research", limits=Limits(max_steps=40, max_cost_usd=0.50, max_seconds=120)
)


@workflow.entrypoint
async def research(ctx: Context[None], subject: Subject) -> Brief:
    """Plan → research every question at once (``amap``) → synthesise."""
    plan: Questions = await ctx.acall(planner, subject)
    answers: list[Answer] = await ctx.amap(researcher, plan.questions, max_concurrency=4)
    brief: Brief = await ctx.acall(synthesiser, answers)
    return brief


SUBJECTS = [
    ("Speculative decoding", "when it speeds up inference"),
    ("Retrieval augmentation", "what fails in production"),
    ("Agent memory", "short-term versus long-term stores"),
    ("Tool use", "how models pick the right tool"),
]


def demo(runtime: DemoRuntime, runs: int) -> list[DemoOutcome]:
    """Run ``runs`` cases concurrently on one event loop, each with its own seed."""

    async def all_cases() -> list[DemoOutcome]:
        cases = (
            runtime.arun(workflow, seed, Subject(name=name, angle=angle))
            for seed, (name, angle) in ((s, SUBJECTS[s % len(SUBJECTS)]) for s in range(runs))
        )
        return list(await asyncio.gather(*cases))

    return asyncio.run(all_cases())
