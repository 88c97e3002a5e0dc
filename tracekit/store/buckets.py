"""Time windows and bucket widths as users type them: ``24h``, ``7d``, ``90m``, ``2w``, or a date.

``--since``/``--until`` take a span back from now (``24h``) or an instant (``2026-11-30``,
``2026-11-30T08:00``, ``2026-11-30T08:00:00+01:00``; without a zone an instant is local
time); ``--every`` takes a span (``1h``). Each parser raises ConfigError with one line saying
what it expected, so a command can turn it into a usage error.

>>> parse_span("90m")
5400000000000
>>> parse_span("1.5h") == parse_span("90m")
True
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime

from tracekit.exceptions import ConfigError

_SECOND_NS = 1_000_000_000
#: Units a span may be given in, in nanoseconds.
SPAN_UNITS: dict[str, int] = {
    "ms": 1_000_000,
    "s": _SECOND_NS,
    "m": 60 * _SECOND_NS,
    "h": 3_600 * _SECOND_NS,
    "d": 86_400 * _SECOND_NS,
    "w": 7 * 86_400 * _SECOND_NS,
}
_SPAN = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|m|h|d|w)\s*$", re.IGNORECASE)
#: The smallest bucket ``--every`` accepts: finer buckets are noise, and many of them are slow.
MIN_BUCKET_NS = _SECOND_NS
#: The most buckets one window may be cut into.
MAX_BUCKETS = 10_000


def parse_span(text: str) -> int:
    """A length of time (``24h``, ``7d``, ``1.5h``, ``500ms``) in nanoseconds, > 0."""
    match = _SPAN.match(text)
    if match is None:
        raise ConfigError(
            f"{text!r} is not a length of time (use a number and a unit: "
            f"{', '.join(SPAN_UNITS)}; e.g. 24h, 7d, 30m)"
        )
    value = int(float(match.group("number")) * SPAN_UNITS[match.group("unit").lower()])
    if value <= 0:
        raise ConfigError(f"{text!r} is not a length of time: it must be more than zero")
    return value


def parse_instant(text: str, *, now_ns: int | None = None) -> int:
    """An instant in nanoseconds since the epoch: a span back from now (``24h`` is a day ago)
    or an ISO 8601 date or date and time (local time unless it names a zone)."""
    if _SPAN.match(text):
        return (time.time_ns() if now_ns is None else now_ns) - parse_span(text)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(
            f"{text!r} is neither a length of time back from now (e.g. 24h, 7d) nor a date "
            "(e.g. 2026-11-30 or 2026-11-30T08:00)"
        ) from None
    return int(moment.timestamp() * _SECOND_NS)


def parse_bucket(text: str) -> int:
    """A bucket width for ``--every``: a span of at least one second."""
    width = parse_span(text)
    if width < MIN_BUCKET_NS:
        raise ConfigError(f"--every {text!r} is too fine: buckets are at least 1s")
    return width


@dataclass(frozen=True)
class TimeWindow:
    """Which spans count, by start time: ``since_ns <= start_ns < until_ns`` (either end open
    when ``None``)."""

    since_ns: int | None = None
    until_ns: int | None = None

    def __post_init__(self) -> None:
        if (
            self.since_ns is not None
            and self.until_ns is not None
            and self.until_ns <= self.since_ns
        ):
            raise ConfigError("the time window is empty: --until must be later than --since")

    def check_buckets(self, every_ns: int, *, first_ns: int, last_ns: int) -> None:
        """ConfigError when the part of this window that holds data (from the first to the
        last start) cut into buckets of ``every_ns`` gives more than :data:`MAX_BUCKETS`."""
        low = max(first_ns, self.since_ns if self.since_ns is not None else first_ns)
        high = min(last_ns, self.until_ns if self.until_ns is not None else last_ns)
        if high >= low and (high - low) // every_ns + 1 > MAX_BUCKETS:
            raise ConfigError(
                f"that is more than {MAX_BUCKETS:,} buckets: choose a larger --every "
                "or a shorter --since"
            )
