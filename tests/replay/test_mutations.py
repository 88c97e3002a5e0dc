"""Each kind of behaviour change is caught, and the report names the step where it happened."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from replay import DivergenceReport, Recording, ReplaySession
from replay.recorder import record_workflow
from tests.replay.mutants import ORIGINAL_BODY, MutantModule


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[MutantModule, Path]:
    """The original workflow, recorded into a trace file."""
    mutant = MutantModule(tmp_path / "code")
    module = mutant.write()
    trace = tmp_path / "mutant.trace.jsonl"
    record_workflow(module.workflow, {"text": "I was charged twice"}, trace)
    return mutant, trace


def replay_after(
    recorded: tuple[MutantModule, Path], *, live: bool = False, **mutations: Any
) -> DivergenceReport:
    mutant, trace = recorded
    module = mutant.write(**mutations)
    options: dict[str, Any] = {"live": module.workflow.models} if live else {}
    return ReplaySession(Recording.from_file(trace), **options).run()


def test_the_unchanged_workflow_matches(recorded: tuple[MutantModule, Path]) -> None:
    report = replay_after(recorded)
    assert report.matched, report.to_text()
    assert report.first is None
    assert report.replayed.steps == report.recorded.steps == 5
    assert replay_after(recorded, live=True).matched


def test_changed_system_prompt_names_the_planners_model_call(
    recorded: tuple[MutantModule, Path],
) -> None:
    report = replay_after(recorded, planner_prompt="Plan the work in three short steps.")
    assert not report.matched
    first = report.first
    assert first is not None
    assert (first.agent, first.kind, first.sequence, first.index) == ("planner", "llm", 0, 0)
    assert first.status == "changed"
    assert [c.field for c in first.changes] == ["system[0].content"]
    assert first.changes[0].recorded.startswith("Plan the work in steps.")
    assert first.changes[0].replayed.startswith("Plan the work in three short steps.")
    assert "system prompt changed" in report.headline
    text = report.to_text()
    assert "Plan the work in three short steps." in text and "first divergence" in text


def test_changed_tool_argument_names_the_tool_call(recorded: tuple[MutantModule, Path]) -> None:
    # The model (scripted, standing in for a live one) now passes another query.
    report = replay_after(recorded, live=True, arguments={"query": "refund policy 2026"})
    first = report.first
    assert first is not None and not report.matched
    assert (first.agent, first.kind, first.index) == ("researcher", "tool", 0)
    assert [(c.field, c.recorded, c.replayed) for c in first.changes] == [
        ("arguments.query", "refund policy", "refund policy 2026")
    ]
    assert "tool call lookup 0 of agent researcher #0: arguments changed" in report.headline


def test_tool_argument_modes_loosen_the_comparison(recorded: tuple[MutantModule, Path]) -> None:
    mutant, trace = recorded
    module = mutant.write(arguments={"query": "refund policy", "limit": 5})
    recording = Recording.from_file(trace)
    live = module.workflow.models
    exact = ReplaySession(recording, live=live).run()
    ignore = ReplaySession(recording, live=live, mode="unordered", tool_args="ignore").run()
    subset = ReplaySession(recording, live=live, mode="unordered", tool_args="subset").run()
    assert not exact.matched
    assert ignore.matched, ignore.to_text()
    # {"query", "limit"} is not a subset of the recorded {"query"}.
    assert not subset.matched


def test_different_tool_chosen_names_the_tool_call(recorded: tuple[MutantModule, Path]) -> None:
    report = replay_after(recorded, live=True, tool="fetch", arguments={"url": "https://x.test"})
    first = report.first
    assert first is not None and not report.matched
    assert (first.agent, first.kind, first.index) == ("researcher", "tool", 0)
    fields = {c.field: (c.recorded, c.replayed) for c in first.changes}
    assert fields["tool"] == ("lookup", "fetch")
    # The recording has no answer for a call to another tool: replay says so loudly.
    assert any("tool call 'fetch'" in call for call in report.unmatched_calls)


def test_removed_step_is_reported_missing(recorded: tuple[MutantModule, Path]) -> None:
    body = "    return ctx.call(writer, {'text': 'no research'})\n"
    report = replay_after(recorded, body=body)
    first = report.first
    assert first is not None and not report.matched
    assert (first.agent, first.kind, first.status) == ("researcher", "agent", "missing")
    assert report.replayed.steps < report.recorded.steps
    assert "agent researcher #0 was recorded but did not happen" in report.headline


def test_extra_step_is_reported_extra(recorded: tuple[MutantModule, Path]) -> None:
    body = ORIGINAL_BODY.replace(
        "    return ctx.call(writer, answer)",
        "    ctx.call(researcher, plan)\n    return ctx.call(writer, answer)",
    )
    report = replay_after(recorded, body=body)
    first = report.first
    assert first is not None and not report.matched
    assert (first.agent, first.kind, first.sequence, first.status) == (
        "researcher",
        "agent",
        1,
        "extra",
    )
    assert first.nearest is not None and first.nearest.key == "researcher#0"
    assert report.unmatched_calls  # its model call had no recorded answer


def test_swapped_handoff_order_is_reported(recorded: tuple[MutantModule, Path]) -> None:
    body = (
        "    summary = ctx.call(writer, {'text': 'early'})\n"
        "    ctx.call(researcher, plan)\n"
        "    return summary\n"
    )
    report = replay_after(recorded, body=body)
    first = report.first
    assert first is not None and not report.matched
    assert first.kind == "agent" and first.status == "moved"
    assert first.agent in {"writer", "researcher"}
    statuses = {row.replayed.key: row.status for row in report.steps if row.replayed}
    assert statuses["writer#0"] == "moved" or statuses["researcher#0"] == "moved"


def test_changed_output_schema_names_the_agents_model_call(
    recorded: tuple[MutantModule, Path],
) -> None:
    report = replay_after(recorded, summary_extra="    score: int = 0\n")
    first = report.first
    assert first is not None and not report.matched
    assert (first.agent, first.kind, first.index) == ("writer", "llm", 0)
    assert [c.field for c in first.changes] == ["tools[final_result].parameters.properties.score"]
    assert "tool definitions changed" in report.headline
