"""Figures as tracekit shows them: durations, costs, token counts and start times as plain
strings, the same in the CLI, the TUI and the replay report.

Re-exported by :mod:`tracekit.display`; kept apart from it (as :mod:`tracekit.inert_text`
is) because this half needs no Rich: a command that writes plain text to a pipe
(``tracekit traces | less``) formats its figures without loading Rich at all.
"""

from __future__ import annotations

import math
from datetime import datetime

__all__ = [
    "STATUS_STYLES",
    "UNKNOWN",
    "format_cost",
    "format_duration",
    "format_partial_cost",
    "format_time",
    "format_tokens",
    "unpriced_note",
]

#: How each run status is shown, in the CLI and the TUI alike: a Rich style's name (nothing
#: here loads Rich).
STATUS_STYLES = {"ok": "green", "error": "bold red", "stopped": "yellow", "interrupted": "magenta"}
#: How an unknown figure (an unpriced model's cost, tokens nobody reported) is shown: never 0.
UNKNOWN = "—"


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
