"""Instrumentation overhead: an orchestrated step with recording on, against the bare
OpenTelemetry SDK spans that step emits.

The baseline re-creates, with a plain ``TracerProvider`` and a null exporter, exactly the spans
(names, kinds, nesting, attributes, events) one recorded run produced. The recording side runs
the real workflow and writes its spans into the store's spool, including the final flush, so
the writer thread's conversion, scrubbing and segment writes are counted.
"""

from __future__ import annotations

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


def measure_instrumentation(tmp_dir: Path, runs: int = 400) -> dict[str, Any]:
    """Per-step cost with recording on, as a ratio to the bare SDK spans (target ≤ 1.5×)."""
    flow = _bench_workflow()
    capture = InMemorySpanExporter()
    calibration = Telemetry(processors=[SimpleSpanProcessor(capture)])
    flow.run("latency", telemetry=calibration)
    shapes = list(capture.get_finished_spans())
    calibration.shutdown()

    # Recording = spans converted, scrubbed and durable in spool segments. Folding segments
    # into DuckDB happens off the recording path and is measured by the ingest figure.
    recorder = StoreSpanProcessor(tmp_dir / "instrumentation.duckdb", fold=False)
    telemetry = Telemetry(processors=[recorder])
    for _ in range(20):
        flow.run("latency", telemetry=telemetry)
    telemetry.flush()
    started = time.perf_counter()
    for _ in range(runs):
        flow.run("latency", telemetry=telemetry)
    telemetry.flush()
    recording_s = time.perf_counter() - started
    telemetry.shutdown()

    bare = TracerProvider()
    bare.add_span_processor(SimpleSpanProcessor(_NullExporter()))
    tracer = bare.get_tracer("bench")
    for _ in range(20):
        _replay_tree(tracer, shapes)
    started = time.perf_counter()
    for _ in range(runs):
        _replay_tree(tracer, shapes)
    bare_s = time.perf_counter() - started
    bare.shutdown()

    return {
        "instrumentation_overhead_ratio": recording_s / bare_s,
        "recorded_step_us": recording_s / (runs * STEPS_PER_RUN) * 1e6,
        "bare_sdk_span_us": bare_s / (runs * len(shapes)) * 1e6,
        "spans_per_step": len(shapes) / STEPS_PER_RUN,
    }
