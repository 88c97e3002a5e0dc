"""A run recorded through the Anthropic SDK (its own span is the LLM span) replays offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from replay import Recording, ReplaySession
from replay.recorder import record_workflow
from tests.models.test_anthropic_model import API_KEY
from tests.replay import claude_flow


def test_a_claude_recording_replays_offline_and_matches(tmp_path: Path) -> None:
    trace = tmp_path / "weather.trace.jsonl"
    result = record_workflow(claude_flow.workflow, "Paris", trace, models=claude_flow.claude())
    assert result.status == "ok"
    assert API_KEY not in trace.read_text()
    recording = Recording.from_file(trace)
    llm = [s for s in recording.trajectory.steps if s.kind == "llm"]
    assert len(llm) == 2 and llm[0].answer["provider"] == "anthropic"
    # The SDK's span does not record the offered tools; tracekit stamps them on for replay.
    assert [t["name"] for t in llm[0].request["tools"]] == ["get_temperature", "final_result"]

    report = ReplaySession(recording).run()
    assert report.matched, report.to_text()
    assert report.replayed.steps == 3  # two model calls and the tool call
    assert report.replayed.input_tokens == report.recorded.input_tokens


def test_a_changed_tool_on_a_claude_recording_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trace = tmp_path / "weather.trace.jsonl"
    record_workflow(claude_flow.workflow, "Paris", trace, models=claude_flow.claude())
    monkeypatch.setattr(claude_flow.forecaster, "instructions", "Report the weather in kelvin.")
    report = ReplaySession(Recording.from_file(trace)).run()
    assert not report.matched
    assert report.first is not None
    assert (report.first.agent, report.first.kind, report.first.index) == ("forecaster", "llm", 0)
    assert "system prompt changed" in report.headline
