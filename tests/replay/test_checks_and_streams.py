"""Replaying runs with checks and streams: the same check outcomes, the same deltas in the same
order, and a check that now fails where it passed named as a ``check`` divergence."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from replay import Recording, ReplaySession
from replay.recorder import record_workflow
from replay.trajectory import Step
from tests.orchestrator import check_flows as flows
from tests.recording import run_cli
from tracekit import semconv as sc
from tracekit.models.streaming import TextDelta, parse_deltas


def record(path: Path, asynchronous: bool = False) -> Recording:
    flow = flows.async_flow if asynchronous else flows.sync_flow
    result = record_workflow(flow, "checks", path, models=flows.models())
    assert result.status == "ok"
    return Recording.from_file(path)


def streamed(steps: list[Step]) -> list[list[str]]:
    """The text deltas of each streamed model call, in trajectory order."""
    return [
        [d.text for d in parse_deltas(s.answer["deltas"]) if isinstance(d, TextDelta)]
        for s in steps
        if s.kind == "llm" and s.answer.get("deltas")
    ]


@pytest.fixture
def bar() -> Iterator[dict[str, int]]:
    saved = dict(flows.BAR)
    yield flows.BAR
    flows.BAR.clear()
    flows.BAR.update(saved)


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_a_check_retry_run_replays_20_times_with_no_divergence(
    tmp_path: Path, asynchronous: bool
) -> None:
    recording = record(tmp_path / "checked.trace.jsonl", asynchronous)
    checked = [s for s in recording.trajectory.steps if s.kind == "agent" and s.answer["checks"]]
    assert [(s.agent, s.answer["checks"]) for s in checked] == [
        ("drafter", [["long_enough", "too short: 10 characters, at least 20 needed", "retry"]]),
        ("teller", [["reflect:critic", "give it a second look", "retry"]]),
    ]

    reports = [ReplaySession(recording).run() for _ in range(20)]
    assert all(r.matched for r in reports), reports[0].to_text()
    assert len({r.model_dump_json() for r in reports}) == 1
    marks = {m for row in reports[0].steps if row.replayed for m in row.replayed.marks}
    assert "check long_enough failed → retry" in marks


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_replay_of_a_streaming_run_re_emits_the_same_deltas(
    tmp_path: Path, asynchronous: bool
) -> None:
    recording = record(tmp_path / "stream.trace.jsonl", asynchronous)
    recorded = streamed(recording.trajectory.steps)
    assert recorded == [["Once", " upon", " a", " time."], streamed_second_telling()]

    session = ReplaySession(recording)
    report = session.run()

    assert report.matched, report.to_text()
    # The workflow's output is the deltas its reader saw: the same, in the same order.
    assert session.output.deltas == [d for call in recorded for d in call]
    assert session.replayed is not None
    assert streamed(session.replayed.steps) == recorded


def streamed_second_telling() -> list[str]:
    return ["Once", " upon", " a", " time,", " on", " a", " second", " look,", " a", " trace",
            " replayed."]  # fmt: skip


def test_a_check_that_now_fails_is_a_check_divergence(tmp_path: Path, bar: dict[str, int]) -> None:
    recording = record(tmp_path / "checked.trace.jsonl")
    bar["min_chars"] = 50  # the drafter's second draft passed when recorded; now it fails

    report = ReplaySession(recording).run()

    assert not report.matched
    assert report.first is not None
    assert report.first.divergence_kind == "check"
    assert report.first.category == "check outcome changed"
    assert report.first.agent == "drafter"
    assert "check long_enough" in report.first.summary
    assert "check outcome changed" in report.to_text()


def test_show_lists_the_failed_checks(tmp_path: Path) -> None:
    trace = tmp_path / "checked.trace.jsonl"
    record(trace)
    store = tmp_path / "store.duckdb"
    assert run_cli("import", str(trace), "--store", str(store)).returncode == 0

    result = run_cli("show", "--store", str(store), Recording.from_file(trace).trace_id[:12])

    assert result.returncode == 0, result.stderr
    assert f"⚠ {sc.EVENT_CHECK}" in result.stdout
    assert "give it a second look" in result.stdout
    assert "too short: 10 characters" in result.stdout
