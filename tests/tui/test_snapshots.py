"""SVG snapshots of the main screens on the fixed store: what a person sees, pinned.

Regenerate after an intended change with
``.venv/bin/pytest tests/tui/test_snapshots.py --snapshot-update`` and review the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import time_machine

from tests.store.anomaly_data import MONDAY
from tests.tui.analytics_stores import session_store, spiked_store
from tests.tui.fixture_experiments import add_experiments
from tracekit.store import TraceStore
from tracekit.tui import TracekitApp

SnapCompare = Callable[..., bool]


def test_traces_screen(snap_compare: SnapCompare, make_app: Callable[..., TracekitApp]) -> None:
    assert snap_compare(make_app(), terminal_size=(120, 30))


def test_traces_screen_at_80_by_24(
    snap_compare: SnapCompare, make_app: Callable[..., TracekitApp]
) -> None:
    assert snap_compare(make_app(), terminal_size=(80, 24))


def test_traces_screen_filtered(
    snap_compare: SnapCompare, make_app: Callable[..., TracekitApp]
) -> None:
    assert snap_compare(
        make_app(), press=["slash", *"agent:writer cost>0.005", "enter"], terminal_size=(120, 30)
    )


def test_trace_screen_with_a_model_call_selected(
    snap_compare: SnapCompare, make_app: Callable[..., TracekitApp]
) -> None:
    # Row 4 is the failed run; the writer's model call is the last span.
    assert snap_compare(
        make_app(), press=["j", "j", "j", "j", "enter", "end"], terminal_size=(140, 40)
    )


def test_trace_screen_at_80_by_24(
    snap_compare: SnapCompare, make_app: Callable[..., TracekitApp]
) -> None:
    assert snap_compare(make_app(), press=["enter", "j", "j"], terminal_size=(80, 24))


def test_stats_screen(snap_compare: SnapCompare, make_app: Callable[..., TracekitApp]) -> None:
    assert snap_compare(make_app(), press=["2"], terminal_size=(120, 36))


def test_diff_screen(snap_compare: SnapCompare, make_app: Callable[..., TracekitApp]) -> None:
    assert snap_compare(
        make_app(), press=["m", "j", "j", "j", "j", "m", "d"], terminal_size=(120, 30)
    )


def test_help_screen(snap_compare: SnapCompare, make_app: Callable[..., TracekitApp]) -> None:
    async def settle(pilot: Any) -> None:
        await pilot.pause()

    assert snap_compare(
        make_app(), press=["question_mark"], terminal_size=(100, 36), run_before=settle
    )


def test_stats_screen_with_an_anomaly(
    snap_compare: SnapCompare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spiked_store(tmp_path / "spiked.duckdb")
    with time_machine.travel(MONDAY / 1e9, tick=True):
        app = TracekitApp(TraceStore(tmp_path / "spiked.duckdb"), live=False)
        assert snap_compare(app, press=["2"], terminal_size=(140, 36))


def test_anomalies_tab(snap_compare: SnapCompare, tmp_path: Path) -> None:
    spiked_store(tmp_path / "spiked.duckdb")
    with time_machine.travel(MONDAY / 1e9, tick=True):
        app = TracekitApp(TraceStore(tmp_path / "spiked.duckdb"), live=False)
        assert snap_compare(app, press=["2", "n"], terminal_size=(140, 30))


def test_traces_grouped_by_session(snap_compare: SnapCompare, tmp_path: Path) -> None:
    session_store(tmp_path / "sessions.duckdb")
    app = TracekitApp(TraceStore(tmp_path / "sessions.duckdb"), live=False)
    assert snap_compare(app, press=["S"], terminal_size=(120, 20))


def test_fork_form(snap_compare: SnapCompare, make_app: Callable[..., TracekitApp]) -> None:
    # Run 0 (row 5), its planner call: the form lists the agents from there on, prefilled.
    async def settle(pilot: Any) -> None:
        await pilot.pause()

    assert snap_compare(
        make_app(),
        press=["j", "j", "j", "j", "j", "enter", "j", "f"],
        terminal_size=(120, 36),
        run_before=settle,
    )


def test_experiments_screen(
    snap_compare: SnapCompare, make_app: Callable[..., TracekitApp], fixture_store: Path
) -> None:
    app = make_app(add_experiments(fixture_store))
    assert snap_compare(app, press=["3"], terminal_size=(140, 36))


def test_experiment_screen_against_its_baseline(
    snap_compare: SnapCompare, make_app: Callable[..., TracekitApp], fixture_store: Path
) -> None:
    app = make_app(add_experiments(fixture_store))
    assert snap_compare(app, press=["3", "j", "enter"], terminal_size=(160, 30))
