"""TUI fixtures: the fixed store, a UTC clock for stable screens, an app factory."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.tui.fixture_store import build_fixture_store
from tracekit.store import TraceStore
from tracekit.tui import TracekitApp


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times on screen in UTC, so snapshots do not depend on the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def fixture_store(tmp_path: Path) -> Path:
    """The six fixed runs in a real store (see :mod:`tests.tui.fixture_store`)."""
    return build_fixture_store(tmp_path / "store.duckdb")


@pytest.fixture
def make_app(fixture_store: Path) -> Callable[..., TracekitApp]:
    """An app on the fixture store (live mode off unless asked)."""

    def make(store: Path | None = None, *, live: bool = False, poll_s: float = 1.0) -> TracekitApp:
        return TracekitApp(TraceStore(store or fixture_store), live=live, poll_s=poll_s)

    return make


@pytest.fixture
def anyio_backend() -> str:
    """Pilot tests run on asyncio (Textual's loop)."""
    return "asyncio"
