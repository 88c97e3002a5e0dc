"""``tracekit ui``: the app only wires screens, keys and the store together."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from tracekit.store import TraceStore
from tracekit.tui.screens.help import HelpScreen
from tracekit.tui.screens.stats import StatsScreen
from tracekit.tui.screens.traces import TracesScreen


class TracekitApp(App[None]):
    """The terminal trace browser.

    Args:
        store: the store to browse.
        live: poll the store for traces other processes record.
        poll_s: seconds between two polls in live mode.
    """

    TITLE = "tracekit"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "traces": TracesScreen,
        "stats": StatsScreen,
    }
    DEFAULT_MODE = "traces"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("1", "switch_mode('traces')", "Traces", show=False),
        Binding("2", "switch_mode('stats')", "Stats", show=False),
    ]

    def __init__(self, store: TraceStore, *, live: bool = True, poll_s: float = 1.0) -> None:
        super().__init__()
        self.store = store
        self.live = live
        self.poll_s = poll_s

    def action_help(self) -> None:
        """Show the keys of the current screen."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))
