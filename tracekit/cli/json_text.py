"""JSON text as ``json.dumps(value, indent=2, ensure_ascii=False)`` writes it, written in
Rust by orjson: the standard library's encoder runs in pure Python once ``indent`` is given,
about 30 ms per megabyte, and ``show --json`` of a 10,000-span trace is 10 MB (orjson
writes it in a few milliseconds).

orjson and the standard library agree on everything but the notation of some floats
(``1e-6`` against ``1e-06``, ``0.000035`` against ``3.5e-05``): the same numbers, so
those are found and written again with ``repr``, which is what ``json.dumps`` writes. Only
a float can end a line with an exponent or ``0.0000`` (a JSON string never holds a raw line
break), so the search is two fast scans, made on the bytes orjson writes; a caller that
knows no float in the value can be spelled otherwise (``respell=False``) skips them. A
value that may hold an infinity or NaN is written by pydantic-core instead (as
``Infinity``, as ``json.dumps`` does; orjson writes ``null``). Anything neither can write
(a lone surrogate, an integer beyond 64 bits, nesting deeper than 255 for orjson) goes to
``json.dumps``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

__all__ = ["indented_json", "indented_json_data", "needs_respelling"]

# Floats whose notation may differ, each at the end of a line (``,`` and a line break, or
# the end of the text): a number's exponent, or a decimal below 1e-4 (where repr switches
# to an exponent).
_EXPONENT = re.compile(rb"e[-+]\d+(?=,?\n|\Z)")
_SMALL = re.compile(rb"0\.0000\d*(?=,?\n|\Z)")
_NUMBER_CHARS = frozenset(b"0123456789.-+eE")
_SPACE = ord(" ")


def needs_respelling(value: float) -> bool:
    """Whether orjson may write ``value`` unlike ``repr`` (and so ``json.dumps``) does: only
    where repr writes an exponent (below 1e-4 or from 1e16 on; a test holds orjson to
    repr everywhere between), or an infinity or NaN.

    >>> needs_respelling(0.25), needs_respelling(3.5e-05), needs_respelling(0.0)
    (False, True, False)
    """
    return value != 0 and not 1e-4 <= abs(value) < 1e16


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
    data = indented_json_data(value, finite=finite)
    return data.decode() if isinstance(data, bytes) else data


def indented_json_data(value: Any, *, finite: bool = False, respell: bool = True) -> bytes | str:
    """:func:`indented_json` as the UTF-8 bytes orjson or pydantic-core wrote (no decoding,
    and a pipe takes them as they are), or as text where only ``json.dumps`` could write
    the value (it may hold a lone surrogate, which UTF-8 cannot).

    ``respell=False``: the caller knows no float in ``value`` needs it
    (:func:`needs_respelling`), so the text is not searched for one.

    >>> indented_json_data([1e-05], finite=True), indented_json_data([0.5], respell=False)
    (b'[\\n  1e-05\\n]', b'[\\n  0.5\\n]')
    """
    if finite:
        try:
            data = orjson.dumps(value, option=orjson.OPT_INDENT_2)
        except (TypeError, UnicodeError, ValueError):  # orjson.JSONEncodeError is a TypeError
            return json.dumps(value, indent=2, ensure_ascii=False)
    else:
        # Imported here: a document of finite floats (the usual one) loads no pydantic-core.
        import pydantic_core

        try:
            data = pydantic_core.to_json(value, indent=2, inf_nan_mode="constants")
        except (TypeError, pydantic_core.PydanticSerializationError, UnicodeError, ValueError):
            return json.dumps(value, indent=2, ensure_ascii=False)
    if not respell:
        return data
    # A float's exponent is found by a substring search when there is none (far faster
    # than the pattern's scan); text such as "claude-3" makes it search anyway.
    if b"e-" in data or b"e+" in data:
        data = _respell(data, _EXPONENT)
    if b"0.0000" in data:
        data = _respell(data, _SMALL)
    return data


def _respell(data: bytes, pattern: re.Pattern[bytes]) -> bytes:
    pieces: list[bytes] = []
    position = 0
    for match in pattern.finditer(data):
        start, end = match.start(), match.end()
        while start > 0 and data[start - 1] in _NUMBER_CHARS:
            start -= 1
        if start < position or (start > 0 and data[start - 1] != _SPACE):
            continue  # not a whole number token (cannot happen in indented JSON)
        token = data[start:end]
        spelled = repr(float(token)).encode()
        if spelled != token:
            pieces.append(data[position:start])
            pieces.append(spelled)
            position = end
    if not pieces:
        return data
    pieces.append(data[position:])
    return b"".join(pieces)
