"""Trajectory steps, built without the dataclass's ``__init__``, are the dataclass's steps; a
replay's answers spelt as recorded are the recorded values, and nothing changes for a replay
that answers differently."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from replay import Recording, ReplaySession
from replay.trajectory import Step, Trajectory, trajectory_from_spans
from tracekit.otlp.files import read_trace_file
from tracekit.otlp.values import parse_json

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"
TRACE_FILES = sorted([*FIXTURES.glob("traces/*.jsonl"), *FIXTURES.glob("foreign/*.jsonl")])
FIELDS = [f.name for f in dataclasses.fields(Step)]


def test_the_fixtures_hold_steps_of_every_kind() -> None:
    kinds = {s.kind for p in TRACE_FILES for s in trajectory_from_spans(read_trace_file(p)).steps}
    assert kinds == {"agent", "llm", "tool"}


@pytest.mark.parametrize("path", TRACE_FILES, ids=lambda p: p.name)
def test_every_step_is_the_step_the_dataclass_builds(path: Path) -> None:
    trajectory = trajectory_from_spans(read_trace_file(path))
    for step in trajectory.steps:
        assert list(vars(step)) == FIELDS
        rebuilt = Step(**{name: getattr(step, name) for name in FIELDS})
        assert step == rebuilt
        assert repr(step) == repr(rebuilt)
        assert step.duration_ms == max(0, step.span.end_ns - step.span.start_ns) / 1e6
        with pytest.raises(dataclasses.FrozenInstanceError):
            step.key = "other"  # type: ignore[misc]


@pytest.mark.parametrize("path", TRACE_FILES, ids=lambda p: p.name)
def test_answers_are_the_attribute_text_parsed(path: Path) -> None:
    for step in trajectory_from_spans(read_trace_file(path)).steps:
        attrs = step.span.attributes if step.span else {}
        raw = {
            "agent": attrs.get("tracekit.agent.output"),
            "llm": attrs.get("gen_ai.output.messages"),
            "tool": attrs.get("gen_ai.tool.call.result"),
        }[step.kind]
        if step.kind == "llm" and "gen_ai.input.messages" not in attrs:
            continue  # another convention's answer, read by its normaliser
        value = step.answer["result" if step.kind == "tool" else "output"]
        assert value == parse_json(raw)
        assert type(value) is type(parse_json(raw))


def test_a_replay_answered_as_recorded_shares_the_recorded_answer_values() -> None:
    path = FIXTURES / "traces" / "doc-pipeline-seed0-ok.trace.jsonl"
    session = ReplaySession.from_file(path)
    report = session.run()
    assert report.matched
    assert session.replayed is not None
    recorded = {s.key: s for s in session.recording.trajectory.steps}
    for step in session.replayed.steps:
        key = "result" if step.kind == "tool" else "output"
        assert step.answer[key] == recorded[step.key].answer[key]
    # Parsed once by its text: the same value for the same text.
    memo: dict[str, object] = {}
    again = trajectory_from_spans(Recording.from_file(path).spans, parsed=memo)
    assert memo and all(parse_json(text) == value for text, value in memo.items())
    shared = trajectory_from_spans(Recording.from_file(path).spans, parsed=memo)
    for a, b in zip(again.steps, shared.steps, strict=True):
        assert a == b
        key = "result" if a.kind == "tool" else "output"
        if isinstance(a.answer[key], dict | list):
            assert a.answer[key] is b.answer[key]


def _summed(steps: list[Step]) -> dict[str, object]:
    """Totals as sums over lists of the work steps (the reference)."""
    work = [s for s in steps if s.kind != "agent"]
    calls = [s.cost_usd for s in work if s.kind == "llm"]
    priced = [cost for cost in calls if cost is not None]
    unpriced = len(calls) - len(priced)
    cost = sum(s.cost_usd or 0.0 for s in work)
    return {
        "steps": len(work),
        "input_tokens": sum(s.input_tokens for s in work),
        "output_tokens": sum(s.output_tokens for s in work),
        "cost_usd": round(cost, 10) if priced or not unpriced else None,
        "unpriced_steps": unpriced,
    }


@pytest.mark.parametrize("path", TRACE_FILES, ids=lambda p: p.name)
def test_totals_are_the_sums_over_the_work_steps(path: Path) -> None:
    steps = trajectory_from_spans(read_trace_file(path)).steps
    unpriced = [dataclasses.replace(s, cost_usd=None) if s.kind == "llm" else s for s in steps]
    for some in (steps, steps[:3], steps[::2], unpriced, unpriced[1:], []):
        totals = Trajectory(steps=list(some)).totals()
        assert totals == _summed(list(some))
        assert repr(totals) == repr(_summed(list(some)))  # the same types (0 or 0.0, None)


def test_only_a_trajectory_built_with_a_memo_shares_its_answer_values() -> None:
    path = FIXTURES / "traces" / "doc-pipeline-seed0-ok.trace.jsonl"
    spans = read_trace_file(path)
    first, second = trajectory_from_spans(spans), trajectory_from_spans(spans)
    assert first.parsed == {} and second.parsed == {}
    for a, b in zip(first.steps, second.steps, strict=True):
        key = "result" if a.kind == "tool" else "output"
        assert a.answer[key] == b.answer[key]
        if isinstance(a.answer[key], dict | list):
            assert a.answer[key] is not b.answer[key]
    assert Recording.from_file(path).trajectory.parsed  # a recording keeps its memo
