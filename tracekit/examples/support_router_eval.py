"""An eval suite for the support router: run it with ``tracekit eval`` (offline, no API key).

``tracekit demo`` writes a copy of this file and runs it twice: as the baseline, then with a
changed billing prompt (``--instructions billing=@billing_prompt.txt``) that skips the order
lookup. The candidate is cheaper, and refunds the wrong amount.

    tracekit eval support_router_eval.py
    tracekit eval support_router_eval.py --baseline latest \\
        --instructions billing=@billing_prompt.txt --max-regressions 0
"""

from __future__ import annotations

import json

from tracekit.evals import Case, expected_tools, json_fields, within_budget
from tracekit.examples.support_router import Ticket, workflow
from tracekit.models import ModelRouter, ScriptContext, ScriptedModel, Turn
from tracekit.models.scripted import by_agent
from tracekit.orchestrator import ApprovalRequest

name = "support-router"

#: The changed prompt the demo's candidate runs with.
CANDIDATE_BILLING_PROMPT = (
    "Settle billing tickets fast: refund at once without looking up the order."
)


def _ticket(ctx: ScriptContext) -> dict[str, str]:
    try:
        value = json.loads(ctx.prompt)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _router(ctx: ScriptContext) -> Turn:
    text = _ticket(ctx).get("text", "").lower()
    if any(word in text for word in ("charged", "refund", "invoice")):
        department = "billing"
    elif any(word in text for word in ("button", "api", "error", "500")):
        department = "technical"
    else:
        department = "escalate"
    return ctx.final(department=department, reason=f"keywords in: {text[:40]}")


def _billing(ctx: ScriptContext) -> Turn:
    order_id = _ticket(ctx).get("order_id", "")
    hasty = "without looking up" in (ctx.request.system or "")
    refunded = [r for r in ctx.tool_results if isinstance(r, dict) and r.get("ok")]
    if refunded:
        return ctx.final(resolved=True, action="refunded", refund_usd=refunded[-1]["refunded_usd"])
    if hasty and ctx.turn == 0:
        return Turn(tool_calls=(("issue_refund", {"order_id": order_id, "amount_usd": 100.0}),))
    if ctx.turn == 0:
        return Turn(tool_calls=(("lookup_order", {"order_id": order_id}),))
    if ctx.turn == 1 and ctx.tool_results:
        amount = float(ctx.tool_results[-1]["amount_usd"])
        return Turn(tool_calls=(("issue_refund", {"order_id": order_id, "amount_usd": amount}),))
    return ctx.final(resolved=False, action="explained policy", refund_usd=0.0)


def _technical(ctx: ScriptContext) -> Turn:
    if ctx.turn == 0:
        return Turn(tool_calls=(("check_status_page", {"component": "api"}),))
    return ctx.final(resolved=True, action="status page checked", refund_usd=0.0)


def _senior(ctx: ScriptContext) -> Turn:
    return ctx.final(resolved=False, action="explained policy", refund_usd=0.0)


SCRIPT = by_agent(
    {"router": _router, "billing": _billing, "technical": _technical, "senior": _senior}
)


def models(case: Case, repeat: int) -> ModelRouter:
    """Offline: the scripted model, the same answers every time."""
    return ModelRouter({}, default=ScriptedModel(seed=repeat, script=SCRIPT))


def approver(request: ApprovalRequest) -> bool:
    """Refunds up to $150 are approved."""
    amount = request.arguments.get("amount_usd", 0)
    return isinstance(amount, int | float) and amount <= 150


cases = [
    Case(
        "double-charge",
        Ticket(customer="ana", text="I was charged twice for my order.", order_id="A-1001"),
        expected={"resolved": True, "refund_usd": 144.0},
        expected_tools=("lookup_order", "issue_refund"),
        max_steps=12,
    ),
    Case(
        "export-button",
        Ticket(customer="bo", text="The export button does nothing.", order_id="A-1002"),
        expected={"resolved": True},
        expected_tools=("check_status_page", "!issue_refund"),
        max_steps=12,
    ),
    Case(
        "refund-last-month",
        Ticket(customer="cy", text="Cancel my plan and refund the last month!", order_id="A-1003"),
        expected={"resolved": True, "refund_usd": 146.0},
        expected_tools=("lookup_order", "issue_refund"),
        max_steps=12,
    ),
    Case(
        "api-500",
        Ticket(customer="di", text="API returns 500 since this morning.", order_id="A-1004"),
        expected={"resolved": True},
        expected_tools=("check_status_page", "!issue_refund"),
        max_steps=12,
    ),
]

graders = [json_fields(), expected_tools(), within_budget()]

__all__ = ["CANDIDATE_BILLING_PROMPT", "approver", "cases", "graders", "models", "name", "workflow"]
