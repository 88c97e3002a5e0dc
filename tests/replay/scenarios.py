"""Workflow modules the replay tests record, edit and replay (see :class:`SourceModule`).

Each is a ``str.format`` template: ``{{``/``}}`` are literal braces, ``{name}`` a mutation point.
"""

from __future__ import annotations

from typing import Any

#: Matches a uuid4 (a mask for ``ignore=``).
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"

#: A clerk with a priced tool, a gated refund and a state-writing note.
DECISIONS = '''
from pydantic import BaseModel
from tracekit import Agent, Context, Limits, ModelRouter, ScriptedModel, Workflow
from tracekit.models.scripted import Turn, by_agent
from tracekit.orchestrator.approval import approve_all, deny_all, interactive_approver
from tracekit.orchestrator.tools import tool


class Ledger(BaseModel):
    count: int = 0


@tool(replay={replay!r})
def {price_name}({price_param}: str) -> dict:
    """Price an item."""
    return {{"item": {price_param}, "total": {total}, "currency": "EUR"}}


@tool(requires_approval={gated})
def refund(amount: int) -> str:
    """Refund an amount."""
    return f"refunded {{amount}}"


def note(text: str, ctx: Context[Ledger]) -> str:
    """Write a note to the ledger."""
    ctx.state.count += {increment}
    return "noted"


def _clerk(ctx):
    if ctx.turn == 0:
        return Turn(tool_calls=(
            ("{price_name}", {{"item": "book"}}),
            ("refund", {{"amount": 5}}),
            ("note", {{"text": "done"}}),
        ))
    return Turn(text="all done")


MODELS = ModelRouter({{}}, default=ScriptedModel(seed=3, script=by_agent({{"clerk": _clerk}})))
clerk = Agent("clerk", instructions="Serve the customer.", tools=[{price_name}, refund, note])
workflow = Workflow(
    "decisions", state=Ledger, models=MODELS, approver={approver}, limits=Limits({limits})
)


@workflow.entrypoint
def run(ctx: Context[Ledger], text: str) -> str:
    out = ctx.call(clerk, text)
    return {output}
'''

DECISION_DEFAULTS: dict[str, Any] = {
    "replay": "recorded",
    "price_name": "price",
    "price_param": "item",
    "total": 10,
    "gated": True,
    "increment": 1,
    "approver": "approve_all",
    "limits": "",
    "output": "out",
}

#: A fan-out of ``{agent}`` over items: drafters fall back, researchers hand off to an expert.
FAN_OUT = '''
from tracekit import Agent, Context, Limits, ModelRouter, ScriptedModel, Workflow
from tracekit.models.scripted import Turn, by_agent
from tracekit.orchestrator.limits import CircuitBreaker, RetryPolicy

ONCE = RetryPolicy(max_attempts=1)


def never_opens():
    # Which odd items fail in a row depends on thread timing; a breaker opening on that
    # would change what is recorded (breakers across runs have their own test).
    return CircuitBreaker(failure_threshold=1000)


def _drafter(ctx):
    if "odd" in ctx.prompt:
        return Turn(error="the drafter cannot do odd items", transient=False)
    return Turn(text="draft of " + ctx.prompt)


def _backup(ctx):
    return Turn(text="backup draft of " + ctx.prompt)


def _researcher(ctx):
    if ctx.turn == 0:
        return Turn(tool_calls=(("ask_expert", {{"question": ctx.prompt}}),))
    return Turn(text="researched " + ctx.prompt)


def _expert(ctx):
    if "odd" in ctx.prompt:
        return Turn(error="the expert cannot do odd items", transient=False)
    return Turn(text="the expert on " + ctx.prompt)


SCRIPT = by_agent({{
    "drafter": _drafter, "backup": _backup, "researcher": _researcher, "expert": _expert,
}})
MODELS = ModelRouter({{}}, default=ScriptedModel(seed=5, script=SCRIPT, latency_s={latency}))
backup = Agent("backup", instructions="Draft anything.")
drafter = Agent(
    "drafter",
    instructions="Draft one item.",
    fallback=backup,
    retry=ONCE,
    circuit_breaker=never_opens(),
)
expert = Agent(
    "expert",
    instructions="Know things.",
    fallback=backup,
    retry=ONCE,
    circuit_breaker=never_opens(),
)


def ask_expert(question: str, ctx: Context[None]) -> str:
    """Ask the expert."""
    return ctx.call(expert, question)


researcher = Agent("researcher", instructions="Research.", tools=[ask_expert])
workflow = Workflow("fan-out", models=MODELS, limits=Limits(max_depth=2))


@workflow.entrypoint
def run(ctx: Context[None], items: list[str]) -> list[str]:
    return ctx.map({agent}, items, max_concurrency=4)
'''

