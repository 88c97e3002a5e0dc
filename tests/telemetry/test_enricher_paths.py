"""The GenAI enricher's two paths: spans that need nothing pass through untouched, model calls
(and anything it cannot judge from the SDK's fields) are completed."""

from __future__ import annotations

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tracekit import semconv as sc
from tracekit.pricing import ModelPrice, PriceTable
from tracekit.telemetry import Telemetry

PRICES = PriceTable(prices={"m": ModelPrice(input=1.0, output=2.0)})


def _telemetry() -> tuple[Telemetry, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    return Telemetry(processors=[SimpleSpanProcessor(exporter)], prices=PRICES), exporter


def test_spans_that_are_no_model_call_pass_through_as_they_are() -> None:
    telemetry, exporter = _telemetry()
    tracer = telemetry.tracer_provider.get_tracer("app")
    for operation in (sc.OP_EXECUTE_TOOL, None, 7, ""):
        attributes = {} if operation is None else {sc.GEN_AI_OPERATION_NAME: operation}
        attributes[sc.GEN_AI_USAGE_INPUT_TOKENS] = 1000
        with tracer.start_as_current_span("step", attributes=attributes):
            pass

    spans = exporter.get_finished_spans()
    assert len(spans) == 4
    for span in spans:
        assert sc.TRACEKIT_COST_USD not in (span.attributes or {})
    telemetry.shutdown()


def test_a_model_call_from_another_library_is_priced_and_stamped() -> None:
    telemetry, exporter = _telemetry()
    tracer = telemetry.tracer_provider.get_tracer("other.library")
    with tracer.start_as_current_span(
        "chat m",
        attributes={
            sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
            sc.GEN_AI_REQUEST_MODEL: "m",
            sc.GEN_AI_USAGE_INPUT_TOKENS: 1_000_000,
            sc.GEN_AI_USAGE_OUTPUT_TOKENS: 0,
        },
    ):
        pass

    [span] = exporter.get_finished_spans()
    attributes = span.attributes or {}
    assert attributes[sc.OPENINFERENCE_SPAN_KIND] == sc.OI_LLM
    assert attributes[sc.TRACEKIT_COST_USD] > 0
    telemetry.shutdown()
