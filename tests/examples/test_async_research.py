"""The async demo: several cases at once on one loop, each an ``arun`` with an ``amap``."""

from __future__ import annotations

from collections import defaultdict

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from replay import Recording, ReplaySession
from replay.spans import otlp_spans
from tracekit import semconv as sc
from tracekit.examples import DEMOS, DemoRuntime, async_research
from tracekit.otlp import OtlpSpan
from tracekit.telemetry import Telemetry


def test_the_async_demo_runs_offline_fans_out_and_replays() -> None:
    exporter = InMemorySpanExporter()
    telemetry = Telemetry(processors=[SimpleSpanProcessor(exporter)])
    demo, _ = DEMOS["async-research"]

    outcomes = demo(DemoRuntime(telemetry, latency_s=(0.0005, 0.002)), 4)
    telemetry.flush()
    traces: dict[str, list[OtlpSpan]] = defaultdict(list)
    for span in otlp_spans(exporter.get_finished_spans()):
        traces[span.trace_id].append(span)
    telemetry.shutdown()

    assert [o.status for o in outcomes] == ["ok"] * 4
    assert {o.example for o in outcomes} == {"async-research"}
    assert len(traces) == 4
    for outcome in outcomes:
        spans = traces[outcome.trace_id]
        [root] = [s for s in spans if s.parent_span_id is None]
        assert root.attributes[sc.TRACEKIT_WORKFLOW_ENTRYPOINT].endswith("async_research:research")
        researchers = [s for s in spans if s.name == "invoke_agent paper-researcher"]
        assert len(researchers) >= 2
        assert all(s.parent_span_id == root.span_id for s in researchers)
        keys = sorted(str(s.attributes[sc.TRACEKIT_CALL_KEY]) for s in researchers)
        assert keys == [f"paper-researcher#{i}" for i in range(len(researchers))]
        report = ReplaySession(Recording.from_spans(spans)).run()
        assert report.matched, report.to_text()


def test_the_async_demo_workflow_is_async() -> None:
    assert async_research.workflow.is_async
