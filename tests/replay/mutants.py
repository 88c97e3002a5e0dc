"""A small workflow written to a module on disk, so a test can record it, edit it, and replay.

Replay imports the entrypoint by its recorded ``module:qualname``, exactly as it would after a
user edits their code; each test gets its own module name so imports never leak between tests.
"""

from __future__ import annotations

import importlib
import itertools
import shutil
import sys
from pathlib import Path
from typing import Any

TEMPLATE = '''
from pydantic import BaseModel
from tracekit import Agent, Context, ModelRouter, ScriptedModel, Workflow
from tracekit.models.scripted import Turn, by_agent


class Ticket(BaseModel):
    text: str


class Plan(BaseModel):
    steps: list[str]


class Answer(BaseModel):
    text: str


class Summary(BaseModel):
    headline: str
{summary_extra}


def lookup(query: str, limit: int = 3) -> list[str]:
    """Look a query up in the knowledge base."""
    return [f"{{query}} result {{i}}" for i in range(limit)]


def fetch(url: str) -> str:
    """Fetch a page."""
    return "page at " + url


planner = Agent("planner", instructions={planner_prompt!r}, output=Plan)
researcher = Agent(
    "researcher", instructions="Research each step.", tools=[lookup, fetch], output=Answer
)
writer = Agent("writer", instructions="Summarise the research.", output=Summary)


def _researcher(ctx):
    if ctx.turn == 0:
        return Turn(tool_calls=(({tool!r}, {arguments!r}),))
    return ctx.final(text="researched")


SCRIPT = by_agent({{"researcher": _researcher}})
MODELS = ModelRouter({{}}, default=ScriptedModel(seed=7, script=SCRIPT))
workflow = Workflow("mutant", models=MODELS)


@workflow.entrypoint
def run(ctx: Context[None], ticket: Ticket) -> Summary:
    plan = ctx.call(planner, ticket)
{body}
'''

ORIGINAL_BODY = """\
    answer = ctx.call(researcher, plan)
    return ctx.call(writer, answer)
"""

DEFAULTS: dict[str, Any] = {
    "planner_prompt": "Plan the work in steps.",
    "tool": "lookup",
    "arguments": {"query": "refund policy"},
    "summary_extra": "",
    "body": ORIGINAL_BODY,
}

_counter = itertools.count()


class MutantModule:
    """One workflow module on disk; :meth:`write` (re)writes it with some mutations."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.name = f"replay_mutant_{next(_counter)}"
        folder.mkdir(parents=True, exist_ok=True)
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))

    def write(self, **mutations: Any) -> Any:
        """Write the module with ``mutations`` over the defaults; return it freshly imported."""
        values = {**DEFAULTS, **mutations}
        (self.folder / f"{self.name}.py").write_text(TEMPLATE.format(**values))
        sys.modules.pop(self.name, None)
        # Two versions written within one second can share mtime and size: drop the bytecode.
        shutil.rmtree(self.folder / "__pycache__", ignore_errors=True)
        importlib.invalidate_caches()
        return importlib.import_module(self.name)


class SourceModule(MutantModule):
    """A module on disk written from a whole source text (``template.format(**values)``)."""

    def __init__(self, folder: Path, template: str, **defaults: Any) -> None:
        super().__init__(folder)
        self.template = template
        self.defaults = defaults

    def write(self, **mutations: Any) -> Any:
        """Write the module with ``mutations`` over the defaults; return it freshly imported."""
        values = {**self.defaults, **mutations}
        (self.folder / f"{self.name}.py").write_text(self.template.format(**values))
        sys.modules.pop(self.name, None)
        shutil.rmtree(self.folder / "__pycache__", ignore_errors=True)
        importlib.invalidate_caches()
        return importlib.import_module(self.name)
