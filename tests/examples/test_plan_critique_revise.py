"""The plan–critique–revise demo: a check on the first draft, retried with its reason."""

from __future__ import annotations

from collections import defaultdict

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from replay import Recording, ReplaySession
from replay.spans import otlp_spans
from tracekit import semconv as sc
from tracekit.examples import DEMOS, DemoRuntime
from tracekit.otlp import OtlpSpan
from tracekit.telemetry import Telemetry


def test_the_demo_retries_a_draft_that_fails_its_check_and_replays() -> None:
    exporter = InMemorySpanExporter()
    telemetry = Telemetry(processors=[SimpleSpanProcessor(exporter)])
    demo, _ = DEMOS["plan-critique-revise"]

    outcomes = demo(DemoRuntime(telemetry, latency_s=(0.0, 0.0)), 3)
    telemetry.flush()
    traces: dict[str, list[OtlpSpan]] = defaultdict(list)
    for span in otlp_spans(exporter.get_finished_spans()):
        traces[span.trace_id].append(span)
    telemetry.shutdown()

    retried = []
    for outcome in outcomes:
        spans = traces[outcome.trace_id]
        [drafter] = [s for s in spans if s.name == "invoke_agent drafter"]
        checks = [e for e in drafter.events if e.name == sc.EVENT_CHECK]
        if checks:
            retried.append(outcome.seed)
            [check] = checks
            assert check.attributes[sc.EVENT_CHECK_NAME] == "substantive"
            assert check.attributes[sc.EVENT_CHECK_ACTION] == "retry"
            assert str(check.attributes[sc.EVENT_REASON]).startswith("only 4 words")
            assert drafter.status_code != "ERROR"
        report = ReplaySession(Recording.from_spans(spans)).run()
        assert report.matched, report.to_text()
    assert retried == [0, 1]  # seed 2's first draft is good enough
