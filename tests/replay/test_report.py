"""The divergence report as a reader sees it: what changed, where, and what happened on the way.

Each test records a real run of a small workflow written to disk, edits the workflow as a user
would, replays it, and reads the report in plain text (as pytest shows it) and as JSON.
"""

from __future__ import annotations

import importlib
import itertools
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from replay import DivergenceReport, ReplaySession
from replay.recorder import record_workflow
from tests.recording import REPO_ROOT

TRACES = REPO_ROOT / "fixtures" / "traces"

TEMPLATE = '''
from pydantic import BaseModel
from tracekit import Agent, Context, Limits, ModelRouter, ScriptedModel, Workflow
from tracekit.models.scripted import Turn, by_agent
from tracekit.orchestrator.limits import CircuitBreaker


class Answer(BaseModel):
    text: str


helper = Agent("helper", instructions={helper_prompt!r}, output=Answer)
flaky = Agent(
    "flaky", circuit_breaker=CircuitBreaker(failure_threshold=1), fallback=helper, output=Answer
)


def delegate(question: str, ctx: Context[None]) -> str:
    """Ask the helper agent."""
    return ctx.call(helper, question).text


def lookup(query: str) -> str:
    """{lookup_doc}"""
    return "found " + query


def fetch(url: str) -> str:
    """Fetch a page."""
    return "page " + url


lead = Agent("lead", instructions="Lead.", tools=[{tools}], output=Answer)


def _lead(ctx):
    if ctx.turn == 0:
        return Turn(tool_calls=(("delegate", {{"question": "what?"}}),))
    return ctx.final(text="led")


SCRIPT = by_agent({{"lead": _lead, "flaky": lambda ctx: Turn(error="down", transient=False)}})
workflow = Workflow(
    "nested", models=ModelRouter({{}}, default=ScriptedModel(seed=3, script=SCRIPT)),
    limits=Limits(max_depth=2),
)


@workflow.entrypoint
def run(ctx: Context[None], question: str) -> Answer:
    ctx.call(flaky, question)
    answer = ctx.call(lead, question)
    return Answer(text=answer.text + {suffix!r})
'''

DEFAULTS: dict[str, Any] = {
    "helper_prompt": "Help briefly.\nAnswer in one line.",
    "lookup_doc": "Look a query up.",
    "tools": "delegate, lookup",
    "suffix": "",
}
_names = itertools.count()


