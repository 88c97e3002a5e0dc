"""Human approval gate for consequential tools: propose → confirm → execute.

An approver is a callback that gets the proposal and returns True to approve; an ``async def``
approver is awaited (in async runs; a sync run gives it a short-lived loop). The default asks
on the terminal when there is one and denies otherwise, so an unattended run never executes a
consequential action on its own.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel, ConfigDict


class ApprovalRequest(BaseModel):
    """A proposed tool call waiting for a decision.

    ``arguments`` is the approver's own copy: changing it changes nothing. The decision is
    on the call as proposed, which is what runs when approved and what the run records."""

    model_config = ConfigDict(frozen=True)
    agent: str
    tool: str
    arguments: dict[str, Any]


Approver = Callable[[ApprovalRequest], bool | Awaitable[bool]]


def deny_all(request: ApprovalRequest) -> bool:
    """Deny every proposal."""
    return False


def approve_all(request: ApprovalRequest) -> bool:
    """Approve every proposal (tests and trusted batch jobs)."""
    return True


_terminal = threading.Lock()


def interactive_approver(request: ApprovalRequest) -> bool:
    """Ask on the terminal; deny when stdin is not interactive.

    Parallel agents (``ctx.map``) ask one at a time, so prompts and answers never interleave.
    """
    if not sys.stdin.isatty():
        return False
    arguments = json.dumps(request.arguments, sort_keys=True)
    with _terminal:
        sys.stderr.write(
            f"\n{request.agent} wants to run {request.tool}({arguments}). Allow? [y/N] "
        )
        sys.stderr.flush()
        answer = sys.stdin.readline().strip().lower()
    return answer in ("y", "yes")


def is_interactive(approver: Approver) -> bool:
    """Whether ``approver`` asks a person (replay cannot ask one: it uses the recording).

    Approvers of our own mark themselves with an ``interactive = True`` attribute.
    """
    return approver is interactive_approver or getattr(approver, "interactive", False) is True


def policy_name(approver: Approver) -> str:
    """The approver's qualified name, recorded with each decision."""
    module = getattr(approver, "__module__", None) or "?"
    name = getattr(approver, "__qualname__", None) or type(approver).__qualname__
    return f"{module}.{name}"
