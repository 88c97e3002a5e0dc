"""A telemetry makes its meter provider only when something needs one: without a metric
reader nothing records into it, and each SDK provider leaves a fork hook behind for good."""

from __future__ import annotations

import gc

from opentelemetry.metrics import NoOpMeter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from tracekit.telemetry import Telemetry


def _meter_providers() -> int:
    return sum(1 for obj in gc.get_objects() if isinstance(obj, MeterProvider))


def test_a_telemetry_without_metric_readers_makes_its_meter_provider_when_asked() -> None:
    before = _meter_providers()
    made = [Telemetry() for _ in range(5)]
    assert _meter_providers() == before
    provider = made[0].meter_provider
    assert made[0].meter_provider is provider
    assert _meter_providers() == before + 1
    for telemetry in made:
        telemetry.shutdown()


def test_a_meter_provider_asked_for_after_shutdown_is_shut_down_too() -> None:
    telemetry = Telemetry()
    telemetry.shutdown()
    assert isinstance(telemetry.meter_provider.get_meter("late"), NoOpMeter)


def test_a_telemetry_with_a_reader_has_metrics_and_shuts_their_provider_down() -> None:
    reader = InMemoryMetricReader()
    telemetry = Telemetry(metric_readers=[reader])
    assert telemetry.metrics is not None
    assert not isinstance(telemetry.meter_provider.get_meter("live"), NoOpMeter)
    telemetry.shutdown()
    assert isinstance(telemetry.meter_provider.get_meter("after"), NoOpMeter)
