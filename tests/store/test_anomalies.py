"""Anomaly detection on generated stores: every planted spike is found, with example traces
that drove it; a steady store with normal noise and daily or weekly patterns flags nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.store.analytics_data import HOUR
from tests.store.anomaly_data import DAY, MONDAY, Spike, SpikeKind, generate_store
from tracekit.exceptions import ConfigError
from tracekit.store import TraceStore
from tracekit.store.anomalies import AnomalyQuery, robust_z
from tracekit.store.filters import parse_filter

#: The metric each planted spike must raise.
SPIKE_METRICS: dict[SpikeKind, str] = {
    "tokens": "tokens_per_call",
    "cost": "cost_per_run",
    "latency": "latency_p95",
    "errors": "error_rate",
    "retries": "retry_rate",
}


def _flags(path: Path, **query: object) -> set[tuple[str, str | None, str]]:
    report = TraceStore(path).anomalies(AnomalyQuery(now_ns=MONDAY, **query))  # type: ignore[arg-type]
    return {(flag.by, flag.group, flag.metric) for flag in report.anomalies}


@pytest.mark.parametrize("kind", list(SPIKE_METRICS))
def test_every_planted_spike_is_found_with_the_traces_that_drove_it(
    tmp_path: Path, kind: SpikeKind
) -> None:
    spike = Spike("writer", kind, MONDAY - 8 * HOUR, MONDAY)
    store = generate_store(tmp_path / "spiked.duckdb", spikes=(spike,))

    report = TraceStore(store.path).anomalies(AnomalyQuery(now_ns=MONDAY))

    flag = next(
        flag
        for flag in report.anomalies
        if (flag.by, flag.group, flag.metric) == ("agent", "writer", SPIKE_METRICS[kind])
    )
    assert flag.direction == "up" and flag.robust_z >= 3.5
    assert flag.now > flag.baseline
    assert flag.baseline_windows == 7 and flag.calls == 96
    assert 1 <= len(flag.example_trace_ids) <= 3
    assert set(flag.example_trace_ids) <= store.spiked
    # The planner was left alone: nothing about it is flagged.
    assert not [f for f in report.anomalies if f.by == "agent" and f.group == "planner"]


def test_a_spike_shows_on_the_model_and_workflow_too(tmp_path: Path) -> None:
    spike = Spike("writer", "tokens", MONDAY - 8 * HOUR, MONDAY)
    store = generate_store(tmp_path / "spiked.duckdb", spikes=(spike,))

    flags = _flags(store.path)

    assert ("model", "claude-sonnet-4-5", "tokens_per_call") in flags
    assert ("workflow", "billing", "tokens_per_call") in flags
    assert ("model", "claude-haiku-4-5", "tokens_per_call") not in flags
    assert _flags(store.path, dimensions=("model",)) == {
        flag for flag in flags if flag[0] == "model"
    }


def test_a_spike_outside_the_window_or_the_filter_is_not_flagged(tmp_path: Path) -> None:
    old = Spike("writer", "tokens", MONDAY - 3 * DAY, MONDAY - 3 * DAY + 8 * HOUR)
    store = generate_store(tmp_path / "old-spike.duckdb", spikes=(old,))
    assert _flags(store.path) == set()

    recent = Spike("writer", "tokens", MONDAY - 8 * HOUR, MONDAY)
    spiked = generate_store(tmp_path / "spiked.duckdb", spikes=(recent,))
    only_support = _flags(spiked.path, matching=parse_filter("workflow=support"))
    assert ("workflow", "support", "tokens_per_call") in only_support
    assert not [flag for flag in only_support if flag[1] == "billing"]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_a_steady_store_with_normal_noise_flags_nothing(tmp_path: Path, seed: int) -> None:
    store = generate_store(tmp_path / "steady.duckdb", seed=seed)

    report = TraceStore(store.path).anomalies(AnomalyQuery(now_ns=MONDAY))

    assert report.anomalies == []
    assert report.judged == {"agent": 2, "model": 2, "workflow": 2}


def test_a_weekly_pattern_is_not_flagged_against_a_weekly_baseline(tmp_path: Path) -> None:
    # Weekends take 2.5x the tokens and latency; the recent 24h is a Sunday.
    store = generate_store(tmp_path / "weekly.duckdb", days=36, runs_per_hour=2, weekly=True)

    report = TraceStore(store.path).anomalies(AnomalyQuery(now_ns=MONDAY, baseline_ns=28 * DAY))

    assert report.season == "week"
    assert report.anomalies == []
    # The pattern is real: against the last 7 days alone, the Sunday stands out.
    assert ("agent", "writer", "tokens_per_call") in _flags(store.path, baseline_ns=7 * DAY)


def test_a_daily_pattern_is_not_flagged_against_the_same_hours(tmp_path: Path) -> None:
    # Nights (00-06 UTC) take half the tokens; the recent window is 00:00-03:00.
    store = generate_store(tmp_path / "daily.duckdb", daily=True)

    report = TraceStore(store.path).anomalies(
        AnomalyQuery(now_ns=MONDAY - 21 * HOUR, since_ns=3 * HOUR)
    )

    assert report.season == "day"
    assert report.judged["agent"] == 2
    assert report.anomalies == []


def test_a_baseline_shorter_than_three_windows_is_refused(tmp_path: Path) -> None:
    store = generate_store(tmp_path / "steady.duckdb", days=2)
    with pytest.raises(ConfigError, match="at least 3 windows"):
        TraceStore(store.path).anomalies(AnomalyQuery(since_ns=DAY, baseline_ns=2 * DAY))


def test_a_young_store_has_nothing_to_judge(tmp_path: Path) -> None:
    store = generate_store(tmp_path / "young.duckdb", days=2)
    report = TraceStore(store.path).anomalies(AnomalyQuery(now_ns=MONDAY))
    assert report.anomalies == [] and report.judged == {"agent": 0, "model": 0, "workflow": 0}


def test_robust_z_ignores_one_wild_baseline_window() -> None:
    z, median, _ = robust_z(14.0, [10.0, 10.5, 9.5, 10.0, 1_000.0])
    assert median == 10.0 and z > 3.5
