"""pytest plugin: telemetry whose spans and metrics are captured in memory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tracekit.telemetry import Telemetry


@dataclass
class Captured:
    """Telemetry plus what it recorded."""

    telemetry: Telemetry
    exporter: InMemorySpanExporter
    metrics: InMemoryMetricReader

    @property
    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def named(self, prefix: str) -> list[ReadableSpan]:
        return [s for s in self.spans if s.name.startswith(prefix)]

    def one(self, name: str) -> ReadableSpan:
        matches = [s for s in self.spans if s.name == name]
        assert len(matches) == 1, f"expected one span {name!r}, got {[s.name for s in self.spans]}"
        return matches[0]

    def events(self, name: str) -> list[tuple[ReadableSpan, dict[str, Any]]]:
        return [
            (s, dict(e.attributes or {})) for s in self.spans for e in s.events if e.name == name
        ]

    def metric_points(self, metric: str) -> list[Any]:
        data = self.metrics.get_metrics_data()
        points: list[Any] = []
        for rm in data.resource_metrics if data else []:
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    if m.name == metric:
                        points.extend(m.data.data_points)
        return points


def json_attr(span: ReadableSpan, key: str) -> Any:
    """A JSON-valued attribute, parsed."""
    value = (span.attributes or {})[key]
    assert isinstance(value, str)
    return json.loads(value)


@pytest.fixture
def captured() -> Iterator[Captured]:
    exporter = InMemorySpanExporter()
    reader = InMemoryMetricReader()
    telemetry = Telemetry(processors=[SimpleSpanProcessor(exporter)], metric_readers=[reader])
    yield Captured(telemetry, exporter, reader)
    telemetry.shutdown()
