"""Suite modules the eval tests write into ``tmp_path`` (each one a user's suite file)."""

from __future__ import annotations

from pathlib import Path

SUPPORT = "from tracekit.examples.support_router_eval import *  # noqa: F403\n"

FAILING_CASES = """
from tracekit.evals import Case, expected_tools, json_fields
from tracekit.examples.support_router import Ticket, workflow
from tracekit.examples.support_router_eval import approver, models
from tracekit.exceptions import ToolError

name = "mixed"


def explode(case, result):
    if case.name == "boom-grader":
        raise ValueError("grader bug")
    return True


cases = [
    Case("ok", Ticket(customer="a", text="The export button does nothing.", order_id="A-1002"),
         expected={"resolved": True}),
    Case("bad-input", {"nonsense": 1}),
    Case("tight-budget", Ticket(customer="b", text="I was charged twice.", order_id="A-1001"),
         expected={"resolved": True}, max_steps=2),
    Case("boom-grader", Ticket(customer="c", text="API returns 500.", order_id="A-1004")),
]
graders = [json_fields(), expected_tools(), explode]
"""

BROKEN_GRADER = """
from tracekit.evals import Case
from tracekit.examples.support_router import Ticket, workflow
from tracekit.examples.support_router_eval import approver, models

cases = [Case("one", Ticket(customer="a", text="API returns 500.", order_id="A-1004")),
         Case("two", Ticket(customer="b", text="The export button.", order_id="A-1002"))]


def always_broken(case, result):
    raise KeyError("no such field")


graders = [always_broken]
"""

NO_CASES = "from tracekit.examples.support_router import workflow\ncases = []\n"
DOES_NOT_IMPORT = "import not_a_module_anywhere\n"


def write(folder: Path, text: str, name: str = "suite.py") -> Path:
    """Write a suite module; return its path."""
    path = folder / name
    path.write_text(text)
    return path


SLOW_AND_INTERRUPTING = '''
import _thread
import time

from tracekit import Agent, Context, ModelRouter, ScriptedModel, Workflow
from tracekit.evals import Case
from tracekit.models import Turn


def nap(seconds: float) -> str:
    """Sleep a while."""
    time.sleep(seconds)
    return "rested"


def press_ctrl_c(reason: str) -> str:
    """As if the user pressed Ctrl-C."""
    _thread.interrupt_main()
    time.sleep(0.5)
    return "pressed"


def script(ctx):
    if ctx.turn == 0:
        tool = "press_ctrl_c" if "ctrl-c" in ctx.prompt else "nap"
        seconds = 1.5 if "slow" in ctx.prompt else 0.0
        args = {"reason": "x"} if tool == "press_ctrl_c" else {"seconds": seconds}
        return Turn(tool_calls=((tool, args),))
    return Turn(text="done")


worker = Agent("worker", tools=[nap, press_ctrl_c])
workflow = Workflow("sleepy", models=ModelRouter({}, default=ScriptedModel(script=script)))


@workflow.entrypoint
def run(ctx: Context[None], text: str) -> str:
    return ctx.call(worker, text)


cases = [Case("fast", "fast"), Case("slow", "slow"), Case("after", "fast again")]
'''

INTERRUPTING = SLOW_AND_INTERRUPTING.replace(
    'cases = [Case("fast", "fast"), Case("slow", "slow"), Case("after", "fast again")]',
    'cases = [Case("first", "fast"), Case("second", "fast"), Case("stop", "ctrl-c"), '
    'Case("never", "fast")]',
)
