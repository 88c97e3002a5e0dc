"""Showing trace data in a terminal: untrusted text made inert and literal, and the number
formats the CLI, the TUI and the replay report share.

Text from traces is untrusted: a model's output can hold Rich markup (``[bold red]``) or
terminal escape sequences (``\\x1b[2J``). Before it reaches a terminal its control characters
are made visible (:func:`inert`), and it is shown as ``rich.text.Text``, never as markup
(:func:`literal`, :func:`pretty_json`). Textual 8 parses a ``str`` given to most widgets (a
DataTable cell, a Static, a notification) as markup, so the TUI hands them ``Text`` too.

This module sits low in the layers (stdlib and rich only): the CLI, the TUI and the replay
report all import it.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from rich.highlighter import JSONHighlighter
from rich.text import Text

__all__ = [
    "STATUS_STYLES",
    "format_cost",
    "format_duration",
    "format_time",
    "format_tokens",
    "inert",
    "literal",
    "pretty_json",
]

# C0 and C1 controls and DEL; newline and tab are kept in multi-line text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_KEEP_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
_JSON = JSONHighlighter()

#: How each run status is shown, in the CLI and the TUI alike.
STATUS_STYLES = {"ok": "green", "error": "bold red", "stopped": "yellow", "interrupted": "magenta"}


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    return _NAMED.get(char, f"\\x{ord(char):02x}")


def inert(value: object, *, multiline: bool = False) -> str:
    """``value`` as a string with control characters shown as escapes (``\\x1b``).

    ``multiline`` keeps newlines and tabs (text shown in full, a prompt or a message).

    >>> inert("ok\\x1b[2J")
    'ok\\\\x1b[2J'
    """
    pattern = _CONTROL_KEEP_LINES if multiline else _CONTROL
    return pattern.sub(_visible, str(value))


def literal(
    value: object, style: str = "", *, multiline: bool = False, right: bool = False
) -> Text:
    """``value`` as literal Rich text: no markup is interpreted, controls are made visible.

    ``multiline`` keeps newlines and tabs (for message text shown in full); ``right``
    right-justifies it (numbers in tables).

    >>> literal("[bold]hi[/bold]\\x07").plain
    '[bold]hi[/bold]\\\\x07'
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


def format_duration(duration_ns: int) -> str:
    """``850 µs``, ``12.3 ms``, ``4.56 s``, ``2m 05s``.

    >>> format_duration(12_300_000), format_duration(125_000_000_000)
    ('12.3 ms', '2m 05s')
    """
    if duration_ns < 1_000_000:
        return f"{duration_ns / 1000:.0f} µs"
    if duration_ns < 1_000_000_000:
        return f"{duration_ns / 1e6:.1f} ms"
    seconds = duration_ns / 1e9
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m {rest:02d}s"


def format_cost(cost_usd: float | None) -> str:
    """``$0.0123``; ``-`` when unknown.

    >>> format_cost(0.0123), format_cost(1234.5), format_cost(None)
    ('$0.0123', '$1,234.50', '-')
    """
    if cost_usd is None:
        return "-"
    return f"${cost_usd:.4f}" if cost_usd < 1 else f"${cost_usd:,.2f}"


def format_time(start_ns: int) -> str:
    """A start time in local time: ``06-15 10:00``."""
    return datetime.fromtimestamp(start_ns / 1e9).strftime("%m-%d %H:%M")


def format_tokens(count: int | None) -> str:
    """``950``, ``12.3k``, ``4.5M``; ``-`` when unknown.

    >>> format_tokens(950), format_tokens(12_345), format_tokens(4_500_000)
    ('950', '12.3k', '4.5M')
    """
    if count is None:
        return "-"
    if count < 10_000:
        return f"{count:,}"
    if count < 1_000_000:
        return f"{count / 1000:.1f}k"
    return f"{count / 1_000_000:.1f}M"
