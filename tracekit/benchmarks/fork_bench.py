"""Fork throughput: recorded steps answered per second while forking (the prefix's cost).

A fork of a recorded doc-pipeline run at its last model call: every earlier call is answered
from the recording, the last goes live on a scripted model. What a user waits for before the
fork point, measured from the trace file like plain replay (``replay_steps_per_s``), which it
must stay within 2× of.
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


def measure_fork(forks: int) -> dict[str, float]:
    """Record one doc-pipeline run offline into a trace file, then fork it from the file at
    its last model call ``forks`` times in each of :data:`ROUNDS` rounds."""
    from replay.fork import fork_runs
    from replay.spans import otlp_spans
    from tracekit.examples import doc_pipeline
    from tracekit.models import ModelRouter, ScriptedModel
    from tracekit.otlp.files import write_trace_file
    from tracekit.telemetry import Telemetry

    exporter = InMemorySpanExporter()
    telemetry = Telemetry(processors=[SimpleSpanProcessor(exporter)])
    doc_pipeline.workflow.run(
        doc_pipeline.Doc(title="Replay testing", brief="Recorded runs as regression tests."),
        telemetry=telemetry,
        models=ModelRouter({}, default=ScriptedModel(seed=1)),
    )
    telemetry.flush()
    spans = otlp_spans(exporter.get_finished_spans())
    telemetry.shutdown()
    live = ModelRouter({}, default=ScriptedModel(seed=2))
    with tempfile.TemporaryDirectory(prefix="tracekit-fork-bench-") as folder:
        trace = Path(folder, "run.trace.jsonl")
        write_trace_file(trace, spans, spans_per_line=1)

        def one() -> int:
            (run,) = fork_runs(trace, at="reviewer#0/llm[0]", models=live)
            if run.prefix_live_calls:
                raise AssertionError("benchmark fork made live calls in its prefix")
            return run.recorded_calls

        one()  # warm imports and caches
        rates: list[float] = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            steps = sum(one() for _ in range(forks))
            rates.append(steps / (time.perf_counter() - started))
    return {"fork_prefix_steps_per_s": statistics.median(rates)}
