"""Blind spots closed: a changed tool, approval, state, output or stop is caught, at its step."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from replay import DivergenceReport, Recording, ReplaySession
from replay.recorder import record_workflow
from tests.replay.mutants import SourceModule
from tests.replay.scenarios import DECISION_DEFAULTS as DEFAULTS
from tests.replay.scenarios import DECISIONS as TEMPLATE


def recorded(tmp_path: Path, **values: Any) -> tuple[SourceModule, Path]:
    module = SourceModule(tmp_path / "code", TEMPLATE, **DEFAULTS)
    trace = tmp_path / "decisions.trace.jsonl"
    record_workflow(module.write(**values).workflow, "a refund please", trace)
    return module, trace


def replay_after(
    module: SourceModule, trace: Path, mutations: dict[str, Any], **options: Any
) -> DivergenceReport:
    module.write(**{**DEFAULTS, **mutations})
    return ReplaySession(Recording.from_file(trace), **options).run()


def first_of(report: DivergenceReport) -> tuple[str, str, int, str]:
    assert not report.matched, report.to_text()
    first = report.first
    assert first is not None, report.to_text()
    return first.agent, first.kind, first.index, first.divergence_kind


def test_the_unchanged_workflow_matches_and_tools_answer_from_the_recording(
    tmp_path: Path,
) -> None:
    module, trace = recorded(tmp_path)
    assert replay_after(module, trace, {}).matched
    # The price tool changed, but it is not live: its recorded result still answers.
    assert replay_after(module, trace, {"total": 12}).matched


@pytest.mark.parametrize(
    "options, mutations",
    [
        ({"live_tools": ["price"]}, {}),
        ({"live_tools": "all"}, {}),
        ({"live_tools": "price,refund"}, {}),
        ({}, {"replay": "live"}),
    ],
    ids=["live_tools=[price]", "live_tools=all", "live_tools=csv", "@tool(replay='live')"],
)
def test_a_live_tools_changed_result_is_a_tool_result_divergence(
    tmp_path: Path, options: dict[str, Any], mutations: dict[str, Any]
) -> None:
    module, trace = recorded(tmp_path)
    assert replay_after(module, trace, mutations, **options).matched
    report = replay_after(module, trace, {"total": 12, **mutations}, **options)
    assert first_of(report) == ("clerk", "tool", 0, "tool_result")
    assert "tool call price 0 of agent clerk #0: tool result changed" in report.headline
    assert [(c.field, c.recorded, c.replayed) for c in report.first.changes] == [  # type: ignore[union-attr]
        ("result.total", 10, 12)
    ]


def test_a_live_tool_that_now_fails_is_a_tool_result_divergence(tmp_path: Path) -> None:
    module, trace = recorded(tmp_path)
    report = replay_after(module, trace, {"total": "1 // 0"}, live_tools="all")
    assert first_of(report) == ("clerk", "tool", 0, "tool_result")
    error = next(c for c in report.first.changes if c.field == "error")  # type: ignore[union-attr]
    assert error.recorded is None and "ZeroDivisionError" in error.replayed


@pytest.mark.parametrize("mode", ["strict", "unordered", "subset", "superset"])
def test_recorded_arguments_that_no_longer_fit_the_signature_diverge_in_every_mode(
    tmp_path: Path, mode: Any
) -> None:
    module, trace = recorded(tmp_path)
    report = replay_after(module, trace, {"price_param": "name"}, mode=mode)
    rows = [(r.step_kind, r.divergence_kind) for r in _divergent(report)]
    assert ("tool", "tool_arguments") in rows, report.to_text()
    if mode == "strict":
        # The model was offered the renamed parameter first: that is the first change.
        assert first_of(report) == ("clerk", "llm", 0, "request")
        assert "tool definitions changed" in report.headline
    else:
        assert first_of(report) == ("clerk", "tool", 0, "tool_arguments")
        assert "no longer fit the tool's signature" in report.headline


class _Row:
    def __init__(self, step_kind: str, divergence_kind: str | None) -> None:
        self.step_kind, self.divergence_kind = step_kind, divergence_kind


def _divergent(report: DivergenceReport) -> list[_Row]:
    return [
        _Row((row.replayed or row.recorded).kind, row.divergence_kind)  # type: ignore[union-attr]
        for row in report.steps
        if row.divergent
    ]


def test_an_approver_that_now_denies_is_an_approval_divergence(tmp_path: Path) -> None:
    module, trace = recorded(tmp_path)
    report = replay_after(module, trace, {"approver": "deny_all"})
    assert first_of(report) == ("clerk", "tool", 1, "approval")
    assert "approval flipped: recorded approved, now denied" in report.headline


def test_a_removed_approval_gate_is_an_approval_divergence(tmp_path: Path) -> None:
    module, trace = recorded(tmp_path)
    report = replay_after(module, trace, {"gated": False})
    assert first_of(report) == ("clerk", "tool", 1, "approval")
    assert "approval gate removed (recorded approved)" in report.headline


def test_an_added_approval_gate_is_an_approval_divergence(tmp_path: Path) -> None:
    module, trace = recorded(tmp_path, gated=False)
    report = replay_after(module, trace, {"gated": True})
    assert first_of(report) == ("clerk", "tool", 1, "approval")
    assert "approval gate added (now approved)" in report.headline


def test_an_interactive_approver_falls_back_to_the_recorded_decision(tmp_path: Path) -> None:
    # Recorded with a terminal approver that said yes; replay cannot ask anyone.
    module, trace = recorded(tmp_path, approver="lambda request: True")
    module.write(approver="interactive_approver")
    report = ReplaySession(Recording.from_file(trace)).run()
    assert report.matched, report.to_text()
    assert report.notes == [
        "tool call refund 1 of agent clerk #0: the workflow's approver is interactive; "
        "replay used the recorded decision (approved)"
    ]
    assert "note: tool call refund 1" in report.to_text()


def test_changed_state_writes_are_a_state_divergence(tmp_path: Path) -> None:
    module, trace = recorded(tmp_path)
    report = replay_after(module, trace, {"increment": 2})
    assert first_of(report) == ("clerk", "agent", -1, "state")
    assert [(c.field, c.recorded, c.replayed) for c in report.first.changes] == [  # type: ignore[union-attr]
        ("state.count[1]", 1, 2)
    ]
    assert "agent clerk #0: state changes differ" in report.headline


def test_an_output_only_change_is_caught(tmp_path: Path) -> None:
    module, trace = recorded(tmp_path)
    report = replay_after(module, trace, {"output": "out.upper()"})
    assert not report.matched
    assert report.first is None and not report.output_matches
    assert "output differs" in report.headline


def test_a_changed_stop_reason_names_the_agent_where_it_fired(tmp_path: Path) -> None:
    module, trace = recorded(tmp_path, limits="max_steps=2")
    assert Recording.from_file(trace).stop_reason == "limit:max_steps"
    assert replay_after(module, trace, {"limits": "max_steps=2"}).matched
    report = replay_after(module, trace, {"limits": "max_steps=2, max_cost_usd=1e-9"})
    assert first_of(report) == ("clerk", "agent", -1, "stop")
    assert report.stop_reason == "limit:max_cost_usd"
    assert report.recorded_stop_reason == "limit:max_steps"
    assert "stop reason changed" in report.headline
