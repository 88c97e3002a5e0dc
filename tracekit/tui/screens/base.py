"""What every tracekit screen shares: the store it reads and the keys listed in the help
screen."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.screen import Screen

from tracekit.display import inert
from tracekit.store import TraceStore


class StoreScreen(Screen[None]):
    """A screen that reads a store, given to it when it is made.

    ``HELP_TEXT`` is a paragraph the help screen shows above the key list.

    Args:
        store: the store to read.
    """

    HELP_TEXT: ClassVar[str] = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, store: TraceStore) -> None:
        super().__init__()
        self.store = store

    def validate_title(self, title: Any) -> str | None:
        """A screen's title is shown in the header (and may name a trace): made inert."""
        return None if title is None else inert(title)

    def validate_sub_title(self, sub_title: Any) -> str | None:
        """A screen's sub-title (a workflow name, a file name) is made inert."""
        return None if sub_title is None else inert(sub_title)

    def action_cursor_down(self) -> None:
        """Move the cursor of the focused widget down (``j``)."""
        self._focused_action("cursor_down")

    def action_cursor_up(self) -> None:
        """Move the cursor of the focused widget up (``k``)."""
        self._focused_action("cursor_up")

    def _focused_action(self, name: str) -> None:
        focused = self.focused
        if focused is None:
            return
        action = getattr(focused, f"action_{name}", None)
        if action is None and name in ("cursor_down", "cursor_up"):
            action = getattr(
                focused, "action_scroll_down" if name == "cursor_down" else "action_scroll_up", None
            )
        if action is not None:
            action()


class SortedTableScreen(StoreScreen):
    """A store screen with one table sorted by one column at a time: ``s`` moves to the next
    of ``SORT_COLUMNS``, ``r`` reverses, choosing a column again reverses it, and a column in
    ``DESCENDING_FIRST`` starts largest first.

    Args:
        store: the store to read.
        sort_column: the column sorted by at first.
        descending: whether it starts largest first.
    """

    SORT_COLUMNS: ClassVar[tuple[str, ...]] = ()
    DESCENDING_FIRST: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, store: TraceStore, *, sort_column: str, descending: bool) -> None:
        super().__init__(store)
        self.sort_column = sort_column
        self.descending = descending

    def fill(self) -> None:
        """Draw the table again in the current order (each screen draws its own)."""
        raise NotImplementedError(type(self).__name__)

    def sort_by(self, column: str) -> None:
        """Sort by ``column``; if it is the current one, the other way round."""
        if column == self.sort_column:
            self.descending = not self.descending
        else:
            self.sort_column, self.descending = column, column in self.DESCENDING_FIRST
        self.fill()

    def action_sort(self) -> None:
        """Sort by the next column."""
        names = self.SORT_COLUMNS
        self.sort_column = names[(names.index(self.sort_column) + 1) % len(names)]
        self.descending = self.sort_column in self.DESCENDING_FIRST
        self.fill()

    def action_reverse(self) -> None:
        """Reverse the sort order."""
        self.descending = not self.descending
        self.fill()
