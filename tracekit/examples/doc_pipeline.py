"""Document pipeline with parallel fan-out: plan sections, write them in parallel, review."""

from __future__ import annotations

from pydantic import BaseModel, Field

from tracekit.examples._runtime import DemoOutcome, DemoRuntime
from tracekit.orchestrator import Agent, Context, Limits, Workflow


class Doc(BaseModel):
    """The document to write about."""

    title: str
    brief: str


class Outline(BaseModel):
    """The planner's sections."""

    sections: list[str] = Field(min_length=2, max_length=5)


class Section(BaseModel):
    """A section to draft."""

    heading: str
    brief: str


class Draft(BaseModel):
    """A drafted section."""

    heading: str
    body: str
    sources: list[str] = Field(default_factory=list)


class Report(BaseModel):
    """The reviewed document."""

    title: str
    verdict: str
    score: int = Field(ge=1, le=10)


def search_notes(query: str, limit: int = 3) -> list[str]:
    """Search the team's notes for a query."""
    return [f"note {i + 1} on {query}" for i in range(min(limit, 5))]


def word_count(text: str) -> int:
    """Count the words in a text."""
    return len(text.split())


planner = Agent(
    "planner",
    instructions="Split the document into 2-5 sections, each with a clear purpose.",
    output=Outline,
)
writer = Agent(
    "writer",
    model="claude-sonnet-4-5",
    instructions="Draft the section. Use search_notes for facts and cite them.",
    tools=[search_notes, word_count],
    output=Draft,
)
reviewer = Agent(
    "reviewer",
    instructions="Review the drafts as a whole and score the document from 1 to 10.",
    output=Report,
)

workflow = Workflow("doc-pipeline", limits=Limits(max_steps=40, max_cost_usd=0.50, max_seconds=120))


@workflow.entrypoint
def write_document(ctx: Context[None], doc: Doc) -> Report:
    """Plan → write every section in parallel → review."""
    outline: Outline = ctx.call(planner, doc)
    sections = [Section(heading=h, brief=doc.brief) for h in outline.sections]
    drafts: list[Draft] = ctx.map(writer, sections, max_concurrency=3)
    report: Report = ctx.call(reviewer, drafts)
    return report


TOPICS = [
    ("Agent observability", "Why traces beat logs for multi-agent systems."),
    ("Prompt caching", "When caching pays off and how to measure it."),
    ("Replay testing", "Turning recorded runs into regression tests."),
    ("Cost control", "Budgets, routing and caches for LLM workloads."),
    ("Tool design", "Designing tools that models call correctly."),
    ("Evaluation", "Offline and online evaluation of agents."),
]


def demo(runtime: DemoRuntime, runs: int) -> list[DemoOutcome]:
    """Run the pipeline ``runs`` times with different seeds and topics."""
    return [
        runtime.run(workflow, seed, Doc(title=title, brief=brief))
        for seed, (title, brief) in ((s, TOPICS[s % len(TOPICS)]) for s in range(runs))
    ]
