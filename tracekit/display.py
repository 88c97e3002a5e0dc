"""Showing trace data in a terminal: untrusted text made inert and literal, and the number
formats the CLI, the TUI and the replay report share.

Text from traces is untrusted: a model's output can hold Rich markup (``[bold red]``) or
terminal escape sequences (``\\x1b[2J``). Before it reaches a terminal its control characters
are made visible (:func:`inert`), and it is shown as ``rich.text.Text``, never as markup
(:func:`literal`, :func:`pretty_json`). Textual 8 parses a ``str`` given to most widgets (a
DataTable cell, a Static, a notification) as markup, so the TUI hands them ``Text`` too.

This module sits low in the layers (stdlib and rich only): the CLI, the TUI and the replay
report all import it. Its Rich-free halves, :mod:`tracekit.inert_text` and
:mod:`tracekit.figure_text` (the number formats), are re-exported here.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from rich.highlighter import JSONHighlighter
from rich.text import Text

from tracekit.figure_text import (
    STATUS_STYLES,
    UNKNOWN,
    format_cost,
    format_duration,
    format_partial_cost,
    format_time,
    format_tokens,
    unpriced_note,
)
from tracekit.inert_text import (
    LINE_LIMIT,
    PATTERNS,
    _cut_line,
    _kept,
    _utf8_size,
    _visible,
    format_size,
    inert,
    inert_json,
    is_plain_line,
)

__all__ = [
    "ESCAPE_STYLE",
    "LINE_LIMIT",
    "STATUS_STYLES",
    "UNKNOWN",
    "Clipped",
    "clip",
    "format_cost",
    "format_duration",
    "format_partial_cost",
    "format_size",
    "format_time",
    "format_tokens",
    "highlight_json",
    "inert",
    "inert_json",
    "json_shown",
    "literal",
    "pretty_json",
    "unpriced_note",
]

#: How escapes are styled in :func:`literal`, so they read as markers, not as text.
ESCAPE_STYLE = "reverse"
_JSON = JSONHighlighter()


def literal(
    value: object, style: str = "", *, multiline: bool = False, right: bool = False
) -> Text:
    """``value`` as literal Rich text: no markup is interpreted, controls are made visible
    (see :func:`inert`) and styled ``ESCAPE_STYLE``, so an escape never passes for text.

    ``multiline`` keeps newlines and tabs (for message text shown in full); ``right``
    right-justifies it (numbers in tables).

    >>> literal("[bold]hi[/bold]\\x07").plain
    '[bold]hi[/bold]\\\\x07'
    """
    raw = str(value)
    cut = ""
    if not multiline and len(raw) > LINE_LIMIT:
        raw, cut = _cut_line(raw)
    text = Text(style=style, justify="right" if right else None)
    if is_plain_line(raw) or PATTERNS.triggers(multiline=multiline).search(raw) is None:
        text.append(raw)
    else:
        position = 0
        for match in PATTERNS.controls(multiline=multiline).finditer(raw):
            start, end = match.span()
            if start > position:
                text.append(raw[position:start])
            if _kept(match):
                text.append(match.group(0))
            else:
                text.append(_visible(match), ESCAPE_STYLE)
            position = end
        text.append(raw[position:] if position else raw)
    if cut:
        text.append(cut, "dim")
    return text


class Clipped(NamedTuple):
    """One page of a long text, and the sizes (in UTF-8 bytes) of the text around it."""

    text: str
    before: int
    after: int


def clip(value: str, page: int = 0, size: int | None = None) -> Clipped:
    """Page ``page`` of ``value`` in pages of ``size`` characters (``size`` None: all of it).

    A text of megabytes is shown a page at a time: laying it all out would freeze a terminal.

    >>> clip("abcdef", 0, 4), clip("abcdef", 1, 4), clip("abc", 0, None)
    (Clipped(text='abcd', before=0, after=2), Clipped(text='ef', before=4, after=0), \
Clipped(text='abc', before=0, after=0))
    """
    if size is None or len(value) <= size:
        return Clipped(value, 0, 0)
    start = min(max(page, 0) * size, len(value))
    end = start + size
    return Clipped(value[start:end], _utf8_size(value[:start]), _utf8_size(value[end:]))


def json_shown(value: Any) -> tuple[str, bool]:
    """``value`` (or JSON text) pretty-printed, and whether it is JSON (text that does not
    parse is returned as it is). Not yet inert: give it to :func:`literal`."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value, False
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False, default=str), True


def highlight_json(text: Text) -> Text:
    """``text`` (JSON made literal) with JSON syntax highlighted, in place."""
    _JSON.highlight(text)
    return text


def pretty_json(value: Any) -> Text:
    """``value`` (or JSON text) pretty-printed and highlighted, shown literally."""
    shown, is_json = json_shown(value)
    text = literal(shown, multiline=True)
    return highlight_json(text) if is_json else text
