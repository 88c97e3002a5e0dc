"""The browser keeps its long-lived objects out of the collector's sight only while it runs.

It may run inside a longer-lived process (a test run, a notebook): what it froze must be
given back when it exits, even when its warm-up thread finishes after the exit.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tracekit.tui import open_app
from tracekit.tui.heap import HeapFreeze
from tracekit.tui.screens.traces import WARM_UP_AFTER_S


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen")
def test_nothing_is_left_frozen_after_the_browser_exits(fixture_store: Path) -> None:
    app = open_app(fixture_store, live=False)
    frozen_while_running: list[int] = []

    async def user(pilot: Pilot[None]) -> None:
        await pilot.pause(WARM_UP_AFTER_S + 0.2)
        await pilot.app.workers.wait_for_complete()
        frozen_while_running.append(gc.get_freeze_count())
        await pilot.press("q")

    app.run(headless=True, size=(120, 30), auto_pilot=user)
    assert frozen_while_running[0] > 0
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("unfrozen")
def test_a_freeze_asked_for_after_the_exit_is_skipped() -> None:
    heap = HeapFreeze()
    heap.freeze()
    assert gc.get_freeze_count() > 0
    heap.release()
    heap.freeze()  # the warm-up thread, finishing after the app exited
    assert gc.get_freeze_count() == 0
