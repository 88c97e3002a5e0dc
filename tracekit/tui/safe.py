"""Untrusted text from traces, made safe to show: literal (never markup) and inert (no
terminal control sequences), plus the number formats every screen shares.

Textual 8 parses a ``str`` given to most widgets (a DataTable cell, a Static, a notification)
as markup, and a model's output can hold ``[bold red]`` or ``\\x1b[2J``. Everything that came
from a trace therefore goes through :func:`literal` (a ``rich.text.Text``, shown as is) with
control characters made visible.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rich.highlighter import JSONHighlighter
from rich.text import Text

from tracekit.cli.query_commands import format_cost, format_duration
from tracekit.untrusted import inert

__all__ = ["format_cost", "format_duration", "format_time", "format_tokens", "literal"]

# C0 and C1 controls and DEL; newline and tab are kept in multi-line text.
_JSON = JSONHighlighter()


def literal(
    value: object, style: str = "", *, multiline: bool = False, right: bool = False
) -> Text:
    """``value`` as literal Rich text: no markup is interpreted, controls are made visible.

    ``multiline`` keeps newlines and tabs (for message text shown in full); ``right``
    right-justifies it (numbers in tables).
    """
    return Text(inert(value, multiline=multiline), style=style, justify="right" if right else None)


def pretty_json(value: Any) -> Text:
    """``value`` (or JSON text) pretty-printed and highlighted, shown literally."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return literal(value, multiline=True)
    shown = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str)
    text = literal(shown, multiline=True)
    _JSON.highlight(text)
    return text


def format_time(start_ns: int) -> str:
    """A start time in local time: ``06-15 10:00``."""
    return datetime.fromtimestamp(start_ns / 1e9).strftime("%m-%d %H:%M")


def format_tokens(count: int | None) -> str:
    """``950``, ``12.3k``, ``4.5M``; ``-`` when unknown."""
    if count is None:
        return "-"
    if count < 10_000:
        return f"{count:,}"
    if count < 1_000_000:
        return f"{count / 1000:.1f}k"
    return f"{count / 1_000_000:.1f}M"
