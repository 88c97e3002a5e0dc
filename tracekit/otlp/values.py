"""Attribute values read back as the types tracekit expects: every reader of span attributes
(the store's promoted columns, normalisers of foreign conventions, replay) coerces the same
way, so a span from any source reads alike.

OTLP attributes are untyped for the reader: a token count can arrive as an int, a float or
not at all, and a bool is an int in Python. These functions never raise.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# A number orjson would read as a float (it keeps integers to 64 bits) has 19 digits in a row,
# which json keeps exact. Found by mapping every digit byte to "0" and every other byte to "x"
# (UTF-8 keeps ASCII digits single bytes): two C passes, several times quicker than a regex
# scan for ``\d{19}`` over a long message.
_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x78 for byte in range(256))
_LONG_NUMBER = b"0" * 19


def text_value(value: Any) -> str | None:
    """``value`` if it is non-empty text, else None.

    >>> text_value("claude-haiku-4-5"), text_value(""), text_value(3)
    ('claude-haiku-4-5', None, None)
    """
    return value if isinstance(value, str) and value != "" else None


def int_value(value: Any) -> int | None:
    """``value`` as an int if it is a number (not a bool, NaN or an infinity), else None.

    >>> int_value(12.0), int_value(True), int_value("12"), int_value(float("nan"))
    (12, None, None, None)
    """
    if value.__class__ is int:
        return value  # what int() gives back for an int; the usual case, without the checks
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return int(value)
    except (ValueError, OverflowError):  # NaN, an infinity: no count
        return None


def float_value(value: Any) -> float | None:
    """``value`` as a float if it is a number (not a bool), else None.

    >>> float_value(2), float_value(None)
    (2.0, None)
    """
    if value.__class__ is float:
        return value  # what float() gives back for a float
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def parse_json(value: Any) -> Any:
    """A JSON-encoded attribute decoded (a string that is not JSON is returned as it is).

    >>> parse_json('{"role": "user"}'), parse_json("plain text")
    ({'role': 'user'}, 'plain text')
    """
    if isinstance(value, str):
        # orjson for speed (replay parses every message of every step); json for what only
        # it reads as the json module does: NaN, lone surrogates, integers past 64 bits.
        if no_long_numbers(value):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                pass
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def no_long_numbers(text: str) -> bool:
    """Whether ``text`` has no run of 19 digits or more: no integer orjson would read as a
    float (where ``json`` and pydantic-core keep it exact), so orjson reads it as they do.

    >>> no_long_numbers('{"n": 42}'), no_long_numbers('{"n": 12345678901234567890}')
    (True, False)
    """
    return len(text) < 19 or _LONG_NUMBER not in _encoded(text).translate(_DIGITS_AS_ZERO)


def _encoded(value: str) -> bytes:
    # A lone surrogate cannot be UTF-8; "surrogatepass" keeps it three bytes, none a digit.
    return value.encode("utf-8", "surrogatepass")
