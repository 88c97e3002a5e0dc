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
import math
from datetime import datetime
from typing import Any, NamedTuple

from rich.highlighter import JSONHighlighter
from rich.text import Text

from tracekit.inert_text import (
    _CONTROL,
    _CONTROL_KEEP_LINES,
    _TRIGGER,
    _TRIGGER_KEEP_LINES,
    LINE_LIMIT,
    _cut_line,
    _utf8_size,
    _visible,
    format_size,
    inert,
    inert_json,
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

#: How an unknown figure (an unpriced model's cost, tokens nobody reported) is shown: never 0.
UNKNOWN = "—"
#: How escapes are styled in :func:`literal`, so they read as markers, not as text.
ESCAPE_STYLE = "reverse"
_JSON = JSONHighlighter()

#: How each run status is shown, in the CLI and the TUI alike.
STATUS_STYLES = {"ok": "green", "error": "bold red", "stopped": "yellow", "interrupted": "magenta"}


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
    if (_TRIGGER_KEEP_LINES if multiline else _TRIGGER).search(raw) is None:
        text.append(raw)
    else:
        pattern = _CONTROL_KEEP_LINES if multiline else _CONTROL
        position = 0
        for match in pattern.finditer(raw):
            start, end = match.span()
            if start > position:
                text.append(raw[position:start])
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
    """``$0.0123``, ``$1,234.50``; a small cost keeps two significant digits (``$0.000026``,
    so a cheap call never reads as free); ``—`` when unknown (an unpriced model).

    >>> format_cost(0.0123), format_cost(1234.5), format_cost(2.6e-05), format_cost(None)
    ('$0.0123', '$1,234.50', '$0.000026', '—')
    """
    if cost_usd is None:
        return UNKNOWN
    if cost_usd >= 1:
        return f"${cost_usd:,.2f}"
    if cost_usd <= 0:
        return "$0.0000"
    # Two significant digits, at least four decimals, never scientific notation.
    decimals = max(4, 1 - math.floor(math.log10(cost_usd)))
    return f"${cost_usd:.{decimals}f}"


def format_partial_cost(cost_usd: float | None, unpriced_spans: int) -> str:
    """A cost summed over spans some of which have no price: the known part with a ``*``
    (see :func:`unpriced_note`), ``—`` when nothing was priced.

    >>> format_partial_cost(0.5, 0), format_partial_cost(0.5, 2), format_partial_cost(None, 3)
    ('$0.5000', '$0.5000*', '—')
    """
    shown = format_cost(cost_usd)
    return f"{shown}*" if unpriced_spans and cost_usd is not None else shown


def unpriced_note(unpriced_spans: int) -> str:
    """The footnote under a total that leaves spans out; empty when none were left out.

    >>> unpriced_note(3)
    '* partial: 3 model spans unpriced (no price for their model; see TRACEKIT_PRICES)'
    """
    if not unpriced_spans:
        return ""
    noun = "span" if unpriced_spans == 1 else "spans"
    return (
        f"* partial: {unpriced_spans:,} model {noun} unpriced "
        "(no price for their model; see TRACEKIT_PRICES)"
    )


def format_time(start_ns: int) -> str:
    """A start time in local time: ``06-15 10:00``."""
    return datetime.fromtimestamp(start_ns / 1e9).strftime("%m-%d %H:%M")


def format_tokens(count: int | None) -> str:
    """``950``, ``12.3k``, ``4.5M``; ``—`` when unknown.

    >>> format_tokens(950), format_tokens(12_345), format_tokens(4_500_000)
    ('950', '12.3k', '4.5M')
    """
    if count is None:
        return UNKNOWN
    if count < 10_000:
        return f"{count:,}"
    if count < 1_000_000:
        return f"{count / 1000:.1f}k"
    return f"{count / 1_000_000:.1f}M"