#: A flaky agent behind a breaker on a settable clock, and a workflow with a response cache.
BREAKER = """
from tracekit import Agent, Context, ModelRouter, ScriptedModel, Workflow
from tracekit.models.routing import ResponseCache
from tracekit.models.scripted import Turn, by_agent
from tracekit.orchestrator.limits import CircuitBreaker, RetryPolicy

NOW = [0.0]


def _flaky(ctx):
    if "bad" in ctx.prompt:
        return Turn(error="the service is down", transient=False)
    return Turn(text="served " + ctx.prompt)


def _steady(ctx):
    return Turn(text="steady " + ctx.prompt)


SCRIPT = by_agent({{"flaky": _flaky, "steady": _steady}})
MODELS = ModelRouter({{}}, default=ScriptedModel(seed=1, script=SCRIPT))
steady = Agent("steady", instructions="Always there.")
flaky = Agent(
    "flaky",
    instructions="Often down.",
    fallback=steady,
    retry=RetryPolicy(max_attempts=1),
    circuit_breaker=CircuitBreaker(failure_threshold=2, reset_after_s=10, clock=lambda: NOW[0]),
)
workflow = Workflow("breaker", models=MODELS)
cached = Workflow("cached", models=MODELS, cache=ResponseCache())


@workflow.entrypoint
def run(ctx: Context[None], text: str) -> str:
    return ctx.call(flaky, text)


@cached.entrypoint
def run_cached(ctx: Context[None], text: str) -> str:
    return ctx.call(steady, text)
"""

#: Random draws, the clock and a ticket id (``{ticket}``) in a prompt.
RANDOM_AND_TIME = """
import random
import time
import uuid
from datetime import datetime

from tracekit import Agent, Context, ModelRouter, ScriptedModel, Workflow

echo = Agent("echo", instructions="Repeat.")
workflow = Workflow("volatile", models=ModelRouter({{}}, default=ScriptedModel(seed=0)))


@workflow.entrypoint
def run(ctx: Context[None], text: str) -> str:
    stamp = (
        f"{{random.random():.12f}} {{random.randint(0, 10**9)}} {{random.choice('abcdef')}} "
        f"{{datetime.now():%Y-%m-%d %H:%M}} {{time.strftime('%Y-%m-%d')}} "
        f"{{int(time.time()) // 60}}"
    )
    ticket = {ticket}
    return ctx.call(echo, f"{{text}} at {{stamp}} ticket {{ticket}}{suffix}")
"""

#: Random draws between agent calls and in a fan-out's calls (every span before them
#: started in the run: the draws come after the spans' ids).
RANDOM_BETWEEN_CALLS = """
import random

from tracekit import Agent, Context, ModelRouter, ScriptedModel, Workflow

echo = Agent("echo", instructions="Repeat.")
workflow = Workflow("lucky", models=ModelRouter({{}}, default=ScriptedModel(seed=0)))


@workflow.entrypoint
def run(ctx: Context[None], text: str) -> str:
    first = ctx.call(echo, text)
    lucky = random.randint(0, 10**9)
    second = ctx.call(echo, f"{{first}} lucky {{lucky}}")
    return f"{{second}} then {{random.random():.12f}}"
"""

#: An output holding values JSON spells its own way: NaN, and a datetime (written as its str()).
ODD_OUTPUT = """
from datetime import datetime, timezone

from tracekit import Agent, Context, ModelRouter, ScriptedModel, Workflow

echo = Agent("echo", instructions="Repeat.")
workflow = Workflow("odd-output", models=ModelRouter({{}}, default=ScriptedModel(seed=0)))


@workflow.entrypoint
def run(ctx: Context[None], text: str) -> dict[str, object]:
    said = ctx.call(echo, {{"text": text, "weight": float("nan")}})
    return {{
        "said": said,
        "score": float("nan"),
        "at": datetime(2030, 1, 1, 12, 0, tzinfo=timezone.utc),
    }}
"""
