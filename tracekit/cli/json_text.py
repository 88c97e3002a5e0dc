"""JSON text as ``json.dumps(value, indent=2, ensure_ascii=False)`` writes it, written in
Rust by orjson: the standard library's encoder runs in pure Python once ``indent`` is given,
about 30 ms per megabyte, and ``show --json`` of a 10,000-span trace is 10 MB (orjson
writes it in a few milliseconds).

orjson and the standard library agree on everything but the notation of some floats
(``1e-6`` against ``1e-06``, ``0.000035`` against ``3.5e-05``): the same numbers, so
those are found and written again with ``repr``, which is what ``json.dumps`` writes. Only
a float can end a line with an exponent or ``0.0000`` (a JSON string never holds a raw line
break), so the search is two fast scans. A value that may hold an infinity or NaN is
written by pydantic-core instead (as ``Infinity``, as ``json.dumps`` does; orjson writes
``null``). Anything neither can write (a lone surrogate, an integer beyond 64 bits, nesting
deeper than 255 for orjson) goes to ``json.dumps``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

__all__ = ["indented_json"]

# Floats whose notation may differ, each at the end of a line (``,`` and a line break, or
# the end of the text): a number's exponent, or a decimal below 1e-4 (where repr switches
# to an exponent).
_EXPONENT = re.compile(r"e[-+]\d+(?=,?\n|\Z)")
_SMALL = re.compile(r"0\.0000\d*(?=,?\n|\Z)")
_NUMBER_CHARS = frozenset("0123456789.-+eE")


def indented_json(value: Any, *, finite: bool = False) -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``, byte for byte, faster.

    ``value`` holds what JSON holds (dicts with str keys, lists, str, int, float, bool,
    None), as ``model_dump(mode="json")`` gives it. ``finite``: the caller knows every float
    in it is finite, so orjson writes it (orjson writes an infinity or NaN as ``null``, where
    ``json.dumps`` writes ``Infinity``); otherwise pydantic-core does, several times slower.

    >>> indented_json({"cost": 3.5e-05, "ids": [1, 2]}, finite=True) == json.dumps(
    ...     {"cost": 3.5e-05, "ids": [1, 2]}, indent=2, ensure_ascii=False)
    True
    >>> indented_json({"cost": float("inf")})
    '{\\n  "cost": Infinity\\n}'
    """
    if finite:
        try:
            text = orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()
        except (TypeError, UnicodeError, ValueError):  # orjson.JSONEncodeError is a TypeError
            return json.dumps(value, indent=2, ensure_ascii=False)
    else:
        # Imported here: a document of finite floats (the usual one) loads no pydantic-core.
        import pydantic_core

        try:
            text = pydantic_core.to_json(value, indent=2, inf_nan_mode="constants").decode()
        except (TypeError, pydantic_core.PydanticSerializationError, UnicodeError, ValueError):
            return json.dumps(value, indent=2, ensure_ascii=False)
    # A float's exponent is found by a substring search when there is none (far faster
    # than the pattern's scan); text such as "claude-3" makes it search anyway.
    if "e-" in text or "e+" in text:
        text = _respell(text, _EXPONENT)
    if "0.0000" in text:
        text = _respell(text, _SMALL)
    return text


def _respell(text: str, pattern: re.Pattern[str]) -> str:
    pieces: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        start, end = match.start(), match.end()
        while start > 0 and text[start - 1] in _NUMBER_CHARS:
            start -= 1
        if start < position or text[start - 1 : start] != " ":
            continue  # not a whole number token (cannot happen in indented JSON)
        token = text[start:end]
        spelled = repr(float(token))
        if spelled != token:
            pieces.append(text[position:start])
            pieces.append(spelled)
            position = end
    if not pieces:
        return text
    pieces.append(text[position:])
    return "".join(pieces)
