"""Recording overhead: an orchestrated run recording into a store, against the same run
recording nothing, and against the bare OpenTelemetry SDK spans the run emits.

Three loops run the same work, interleaved block by block so that a machine whose load
changes during the benchmark slows all three alike (each ratio is the median of the blocks'):

- *recorded*: the real workflow, its spans converted, scrubbed and made durable in the
  store's spool (journal appends, segments, the final flush included; the flush's segments
  are fsynced on the writer thread's next round, as in any recording program). Folding
  segments into DuckDB happens off the recording path and is measured by the ingest figure;
- *not recording*: the same workflow with the same tracer provider and GenAI enricher, but no
  processor behind it (the spans are made and dropped);
- *bare OTel*: a plain ``TracerProvider`` with a null exporter re-creating exactly the spans
  (names, kinds, nesting, attributes, events) one recorded run produced.

Those blocks are short (tens of milliseconds), shorter than the writer thread's round
(``flush_interval_s``, a second by default), so what a round costs the program seldom lands in
one. ``recording_sustained_overhead_ratio`` is the same ratio over blocks that record for at
least :data:`SUSTAINED_S` without a flush, as a program recording for longer than a round
does: the writer thread's rounds (segments written, their fsync, the journal retired) happen
inside them.

``recording_overhead_ratio`` = recorded / not recording (what recording costs);
``orchestrated_step_vs_bare_otel_ratio`` = recorded / bare OTel (what tracekit costs over the
spans it emits, orchestration included).

Both ratios are also given in CPU time (``..._cpu_ratio``: the process's, so the writer
thread's work counts too). On a machine shared with other busy processes wall time includes
waiting for a core, which lands unevenly (a system call is where a waiting process most often
gets the core); CPU time says what the work itself costs.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Tracer
from opentelemetry.trace import TracerProvider as ApiTracerProvider
from pydantic import BaseModel

from tracekit.models import ModelRequest, ModelResponse, ModelRouter
from tracekit.models.base import Usage
from tracekit.models.llm_span import chat_span, set_response_attributes
from tracekit.models.messages import ChatMessage, ToolCallPart
from tracekit.models.scripted import FINAL_RESULT_TOOL
from tracekit.orchestrator import Agent, Context, Workflow
from tracekit.store import StoreSpanProcessor
from tracekit.telemetry import Telemetry, tracer_for

STEPS_PER_RUN = 3  # model call, tool call, model call


class _NullExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class _Verdict(BaseModel):
    label: str
    score: int


def lookup(term: str) -> str:
    """Look a term up."""
    return f"definition of {term}"


class _PrerecordedModel:
    """Answers instantly with a fixed tool call, then a fixed final result; emits the LLM span
    like any client, so the benchmark measures tracekit, not a model."""

    provider = "tracekit.bench"

    def __init__(self) -> None:
        usage = Usage(input_tokens=420, output_tokens=35, cache_read_tokens=200)
        call = ToolCallPart(id="toolu_bench_1", name="lookup", arguments={"term": "latency"})
        final = ToolCallPart(
            id="toolu_bench_2", name=FINAL_RESULT_TOOL, arguments={"label": "ok", "score": 7}
        )
        self._turns = [
            ModelResponse(
                id=f"msg_bench_{i}",
                model="claude-haiku-4-5",
                message=ChatMessage(role="assistant", parts=[part], finish_reason="tool_use"),
                finish_reason="tool_use",
                usage=usage,
            )
            for i, part in enumerate((call, final))
        ]

    def complete(
        self, request: ModelRequest, tracer_provider: ApiTracerProvider | None
    ) -> ModelResponse:
        tracer = tracer_for(tracer_provider, "tracekit.bench")
        with chat_span(tracer, request, self.provider) as span:
            response = self._turns[min(len(request.messages) // 2, 1)]
            set_response_attributes(span, response)
            return response


def _bench_workflow() -> Workflow:
    agent = Agent("classifier", instructions="Classify the term.", tools=[lookup], output=_Verdict)
    flow = Workflow("bench", models=ModelRouter({}, default=_PrerecordedModel()))

    @flow.entrypoint
    def classify(ctx: Context[None], term: str) -> _Verdict:
        verdict: _Verdict = ctx.call(agent, term)
        return verdict

    return flow


def _replay_tree(tracer: Tracer, spans: list[ReadableSpan]) -> None:
    children: dict[int | None, list[ReadableSpan]] = {}
    for span in sorted(spans, key=lambda s: s.start_time or 0):
        parent = span.parent.span_id if span.parent else None
        children.setdefault(parent, []).append(span)

    def emit(span: ReadableSpan) -> None:
        with tracer.start_as_current_span(
            span.name, kind=span.kind, attributes=dict(span.attributes or {})
        ) as live:
            for event in span.events:
                live.add_event(event.name, dict(event.attributes or {}))
            for child in children.get(span.context.span_id, []):
                emit(child)

    for root in children.get(None, []):
        emit(root)


#: Blocks of runs per loop; each ratio is the median of the blocks'.
BLOCKS = 7
#: A sustained block records at least this long: past the writer thread's round.
SUSTAINED_S = 1.5


def measure_instrumentation(
    tmp_dir: Path, runs: int = 400, sustained_blocks: int = 3
) -> dict[str, Any]:
    """Per-step cost with recording on, as ratios to the same run recording nothing
    (target ≤ 1.30×) and to the bare SDK spans (target ≤ 2.5×); then the first ratio again
    over ``sustained_blocks`` blocks of :data:`SUSTAINED_S` each."""
    flow = _bench_workflow()
    capture = InMemorySpanExporter()
    calibration = Telemetry(processors=[SimpleSpanProcessor(capture)])
    flow.run("latency", telemetry=calibration)
    shapes = list(capture.get_finished_spans())
    calibration.shutdown()

    recorder = StoreSpanProcessor(tmp_dir / "instrumentation.duckdb", fold=False)
    recording = Telemetry(processors=[recorder])
    silent = Telemetry(processors=[])
    bare = TracerProvider()
    bare.add_span_processor(SimpleSpanProcessor(_NullExporter()))
    tracer = bare.get_tracer("bench")

    def recorded_loop(count: int) -> None:
        for _ in range(count):
            flow.run("latency", telemetry=recording)
        recording.flush()

    def silent_loop(count: int) -> None:
        for _ in range(count):
            flow.run("latency", telemetry=silent)

    def bare_loop(count: int) -> None:
        for _ in range(count):
            _replay_tree(tracer, shapes)

    loops = (recorded_loop, silent_loop, bare_loop)
    for loop in loops:
        loop(20)
    per_block = max(1, runs // BLOCKS)
    times: list[list[float]] = [[], [], []]
    cpu: list[list[float]] = [[], [], []]
    for _ in range(BLOCKS):
        for index, loop in enumerate(loops):
            started = time.perf_counter()
            started_cpu = time.process_time()
            loop(per_block)
            cpu[index].append(time.process_time() - started_cpu)
            times[index].append((time.perf_counter() - started) / per_block)
    sustained_runs = math.ceil(SUSTAINED_S / statistics.median(times[0]))
    sustained: list[float] = []
    for _ in range(sustained_blocks):
        started = time.perf_counter()
        recorded_loop(sustained_runs)
        recorded = time.perf_counter() - started
        started = time.perf_counter()
        silent_loop(sustained_runs)
        sustained.append(recorded / (time.perf_counter() - started))
    recording.shutdown()
    silent.shutdown()
    bare.shutdown()

    recorded_s, silent_s, bare_s = (statistics.median(t) for t in times)
    return {
        "recording_overhead_ratio": statistics.median(
            r / s for r, s in zip(times[0], times[1], strict=True)
        ),
        "orchestrated_step_vs_bare_otel_ratio": statistics.median(
            r / b for r, b in zip(times[0], times[2], strict=True)
        ),
        "recording_overhead_cpu_ratio": _median_ratio(cpu[0], cpu[1]),
        "recording_sustained_overhead_ratio": statistics.median(sustained),
        "orchestrated_step_vs_bare_otel_cpu_ratio": _median_ratio(cpu[0], cpu[2]),
        "recorded_step_us": recorded_s / STEPS_PER_RUN * 1e6,
        "unrecorded_step_us": silent_s / STEPS_PER_RUN * 1e6,
        "bare_sdk_span_us": bare_s / len(shapes) * 1e6,
        "spans_per_step": len(shapes) / STEPS_PER_RUN,
    }


def _median_ratio(numerators: list[float], denominators: list[float]) -> float:
    """The median of the blocks' ratios (a block too short for the clock to see is left out)."""
    ratios = [n / d for n, d in zip(numerators, denominators, strict=True) if d > 0]
    return statistics.median(ratios) if ratios else float("nan")
