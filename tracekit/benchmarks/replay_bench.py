"""Replay throughput: recorded steps (model and tool calls) replayed per second."""

from __future__ import annotations

import time

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


def measure_replay(replays: int) -> dict[str, float]:
    """Record one doc-pipeline run (fan-out, tools) offline, then replay it ``replays`` times.

    Each replay is the whole engine: import the entrypoint, run the workflow with every call
    answered from the recording, emit its spans, build and align both trajectories.
    """
    from replay import Recording, ReplaySession
    from replay.spans import otlp_spans
    from tracekit.examples import doc_pipeline
    from tracekit.models import ModelRouter, ScriptedModel
    from tracekit.telemetry import Telemetry

    exporter = InMemorySpanExporter()
    telemetry = Telemetry(processors=[SimpleSpanProcessor(exporter)])
    result = doc_pipeline.workflow.run(
        doc_pipeline.Doc(title="Replay testing", brief="Recorded runs as regression tests."),
        telemetry=telemetry,
        models=ModelRouter({}, default=ScriptedModel(seed=1)),
    )
    telemetry.flush()
    recording = Recording.from_spans(otlp_spans(exporter.get_finished_spans()))
    ReplaySession(recording).run()  # warm imports and caches
    started = time.perf_counter()
    steps = 0
    for _ in range(replays):
        report = ReplaySession(recording).run()
        if not report.matched:
            raise AssertionError(f"benchmark replay diverged: {report.headline}")
        steps += report.replayed.steps
    elapsed = time.perf_counter() - started
    return {
        "replay_steps_per_s": steps / elapsed,
        "replay_ms_per_run": elapsed / replays * 1000,
        "replay_steps_per_run": float(result.steps),
    }
