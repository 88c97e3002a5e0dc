"""The help screen (``?``): what the current screen shows and every key it answers to."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

_GLOBAL_KEYS = (
    ("j / k, ↓ / ↑", "move"),
    ("enter", "open / fold"),
    ("escape", "back / clear"),
    ("/", "filter (traces)"),
    ("1 / 2", "traces / stats"),
    ("?", "this help"),
    ("q", "quit"),
    ("mouse", "click rows, headers, tabs; scroll with the wheel"),
)


class HelpScreen(ModalScreen[None]):
    """Keys of the screen below, with a paragraph about it."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 90%;
        max-width: 100;
        height: 90%;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close"),
        # A modal screen hides the app's keys; these two work from every screen.
        Binding("1", "app.switch_mode('traces')", "Traces", show=False),
        Binding("2", "app.switch_mode('stats')", "Stats", show=False),
    ]

    def __init__(self, target: Screen[object]) -> None:
        super().__init__()
        self._target = target

    def compose(self) -> ComposeResult:
        """The help text and the key table."""
        with VerticalScroll():
            yield Static(self._content(), id="help-body")

    def _content(self) -> Group:
        title = type(self._target).__name__.removesuffix("Screen") or "tracekit"
        about = str(getattr(self._target, "HELP_TEXT", ""))
        keys = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
        keys.add_column("key", style="bold cyan", no_wrap=True)
        keys.add_column("does")
        seen: set[tuple[str, str]] = set()
        for key, active in self._target.active_bindings.items():
            binding = active.binding
            if not binding.description or (binding.action, binding.description) in seen:
                continue
            if type(active.node).__module__.startswith("textual."):
                continue  # a built-in widget's own keys (arrows, home/end) are in the list below
            seen.add((binding.action, binding.description))
            keys.add_row(self.app.get_key_display(binding) or key, binding.description)
        everywhere = Table(box=None, show_header=False, pad_edge=False)
        everywhere.add_column(style="bold cyan", no_wrap=True)
        everywhere.add_column()
        for key, does in _GLOBAL_KEYS:
            everywhere.add_row(key, does)
        return Group(
            Text(f"{title} — help", style="bold"),
            Text(about + "\n"),
            Text("Keys here", style="bold underline"),
            keys,
            Text("\nEverywhere", style="bold underline"),
            everywhere,
            Text("\nescape or ? closes this help.", style="dim"),
        )

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
