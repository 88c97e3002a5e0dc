"""How the app is put together: :func:`open_app` as ``tracekit ui`` uses it, and screens and
widgets that take what they need through their constructors and talk to the app only through
Textual's own API (messages, ``push_screen``, ``dismiss``), never through its attributes."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest
from textual import on
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable

import tracekit.tui
from tests.tui.fixture_store import trace_id
from tracekit.exceptions import StoreNotFoundError
from tracekit.store import TraceStore
from tracekit.tui import open_app
from tracekit.tui.messages import OpenDiff, OpenTrace
from tracekit.tui.screens.traces import TracesScreen

TUI = Path(tracekit.tui.__file__).parent
#: Every module of the TUI but the app and the package fronts.
PARTS = sorted(path for path in TUI.rglob("*.py") if path.name not in ("app.py", "__init__.py"))
#: What Textual's ``App`` offers its screens and widgets (``console`` is set per instance).
TEXTUAL_APP_API = {name for name in dir(App()) if not name.startswith("_")}


def _module(path: Path) -> str:
    return ".".join(("tracekit", "tui", *path.relative_to(TUI).with_suffix("").parts))


def _reads_of_the_app(tree: ast.AST) -> list[str]:
    """Each use of ``self.app`` that is not public API of Textual's ``App``."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Attribute)
            and node.attr == "app"
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        ):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.attr in TEXTUAL_APP_API:
            continue  # Textual's API: self.app.push_screen, .size, .console, ...
        used = ast.unparse(parent) if parent is not None else "self.app"
        found.append(f"line {node.lineno}: {used}")
    return sorted(found, key=lambda line: int(line.split()[1].rstrip(":")))


@pytest.mark.anyio
async def test_open_app_shows_the_traces_of_the_store(fixture_store: Path) -> None:
    app = open_app(fixture_store, live=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TracesScreen)
        assert app.screen.query_one("#traces", DataTable).row_count == 6


class _Host(App[None]):
    """Another app than tracekit's: it shows the traces screen and notes what it is asked."""

    def __init__(self, store: TraceStore) -> None:
        super().__init__()
        self.screen_store = store
        self.asked: list[tuple[str, ...]] = []

    def on_mount(self) -> None:
        self.push_screen(TracesScreen(self.screen_store))

    @on(OpenTrace)
    def _open(self, message: OpenTrace) -> None:
        self.asked.append(("open", message.trace_id))

    @on(OpenDiff)
    def _diff(self, message: OpenDiff) -> None:
        self.asked.append(("diff", message.trace_a, message.trace_b))


@pytest.mark.anyio
async def test_the_traces_screen_works_in_any_app_and_asks_for_screens_with_messages(
    fixture_store: Path,
) -> None:
    app = _Host(TraceStore(fixture_store))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TracesScreen)
        await pilot.press("enter")  # the newest run
        await pilot.press("m", "j", "m", "d")  # m marks and moves down: runs 5 and 3
        await pilot.pause()
        assert app.asked == [("open", trace_id(5)), ("diff", trace_id(5), trace_id(3))]


def test_open_app_on_a_missing_store_fails_before_any_screen(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFoundError, match="no store at"):
        open_app(tmp_path / "nope.duckdb")


@pytest.mark.parametrize("path", PARTS, ids=lambda path: _module(path))
def test_screens_and_widgets_use_only_textuals_app_api(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert _reads_of_the_app(tree) == [], f"{_module(path)} reads the app's own state"
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "tracekit.tui.app" not in imported, f"{_module(path)} depends on the app class"


def test_the_scan_catches_what_it_is_for() -> None:
    code = (
        "def f(self):\n"
        "    self.app.push_screen(x)\n"
        "    getattr(self.app, 'store')\n"
        "    cast('TracekitApp', self.app).open_trace(t)\n"
        "    return self.app.store\n"
    )
    assert [line.split(":")[0] for line in _reads_of_the_app(ast.parse(code))] == [
        "line 3",
        "line 4",
        "line 5",
    ]


def test_app_actions_in_screen_bindings_are_textuals() -> None:
    for path in TUI.joinpath("screens").glob("*.py"):
        module = importlib.import_module(_module(path))
        for _, screen in inspect.getmembers(module, inspect.isclass):
            if not issubclass(screen, Screen) or screen.__module__ != module.__name__:
                continue
            for binding in screen.BINDINGS:
                assert isinstance(binding, Binding)
                if binding.action.startswith("app."):
                    name = binding.action.removeprefix("app.").split("(")[0]
                    assert hasattr(App, f"action_{name}"), f"{screen.__name__}: {binding.action}"
