"""Support desk: a router hands each ticket to a specialist; refunds need human approval;
tickets the specialists cannot settle escalate to a senior agent."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from tracekit.examples._runtime import DemoOutcome, DemoRuntime
from tracekit.models import ScriptContext, Turn
from tracekit.models.scripted import by_agent
from tracekit.orchestrator import Agent, ApprovalRequest, Context, Limits, Workflow, tool


class Ticket(BaseModel):
    """A customer ticket."""

    customer: str
    text: str
    order_id: str


class Route(BaseModel):
    """Where the router sends a ticket."""

    department: Literal["billing", "technical", "escalate"]
    reason: str


class Resolution(BaseModel):
    """How a ticket was settled."""

    resolved: bool
    action: str
    refund_usd: float = Field(default=0.0, ge=0)


def lookup_order(order_id: str) -> dict[str, object]:
    """Look up an order's status and amount."""
    amount = 20 + (sum(map(ord, order_id)) % 180)
    return {"order_id": order_id, "status": "delivered", "amount_usd": amount}


@tool(requires_approval=True)
def issue_refund(order_id: str, amount_usd: float) -> dict[str, object]:
    """Refund an order. Consequential: a human must approve it."""
    return {"order_id": order_id, "refunded_usd": amount_usd, "ok": True}


def check_status_page(component: str) -> str:
    """Read the public status page for a component."""
    return f"{component}: operational"


router = Agent("router", instructions="Classify the ticket and pick a department.", output=Route)
billing = Agent(
    "billing",
    instructions="Settle billing tickets. Look up the order; refund if justified.",
    tools=[lookup_order, issue_refund],
    output=Resolution,
)
technical = Agent(
    "technical",
    instructions="Diagnose technical problems. Check the status page first.",
    tools=[check_status_page, lookup_order],
    output=Resolution,
)
senior = Agent(
    "senior",
    model="claude-sonnet-4-5",
    instructions="You handle escalations. Decide and explain.",
    tools=[lookup_order, issue_refund],
    output=Resolution,
)

SPECIALISTS = {"billing": billing, "technical": technical}

workflow = Workflow("support-router", limits=Limits(max_steps=25, max_cost_usd=0.25))


@workflow.entrypoint
def handle_ticket(ctx: Context[None], ticket: Ticket) -> Resolution:
    """Route, let the specialist try, escalate when unresolved."""
    route: Route = ctx.call(router, ticket)
    if route.department != "escalate":
        resolution: Resolution = ctx.call(SPECIALISTS[route.department], ticket)
        if resolution.resolved:
            return resolution
    escalated: Resolution = ctx.call(senior, ticket)
    return escalated


def small_refunds_only(request: ApprovalRequest) -> bool:
    """The demo's approver: a refund under $100 is approved, a larger one denied."""
    amount = request.arguments.get("amount_usd", 0)
    return isinstance(amount, int | float) and amount < 100


def _refunding_script(ctx: ScriptContext) -> Turn:
    order_id = ctx.prompt.split('"order_id":"')[-1].split('"')[0]
    if ctx.turn == 0:
        return Turn(tool_calls=(("lookup_order", {"order_id": order_id}),))
    if ctx.turn == 1 and ctx.rng.random() < 0.7:
        amount = float(ctx.tool_results[-1]["amount_usd"]) if ctx.tool_results else 50.0
        return Turn(tool_calls=(("issue_refund", {"order_id": order_id, "amount_usd": amount}),))
    refunded = any(isinstance(r, dict) and r.get("ok") for r in ctx.tool_results)
    return ctx.final(
        resolved=refunded or ctx.rng.random() < 0.4,
        action="refunded" if refunded else "explained policy",
        refund_usd=0.0,
    )


TICKETS = [
    Ticket(customer="ana", text="I was charged twice for my order.", order_id="A-1001"),
    Ticket(customer="bo", text="The export button does nothing.", order_id="A-1002"),
    Ticket(customer="cy", text="Cancel my plan and refund the last month!!", order_id="A-1003"),
    Ticket(customer="di", text="API returns 500 since this morning.", order_id="A-1004"),
    Ticket(customer="ed", text="Refund for a damaged item please.", order_id="A-1999"),
]


def demo(runtime: DemoRuntime, runs: int) -> list[DemoOutcome]:
    """Handle ``runs`` tickets; routes, refunds and escalations vary by seed."""
    script = by_agent({"billing": _refunding_script, "senior": _refunding_script})
    return [
        runtime.run(
            workflow, seed, TICKETS[seed % len(TICKETS)], script=script, approver=small_refunds_only
        )
        for seed in range(runs)
    ]
