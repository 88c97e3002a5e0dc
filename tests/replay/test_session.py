"""Replaying recorded runs: demos from files and stores, fan-out determinism, frozen values."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from replay import Recording, ReplaySession
from replay.recorder import record_workflow
from replay.spans import otlp_spans
from tests.recording import REPO_ROOT
from tracekit import ModelRouter, ScriptedModel
from tracekit.examples import DEMOS, DemoRuntime, doc_pipeline
from tracekit.exceptions import ConfigError, RecordingError, TraceFileError
from tracekit.otlp import OtlpSpan
from tracekit.telemetry import Telemetry

FIXTURE_TRACES = sorted((REPO_ROOT / "fixtures" / "traces").glob("*.trace.jsonl"))


def record_demos(runs: int) -> dict[str, list[OtlpSpan]]:
    exporter = InMemorySpanExporter()
    telemetry = Telemetry(processors=[SimpleSpanProcessor(exporter)])
    runtime = DemoRuntime(telemetry, latency_s=(0.0005, 0.002))
    for demo, _ in DEMOS.values():
        demo(runtime, runs)
    telemetry.flush()
    traces: dict[str, list[OtlpSpan]] = defaultdict(list)
    for span in otlp_spans(exporter.get_finished_spans()):
        traces[span.trace_id].append(span)
    return traces


def test_every_demo_run_replays_as_recorded() -> None:
    traces = record_demos(runs=3)
    assert len(traces) == 3 * len(DEMOS)
    for spans in traces.values():
        report = ReplaySession(Recording.from_spans(spans)).run()
        assert report.matched, report.to_text()
        assert report.replayed == report.recorded


def test_shipped_fixture_traces_cover_ok_stopped_and_error_runs() -> None:
    statuses = {Recording.from_file(path).status for path in FIXTURE_TRACES}
    assert statuses == {"ok", "stopped", "error"}


def test_a_parallel_fan_out_replays_identically_20_times(tmp_path: Path) -> None:
    trace = tmp_path / "fanout.trace.jsonl"
    topics = doc_pipeline.Doc(title="Replay testing", brief="Recorded runs as tests.")
    # Seed 1 plans several sections: the writers run in parallel threads.
    router = ModelRouter({}, default=ScriptedModel(seed=1, latency_s=(0.0, 0.003)))
    record_workflow(doc_pipeline.workflow, topics, trace, models=router)
    recording = Recording.from_file(trace)
    writers = [s for s in recording.trajectory.steps if s.kind == "agent" and s.agent == "writer"]
    assert len(writers) >= 3
    reports = [ReplaySession(recording).run() for _ in range(20)]
    assert all(r.matched for r in reports), reports[0].to_text()
    assert len({r.model_dump_json() for r in reports}) == 1
    keys = [[row.replayed.key for row in r.steps if row.replayed] for r in reports]
    assert keys[0] == [s.key for s in recording.trajectory.steps]


def test_a_fan_out_answered_from_the_recording_takes_no_pool_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracekit.orchestrator import fanout

    trace = tmp_path / "fanout.trace.jsonl"
    topics = doc_pipeline.Doc(title="Replay testing", brief="Recorded runs as tests.")
    router = ModelRouter({}, default=ScriptedModel(seed=1))
    record_workflow(doc_pipeline.workflow, topics, trace, models=router)
    pools: list[object] = []
    shared_pool = fanout._shared_pool

    def counted() -> object:
        pools.append(object())
        return shared_pool()

    monkeypatch.setattr(fanout, "_shared_pool", counted)
    assert ReplaySession.from_file(trace).run().matched
    assert pools == []  # every call answered at once: the caller runs them all
    # A live tool is the world again: the writers' calls run in parallel, as recorded.
    assert ReplaySession.from_file(trace, live_tools="all").run().matched
    assert pools


def test_replay_freezes_ids_conversation_and_clock(tmp_path: Path) -> None:
    trace = tmp_path / "run.trace.jsonl"
    router = ModelRouter({}, default=ScriptedModel(seed=2))
    record_workflow(doc_pipeline.workflow, {"title": "t", "brief": "b"}, trace, models=router)
    recording = Recording.from_file(trace)
    first, second = ReplaySession(recording), ReplaySession(recording)
    first.run()
    second.run()
    assert first.replayed is not None and second.replayed is not None
    ids = [[s.span_id for s in run.steps] for run in (first.replayed, second.replayed)]
    assert ids[0] == ids[1]
    root = first.replayed.root
    assert root is not None
    assert root.attributes["gen_ai.conversation.id"] == recording.conversation_id
    assert first.output == second.output


def test_replay_from_a_store_by_trace_id_prefix(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    telemetry = Telemetry.recording_to(store)
    outcome = DemoRuntime(telemetry, latency_s=(0.0, 0.001)).run(
        doc_pipeline.workflow, 0, doc_pipeline.Doc(title="a", brief="b")
    )
    telemetry.shutdown()
    report = ReplaySession.from_store(store, outcome.trace_id[:10]).run()
    assert report.matched, report.to_text()
    assert report.trace_id == outcome.trace_id


def test_unreplayable_recordings_say_why(tmp_path: Path) -> None:
    foreign = FIXTURE_TRACES[0].read_text().replace("tracekit.workflow.entrypoint", "x.other")
    (tmp_path / "foreign.trace.jsonl").write_text(foreign)
    with pytest.raises(RecordingError, match="no workflow entrypoint recorded"):
        ReplaySession.from_file(tmp_path / "foreign.trace.jsonl").run()
    moved = FIXTURE_TRACES[0].read_text().replace("tracekit.examples.doc_pipeline", "gone.module")
    (tmp_path / "moved.trace.jsonl").write_text(moved)
    with pytest.raises(RecordingError, match=r"cannot import the entrypoint gone\.module"):
        ReplaySession.from_file(tmp_path / "moved.trace.jsonl").run()
    truncated = FIXTURE_TRACES[0].read_text()[:-200]
    (tmp_path / "truncated.trace.jsonl").write_text(truncated)
    with pytest.raises(TraceFileError, match="line 1"):
        ReplaySession.from_file(tmp_path / "truncated.trace.jsonl")
    with pytest.raises(ConfigError, match="unknown replay mode"):
        ReplaySession.from_file(FIXTURE_TRACES[0], mode="fuzzy")
