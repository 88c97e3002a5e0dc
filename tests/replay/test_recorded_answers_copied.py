"""A recorded answer is handed out as a fresh copy each time: code that changes what it was
given (a tool result, a model's answer) never changes the recording itself."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from replay import Recording, ReplaySession
from replay.recorder import record_workflow
from tests.replay.mutants import SourceModule

TEMPLATE = '''
from typing import Any

from pydantic import BaseModel
from tracekit import Agent, Context, ModelRouter, ScriptedModel, Workflow
from tracekit.models.scripted import Turn, by_agent


class Ask(BaseModel):
    text: str


class Found(BaseModel):
    data: dict[str, Any]


def lookup(query: str) -> dict[str, Any]:
    """Look a query up."""
    return {{"hits": [query + " 1", query + " 2"]}}


finder = Agent("finder", instructions="Find it.", tools=[lookup], output=Found)


def _finder(ctx):
    if ctx.turn == 0:
        return Turn(tool_calls=(("lookup", {{"query": "refunds"}}),))
    # A script standing in for a live model that edits the tool results it is shown.
    ctx.tool_results[0]["hits"].append("seen by the model")
    return ctx.final(data={{"hits": ["a", "b"]}})


MODELS = ModelRouter({{}}, default=ScriptedModel(seed=3, script=by_agent({{"finder": _finder}})))
workflow = Workflow("copies", models=MODELS)


@workflow.entrypoint
def run(ctx: Context[None], ask: Ask) -> Found:
    found = ctx.call(finder, ask)
    found.data["hits"].append("seen by the entrypoint")
    return found
'''


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Any, Recording]:
    module = SourceModule(tmp_path / "code", TEMPLATE).write()
    trace = tmp_path / "copies.trace.jsonl"
    record_workflow(module.workflow, {"text": "refund?"}, trace)
    return module, Recording.from_file(trace)


def _answers(recording: Recording) -> list[dict[str, Any]]:
    return copy.deepcopy([step.answer for step in recording.trajectory.steps])


def test_user_code_changing_a_recorded_model_answer_leaves_the_recording_as_it_was(
    recorded: tuple[Any, Recording],
) -> None:
    _, recording = recorded
    answers = _answers(recording)
    first = ReplaySession(recording).run()
    assert first.matched, first.to_text()
    assert _answers(recording) == answers
    # The same Recording replays again the same way: the entrypoint got a copy to change.
    second = ReplaySession(recording).run()
    assert second.matched, second.to_text()
    assert second.model_dump_json() == first.model_dump_json()


def test_a_live_model_changing_a_recorded_tool_result_leaves_the_recording_as_it_was(
    recorded: tuple[Any, Recording],
) -> None:
    module, recording = recorded
    answers = _answers(recording)
    live = ReplaySession(recording, live=module.workflow.models).run()
    assert live.matched, live.to_text()
    assert _answers(recording) == answers
    again = ReplaySession(recording).run()
    assert again.matched, again.to_text()
    assert "seen by the model" not in again.to_text()


EDITING_TOOL = '''
from typing import Any

from tracekit import Agent, Context, ModelRouter, ScriptedModel, Workflow
from tracekit.models.scripted import Turn, by_agent
from tracekit.orchestrator import tool


@tool(replay="{replay}")
def lookup(query: str, options: dict[str, Any]) -> str:
    """Look a query up."""
    options["filters"].append("added by the tool")  # the tool edits what it was given
    return query + " found"


finder = Agent("finder", instructions="Find it.", tools=[lookup])


def _finder(ctx):
    if ctx.turn == 0:
        return Turn(tool_calls=(("lookup", {{"query": "refunds", "options": {{"filters": []}}}}),))
    return ctx.final(text=str(ctx.tool_results[0]))


MODELS = ModelRouter({{}}, default=ScriptedModel(seed=3, script=by_agent({{"finder": _finder}})))
workflow = Workflow("editing", models=MODELS)


@workflow.entrypoint
def run(ctx: Context[None], text: str) -> str:
    return str(ctx.call(finder, text))
'''


@pytest.mark.parametrize("replay", ["recorded", "live"])
def test_a_tool_that_edits_its_arguments_replays_as_recorded(tmp_path: Path, replay: str) -> None:
    # Replayed from the recording (the tool does not run) or run again for real, the next
    # model call is sent the model's tool call as the model asked for it, as it was recorded.
    module = SourceModule(tmp_path / "code", EDITING_TOOL, replay=replay).write()
    trace = tmp_path / "editing.trace.jsonl"
    record_workflow(module.workflow, "find refunds", trace)

    report = ReplaySession(Recording.from_file(trace)).run()

    assert report.matched, report.to_text()
