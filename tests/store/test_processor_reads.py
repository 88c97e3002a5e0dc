"""What the span processor and the converter decide from the SDK's own fields: the sampled
flag, and span names scrubbed on every sight, the first and the later ones."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON

from tracekit import semconv as sc
from tracekit.store import StoreSpanProcessor, pending_segments
from tracekit.store.spool import read_segment

SECRET = "sk-ant-api03-abcdefghijklmnopqrstuvwxyz"


def _rows(processor: StoreSpanProcessor) -> list[dict[str, Any]]:
    assert processor.force_flush()
    rows: list[dict[str, Any]] = []
    for segment in pending_segments(processor.paths):
        rows.extend(read_segment(segment).to_pylist())
    return rows


def test_spans_that_are_not_sampled_are_not_recorded(tmp_path: Path) -> None:
    recorded = StoreSpanProcessor(tmp_path / "on.duckdb", fold=False)
    dropped = StoreSpanProcessor(tmp_path / "off.duckdb", fold=False)
    for sampler, processor in ((ALWAYS_ON, recorded), (ALWAYS_OFF, dropped)):
        provider = TracerProvider(sampler=sampler)
        provider.add_span_processor(processor)
        with provider.get_tracer("app").start_as_current_span("step"):
            pass

    assert [row["name"] for row in _rows(recorded)] == ["step"]
    assert _rows(dropped) == []
    recorded.shutdown()
    dropped.shutdown()


def test_a_span_name_holding_a_secret_is_scrubbed_every_time(tmp_path: Path) -> None:
    processor = StoreSpanProcessor(tmp_path / "store.duckdb", fold=False)
    provider = TracerProvider()
    provider.add_span_processor(processor)
    tracer = provider.get_tracer("app")
    for _ in range(3):  # the same names again: remembered as clean only when they are
        for name in (f"call {SECRET}", "plain step"):
            with tracer.start_as_current_span(
                name, attributes={sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL}
            ):
                pass

    names = [row["name"] for row in _rows(processor)]
    assert names == ["call [REDACTED]", "plain step"] * 3
    processor.shutdown()
