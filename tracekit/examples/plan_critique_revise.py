"""Plan–critique–revise: draft, let a critic judge, revise until approved or out of rounds.

The first draft is checked before the critic sees it (``checks=[substantive]``): a draft too
thin to critique is sent back to the drafter with the reason, and the retry shows in the TUI
as a ``tracekit.check`` mark on the drafter's span.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from tracekit.examples._runtime import DemoOutcome, DemoRuntime
from tracekit.models import ScriptContext, Turn
from tracekit.models.scripted import by_agent
from tracekit.orchestrator import Agent, Check, Context, Limits, Workflow


class Task(BaseModel):
    """What to produce."""

    goal: str
    max_rounds: int = Field(default=3, ge=1, le=6)


class Proposal(BaseModel):
    """A draft answer."""

    text: str


class Critique(BaseModel):
    """The critic's verdict on a proposal."""

    approved: bool
    issues: list[str] = Field(default_factory=list, max_length=4)


class Revision(BaseModel):
    """A proposal and the critique to address."""

    proposal: Proposal
    critique: Critique


class EditorState(BaseModel):
    """Shared state: how many rounds ran and the critic's latest issues."""

    rounds: int = 0
    open_issues: list[str] = Field(default_factory=list)


def check_facts(claim: str) -> dict[str, bool]:
    """Check a claim against the fact base."""
    return {"supported": len(claim) % 3 != 0}


#: Fewer words than this is no proposal yet.
MIN_WORDS = 8


def substantive(proposal: Proposal, ctx: Context[EditorState]) -> Check:
    """A check on the draft: enough words for the critic to judge."""
    words = len(proposal.text.split())
    if words >= MIN_WORDS:
        return Check.ok()
    return Check.fail(f"only {words} words: write at least {MIN_WORDS}, covering the whole goal")


drafter = Agent(
    "drafter",
    instructions="Write a first proposal for the goal.",
    output=Proposal,
    checks=[substantive],
    on_check_fail="retry",
    max_check_retries=2,
)
critic = Agent(
    "critic",
    model="claude-sonnet-4-5",
    instructions="Judge the proposal strictly. List concrete issues. Approve only if none.",
    tools=[check_facts],
    output=Critique,
)
reviser = Agent("reviser", instructions="Revise the proposal to fix every issue.", output=Proposal)

workflow = Workflow(
    "plan-critique-revise",
    state=EditorState,
    limits=Limits(max_steps=40, max_cost_usd=0.50),
)


@workflow.entrypoint
def refine(ctx: Context[EditorState], task: Task) -> Proposal:
    """Draft, then critique and revise until the critic approves or rounds run out."""
    proposal: Proposal = ctx.call(drafter, task)
    for round_number in range(1, task.max_rounds + 1):
        critique: Critique = ctx.call(critic, proposal)
        ctx.state.rounds = round_number
        ctx.state.open_issues = critique.issues
        if critique.approved:
            break
        proposal = ctx.call(reviser, Revision(proposal=proposal, critique=critique))
    return proposal


def _drafter_script(ctx: ScriptContext) -> Turn:
    # Most first drafts are a stub that fails the check; told why, the drafter writes it out.
    told = any("failed the check" in str(p) for m in ctx.request.messages for p in m.parts)
    if not told and ctx.seed % 3 != 2:
        return ctx.final(text="Draft: to be written.")
    goal = ctx.prompt[:60]
    return ctx.final(text=f"Proposal for {goal}: the scope, the plan, the risks and the owners.")


def _critic_script(ctx: ScriptContext) -> Turn:
    # A strict critic: most proposals need a revision or two, so runs differ in length.
    if ctx.turn == 0 and ctx.rng.random() < 0.5:
        return Turn(tool_calls=(("check_facts", {"claim": ctx.prompt[:40]}),))
    approved = ctx.rng.random() < 0.35
    issues = [] if approved else [f"issue {i + 1}" for i in range(ctx.rng.randint(1, 3))]
    return ctx.final(approved=approved, issues=issues)


GOALS = [
    "A launch announcement for the tracing feature",
    "An incident summary for the checkout outage",
    "A migration guide from v1 to v2 of the API",
    "A one-page design for prompt caching",
]


def demo(runtime: DemoRuntime, runs: int) -> list[DemoOutcome]:
    """Run the loop ``runs`` times; the critic's verdicts vary by seed."""
    script = by_agent({"critic": _critic_script, "drafter": _drafter_script})
    return [
        runtime.run(
            workflow,
            seed,
            Task(goal=GOALS[seed % len(GOALS)], max_rounds=2 + seed % 3),
            script=script,
        )
        for seed in range(runs)
    ]
