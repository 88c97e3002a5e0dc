"""Replaying async workflows: keys are structural, never the tasks' completion order."""

from __future__ import annotations

import asyncio
from pathlib import Path

from replay import Recording, ReplaySession
from replay.recorder import record_workflow
from tests.recording import run_cli
from tests.replay import async_fanout


def record(path: Path) -> Recording:
    result = record_workflow(async_fanout.workflow, "tracing", path, models=async_fanout.jittery())
    assert result.status == "ok"
    return Recording.from_file(path)


def test_a_20_way_amap_with_random_latency_replays_20_times_with_no_divergence(
    tmp_path: Path,
) -> None:
    recording = record(tmp_path / "fan.trace.jsonl")
    researchers = [s for s in recording.trajectory.steps if s.agent == "researcher"]
    assert len({s.key.split("/")[0] for s in researchers}) == async_fanout.WIDTH
    recorded_keys = [s.key for s in recording.trajectory.steps]

    reports = [ReplaySession(recording).run() for _ in range(20)]
    assert all(r.matched for r in reports), reports[0].to_text()
    assert len({r.model_dump_json() for r in reports}) == 1
    assert [row.replayed.key for row in reports[0].steps if row.replayed] == recorded_keys

    # Live models with random latency: a new completion order every time, still no divergence.
    live = [ReplaySession(recording, live=async_fanout.jittery()).run() for _ in range(20)]
    assert all(r.matched for r in live), live[0].to_text()


def test_replay_awaited_inside_a_running_loop(tmp_path: Path) -> None:
    recording = record(tmp_path / "fan.trace.jsonl")
    report = asyncio.run(ReplaySession(recording).arun())
    assert report.matched, report.to_text()


def test_tracekit_replay_of_an_async_recording(tmp_path: Path) -> None:
    trace = tmp_path / "fan.trace.jsonl"
    record(trace)
    result = run_cli("replay", str(trace))
    assert result.returncode == 0, result.stderr + result.stdout
    assert "async-fan-out" in result.stdout
