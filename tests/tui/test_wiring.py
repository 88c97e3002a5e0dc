"""How the app is put together: :func:`open_app` as ``tracekit ui`` uses it."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable

from tracekit.exceptions import StoreNotFoundError
from tracekit.tui import open_app
from tracekit.tui.screens.traces import TracesScreen


@pytest.mark.anyio
async def test_open_app_shows_the_traces_of_the_store(fixture_store: Path) -> None:
    app = open_app(fixture_store, live=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TracesScreen)
        assert app.screen.query_one("#traces", DataTable).row_count == 6


def test_open_app_on_a_missing_store_fails_before_any_screen(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFoundError, match="no store at"):
        open_app(tmp_path / "nope.duckdb")