class Flow:
    """The workflow module on disk; each :meth:`write` is a fresh import (fresh agents)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.name = f"report_flow_{next(_names)}"
        folder.mkdir(parents=True, exist_ok=True)
        sys.path.insert(0, str(folder))

    def write(self, **changes: Any) -> Any:
        source = TEMPLATE.format(**{**DEFAULTS, **changes})
        (self.folder / f"{self.name}.py").write_text(source)
        sys.modules.pop(self.name, None)
        shutil.rmtree(self.folder / "__pycache__", ignore_errors=True)
        importlib.invalidate_caches()
        return importlib.import_module(self.name)

    def close(self) -> None:
        sys.path.remove(str(self.folder))
        sys.modules.pop(self.name, None)


@pytest.fixture
def flow(tmp_path: Path) -> Any:
    made = Flow(tmp_path / "code")
    yield made
    made.close()


def record_then_replay(
    flow: Flow, tmp_path: Path, before: dict[str, Any], after: dict[str, Any]
) -> DivergenceReport:
    trace = tmp_path / "run.trace.jsonl"
    record_workflow(flow.write(**before).workflow, "why?", trace)
    flow.write(**after)
    return ReplaySession.from_file(trace).run()


def test_nested_agents_are_indented_and_failures_fallbacks_breakers_marked(
    flow: Flow, tmp_path: Path
) -> None:
    report = record_then_replay(flow, tmp_path, {}, {})
    assert report.matched, report.to_text()
    rows = [
        line
        for line in report.to_text(width=200, all_steps=True).splitlines()
        if line.startswith("│")
    ]
    cells = [row.split("│")[3].rstrip() for row in rows]
    assert cells[0].startswith(" agent flaky #0 [breaker open] [fallback → helper] [failed (")
    assert cells[1].startswith("   model call 0 (") and "[failed (ModelError)]" in cells[1]
    assert cells[2] == " agent helper #0"
    assert cells[4] == " agent lead #0"
    assert cells[6] == "   tool delegate [0]"
    assert cells[7] == "   agent lead/helper #0"  # an agent a tool handed off to: one level in
    assert cells[8].startswith("     model call 0 (")

    as_json = json.loads(report.model_dump_json())
    # The recorded run's breaker opened on the failure; a replay never touches the process's
    # breakers (their decisions are answered from the recording), so only the recording has it.
    flaky = as_json["steps"][0]
    assert flaky["recorded"]["marks"][:2] == ["breaker open", "fallback → helper"]
    assert flaky["replayed"]["marks"][:1] == ["fallback → helper"]
    assert [s["replayed"]["level"] for s in as_json["steps"]][6:9] == [1, 1, 2]


def test_marks_retries_limits_and_approvals_of_recorded_runs() -> None:
    def marks(name: str) -> list[list[str]]:
        report = ReplaySession.from_file(TRACES / f"{name}.trace.jsonl").run()
        assert report.matched
        return [row.replayed.marks for row in report.steps if row.replayed is not None]

    retried = marks("guarded-research-seed4-ok")
    assert retried[1] == ["failed (TransientModelError)"]
    assert retried[2] == ["retry 1", "failed (TransientModelError)"]
    assert retried[3] == ["retry 2"]
    assert ["limit max_steps", "failed (LimitExceeded)"] in marks("guarded-research-seed2-stopped")
    # Its approver is interactive: replay could not ask it and took the recorded decision.
    assert ["denied (recorded)"] in marks("support-router-seed0-ok")


def test_stop_reasons_and_limits_show_for_both_runs() -> None:
    report = ReplaySession.from_file(TRACES / "guarded-research-seed2-stopped.trace.jsonl").run()
    outcome = report.recorded_outcome
    assert outcome.status == "stopped" and outcome.stop_reason == "limit:max_steps"
    assert outcome.limits and outcome.limits[0].startswith("max_steps ")
    assert report.replayed_outcome == outcome
    line = next(x for x in report.to_text(width=200).splitlines() if x.startswith("outcome:"))
    assert (
        line == (f"outcome: recorded {outcome.describe()} · replayed {outcome.describe()}")
        and "stopped (limit:max_steps; max_steps " in line
    )


def test_an_output_only_change_shows_both_values(flow: Flow, tmp_path: Path) -> None:
    report = record_then_replay(flow, tmp_path, {}, {"suffix": "!"})
    assert not report.matched and report.first is None
    assert report.headline == "replay diverged: the workflow's output differs from the recorded one"
    [output] = report.run_divergences
    assert output.category == "output changed"
    assert [(c.field, c.recorded, c.replayed) for c in output.changes] == [
        ("output.text", "led", "led!")
    ]
    text = report.to_text()
    assert 'output.text:\n    - recorded: "led"\n    + replayed: "led!"' in text


def test_tool_lists_are_diffed_by_name(flow: Flow, tmp_path: Path) -> None:
    report = record_then_replay(
        flow,
        tmp_path,
        {"tools": "delegate, lookup"},
        {"tools": "fetch, delegate, lookup", "lookup_doc": "Look a query up, fast."},
    )
    first = report.first
    assert first is not None and first.agent == "lead" and first.kind == "llm"
    changes = {c.field: c for c in first.changes}
    assert changes["tools[fetch]"].change == "added"
    assert changes["tools[fetch]"].replayed["name"] == "fetch"
    assert changes["tools[lookup].description"].recorded == "Look a query up."
    assert changes["tools[lookup].description"].replayed == "Look a query up, fast."
    assert "tools[delegate]" not in changes  # unchanged, though it moved one place down
    text = report.to_text()
    assert "  tools[fetch]: added\n    + {" in text and '"name": "fetch"' in text

    removed = record_then_replay(flow, tmp_path, {"tools": "delegate, lookup, fetch"}, {})
    assert removed.first is not None
    [change] = removed.first.changes
    assert (change.field, change.change) == ("tools[fetch]", "removed")


def test_long_values_are_never_cut_to_equal_looking_text(flow: Flow, tmp_path: Path) -> None:
    long_doc = "Look a query up. " + "Mind the details. " * 200
    report = record_then_replay(
        flow, tmp_path, {"lookup_doc": long_doc + "End."}, {"lookup_doc": long_doc + "Stop."}
    )
    assert report.first is not None
    text = report.to_text()
    removed = [line for line in text.splitlines() if line.startswith("    -")]
    added = [line for line in text.splitlines() if line.startswith("    +")]
    assert removed and added and removed[-1][1:] != added[-1][1:]
    assert "End." in text and "Stop." in text


def test_whitespace_only_prompt_changes_are_visible(flow: Flow, tmp_path: Path) -> None:
    report = record_then_replay(
        flow,
        tmp_path,
        {"helper_prompt": "Help briefly.\nAnswer in one line."},
        {"helper_prompt": "Help  briefly.\t\nAnswer in one line."},
    )
    assert report.first is not None and report.first.agent == "helper"
    lines = report.to_text().splitlines()
    start = lines.index("  system[0].content:")
    diff = lines[start + 1 : start + 5]
    assert diff[1:] == ["    -Help·briefly.⏎", "    +Help··briefly.→⏎", "     Answer in one line."]
