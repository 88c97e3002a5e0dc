"""Guardrails at work: a research agent that loops, overspends, hits flaky tools and an
overloaded model — and the limits, loop detector, retries and fallback that catch it."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, Field

from tracekit.examples._runtime import DemoOutcome, DemoRuntime
from tracekit.models import ScriptContext, Turn
from tracekit.models.scripted import by_agent
from tracekit.orchestrator import Agent, Context, Limits, RetryPolicy, Workflow

Scenario = Literal["normal", "loop", "runaway", "flaky-tool", "overloaded", "broken"]


class Question(BaseModel):
    """A research question; ``scenario`` steers the offline model's behaviour."""

    topic: str
    scenario: Scenario = "normal"


class Findings(BaseModel):
    """What the research found."""

    summary: str
    sources: list[str] = Field(default_factory=list)
    confidence: float = Field(ge=0, le=1)


def fetch_page(url: str) -> str:
    """Fetch a web page's text."""
    if "flaky" in url:
        raise ConnectionError(f"connection reset while fetching {url}")
    return f"<article>Contents of {url}</article>"


def search_web(query: str) -> list[str]:
    """Search the web; returns result URLs."""
    slug = "-".join(query.lower().split())[:40]
    return [f"https://docs.example/{slug}/{i}" for i in range(3)]


def read_archive(topic: str) -> str:
    """Read the team's archived summary of a topic."""
    if topic.startswith("unknown"):
        raise KeyError(f"no archived summary for {topic!r}")
    return f"Archived summary of {topic}."


archivist = Agent(
    "archivist",
    instructions="Answer from the archive only.",
    tools=[read_archive],
    output=Findings,
)
researcher = Agent(
    "researcher",
    model="claude-sonnet-4-5",
    instructions="Research the topic on the web and report findings with sources.",
    tools=[search_web, fetch_page],
    output=Findings,
    fallback=archivist,
    retry=RetryPolicy(max_attempts=3, initial_delay_s=0.05),
)

workflow = Workflow("guarded-research", limits=Limits(max_steps=12, max_cost_usd=0.05))


@workflow.entrypoint
def research(ctx: Context[None], question: Question) -> Findings:
    """One research call; the researcher falls back to the archivist if it fails."""
    findings: Findings = ctx.call(researcher, question)
    return findings


def _scenario(ctx: ScriptContext) -> tuple[str, str]:
    data = json.loads(ctx.prompt)
    return str(data.get("scenario", "normal")), str(data.get("topic", ""))


def _researcher_script(ctx: ScriptContext) -> Turn:
    scenario, topic = _scenario(ctx)
    if scenario == "loop":
        return Turn(tool_calls=(("fetch_page", {"url": "https://docs.example/pricing"}),))
    if scenario == "runaway":
        return Turn(tool_calls=(("search_web", {"query": f"{topic} part {ctx.turn}"}),))
    if scenario in ("flaky-tool", "broken"):
        return Turn(tool_calls=(("fetch_page", {"url": f"https://flaky.example/{ctx.turn}"}),))
    if scenario == "overloaded" and ctx.attempt < 2:
        return Turn(error="overloaded_error: the model is overloaded, try again")
    if ctx.turn == 0:
        return Turn(tool_calls=(("search_web", {"query": topic}),))
    return ctx.final(sources=[str(s) for s in (ctx.tool_results[0] if ctx.tool_results else [])])


def _archivist_script(ctx: ScriptContext) -> Turn:
    scenario, topic = _scenario(ctx)
    if ctx.turn == 0:
        archived = f"unknown {topic}" if scenario == "broken" else topic
        return Turn(tool_calls=(("read_archive", {"topic": archived}),))
    return ctx.final(confidence=0.4)


SCENARIOS: list[tuple[str, Scenario]] = [
    ("vector databases", "normal"),
    ("pricing pages", "loop"),
    ("agent frameworks", "runaway"),
    ("llm evaluation", "flaky-tool"),
    ("prompt caching", "overloaded"),
    ("quantum tea", "broken"),
]


def demo(runtime: DemoRuntime, runs: int) -> list[DemoOutcome]:
    """Cycle through the scenarios ``runs`` times; failed runs are recorded and returned."""
    script = by_agent({"researcher": _researcher_script, "archivist": _archivist_script})
    return [
        runtime.run(workflow, seed, Question(topic=topic, scenario=scenario), script=script)
        for seed, (topic, scenario) in ((s, SCENARIOS[s % len(SCENARIOS)]) for s in range(runs))
    ]
