"""The traces screen's session view: one row per session (runs sharing a session or
conversation id) with its runs, turns, tokens, cost and duration; choosing one asks the
screen to list that session's runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.message import Message
from textual.widgets import DataTable

from tracekit.display import format_cost, format_duration, format_time, format_tokens, literal

if TYPE_CHECKING:
    # A type only: the sessions module loads pydantic, which the first screen has no use for.
    from tracekit.store.sessions import SessionSummary

#: (column key, header, right-aligned).
SESSION_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("session", "session", False),
    ("runs", "runs", True),
    ("turns", "turns", True),
    ("tokens", "tokens", True),
    ("cost", "cost", True),
    ("errors", "errors", True),
    ("duration", "duration", True),
    ("last", "last", False),
    ("workflows", "workflows", False),
)
_SESSION_WIDTH = 38


class SessionTable(DataTable[Text]):
    """Sessions, latest activity first; enter posts :class:`SessionTable.Chosen`."""

    class Chosen(Message):
        """The user chose a session: list its runs."""

        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    def on_mount(self) -> None:
        """Add the columns."""
        for key, header, right in SESSION_COLUMNS:
            self.add_column(Text(header, justify="right" if right else "left"), key=key)

    def show(self, sessions: list[SessionSummary]) -> None:
        """Replace the rows with ``sessions``."""
        self.clear()
        for session in sessions:
            self.add_row(*self._cells(session), key=session.session_id)

    def _cells(self, session: SessionSummary) -> list[Text]:
        name = literal(session.session_id, "bold")
        name.truncate(_SESSION_WIDTH, overflow="ellipsis")
        cost = "—" if session.cost_usd is None else format_cost(session.cost_usd)
        errors = literal(f"{session.errors:,}", "red" if session.errors else "", right=True)
        return [
            name,
            literal(f"{session.runs:,}", right=True),
            literal(f"{session.turns:,}", right=True),
            literal(format_tokens(session.input_tokens + session.output_tokens), right=True),
            literal(cost, right=True),
            errors,
            literal(format_duration(session.duration_ns), right=True),
            literal(format_time(session.last_end_ns)),
            literal(", ".join(session.workflows)),
        ]

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Chosen(event.row_key.value))
