"""The browser starts the way ``tracekit ui`` runs it, not only under ``run_test``.

``App.run`` (unlike ``run_test``) switches asyncio to eager tasks on Python 3.12+, which is
where the first screen used to crash with ``ScreenStackError: No screens on stack``.
"""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from tracekit.tui import open_app
from tracekit.tui.screens.traces import TracesScreen


def test_the_browser_starts_on_the_traces_list_and_quits(fixture_store: Path) -> None:
    app = open_app(fixture_store, live=False)
    seen: list[str] = []

    async def user(pilot: Pilot[None]) -> None:
        await pilot.pause()
        seen.append(type(pilot.app.screen).__name__)
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("1")
        await pilot.pause()
        seen.append(type(pilot.app.screen).__name__)
        await pilot.press("q")

    app.run(headless=True, size=(120, 30), auto_pilot=user)
    assert app.return_code == 0
    assert seen == [TracesScreen.__name__, TracesScreen.__name__]


def test_ui_without_a_terminal_is_one_usage_error_not_a_spinning_process(
    fixture_store: Path,
) -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "tracekit.cli", "ui", "--store", str(fixture_store)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,  # a browser waiting for a terminal would never end
    )
    assert result.returncode == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert "needs a terminal" in line


def test_ui_with_a_models_spec_that_does_not_import_is_one_usage_error(
    fixture_store: Path,
) -> None:
    from tests.recording import run_cli

    result = run_cli("ui", "--store", str(fixture_store), "--models", "no_such_module:router")
    assert result.returncode == 2
    (line,) = result.stderr.splitlines()
    assert "--models no_such_module:router: cannot import it" in line
