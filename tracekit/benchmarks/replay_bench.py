"""Replay throughput: recorded steps (model and tool calls) replayed per second, from the file.

What a replay suite pays per test: read and parse the trace file, import the entrypoint, run
the workflow with every call answered from the recording, build and align both trajectories.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

#: Medians of this many rounds (DESIGN §8).
ROUNDS = 5


def measure_replay(replays: int) -> dict[str, float]:
    """Record one doc-pipeline run (fan-out, tools) offline into a trace file, then replay it
    from the file ``replays`` times in each of :data:`ROUNDS` rounds.

    ``replay_steps_per_s`` counts the whole cost (parse + replay); ``replay_parse_ms_per_run``
    is the reading and parsing of the file alone. ``replay_cpu_ms_per_run`` is the same run in
    CPU time of this process (its fan-out threads included): on a loaded machine wall-clock
    time mostly measures the others.
    """
    from replay import Recording, ReplaySession
    from replay.spans import otlp_spans
    from tracekit.examples import doc_pipeline
    from tracekit.models import ModelRouter, ScriptedModel
    from tracekit.otlp.files import write_trace_file
    from tracekit.telemetry import Telemetry

    exporter = InMemorySpanExporter()
    telemetry = Telemetry(processors=[SimpleSpanProcessor(exporter)])
    result = doc_pipeline.workflow.run(
        doc_pipeline.Doc(title="Replay testing", brief="Recorded runs as regression tests."),
        telemetry=telemetry,
        models=ModelRouter({}, default=ScriptedModel(seed=1)),
    )
    telemetry.flush()
    spans = otlp_spans(exporter.get_finished_spans())
    telemetry.shutdown()
    with tempfile.TemporaryDirectory(prefix="tracekit-replay-bench-") as folder:
        trace = Path(folder, "run.trace.jsonl")
        write_trace_file(trace, spans, spans_per_line=1)
        ReplaySession.from_file(trace).run()  # warm imports and caches
        rates: list[float] = []
        run_ms: list[float] = []
        cpu_ms: list[float] = []
        parse_ms: list[float] = []
        for _ in range(ROUNDS):
            cpu_started = time.process_time()
            started = time.perf_counter()
            steps = 0
            for _ in range(replays):
                report = ReplaySession.from_file(trace).run()
                if not report.matched:
                    raise AssertionError(f"benchmark replay diverged: {report.headline}")
                steps += report.replayed.steps
            elapsed = time.perf_counter() - started
            cpu_ms.append((time.process_time() - cpu_started) / replays * 1000)
            rates.append(steps / elapsed)
            run_ms.append(elapsed / replays * 1000)
            started = time.perf_counter()
            for _ in range(replays):
                Recording.from_file(trace)
            parse_ms.append((time.perf_counter() - started) / replays * 1000)
    return {
        "replay_steps_per_s": statistics.median(rates),
        "replay_ms_per_run": statistics.median(run_ms),
        "replay_parse_ms_per_run": statistics.median(parse_ms),
        "replay_cpu_ms_per_run": statistics.median(cpu_ms),
        "replay_steps_per_run": float(result.steps),
    }
