"""``show --json`` writes its document with orjson, and the text is what ``json.dumps(value,
indent=2, ensure_ascii=False)`` writes, byte for byte: floats in either notation, text with
controls, escapes and lone surrogates, integers past 64 bits, deep nesting."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tracekit.cli.json_text import indented_json, indented_json_data, needs_respelling

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_VALUES = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)


def _stdlib(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


@settings(max_examples=200)
@given(_VALUES)
def test_the_text_is_what_json_dumps_writes(value: Any) -> None:
    assert indented_json(value) == _stdlib(value)


def test_floats_in_every_notation_are_written_as_repr_writes_them() -> None:
    floats = [1e-06, 3.5e-05, 2.5e-05, 1e-05, 0.0001, 1e16, 1e15, 1.5e300, 5e-324, -0.0, 0.1]
    value = {"cost": floats, "nested": [{"x": -7.1850441006303285e-09}]}

    assert indented_json(value) == _stdlib(value)


def test_a_float_alone_is_written_as_repr_writes_it() -> None:
    for value in (5.960464477539063e-8, -3.5e-05, 1e16, 0.5):
        assert indented_json(value, finite=True) == _stdlib(value)
        assert indented_json(value) == _stdlib(value)


def test_what_orjson_cannot_write_is_written_by_json_dumps() -> None:
    deep: list[Any] = []
    level = deep
    for _ in range(300):
        level.append([])
        level = level[0]
    for value in ({"text": "lone \ud800 surrogate"}, {"big": 2**64}, deep):
        assert indented_json(value) == _stdlib(value)


@settings(max_examples=500)
@given(
    st.floats(min_value=1e-4, max_value=1e16, exclude_max=True)
    | st.floats(min_value=1e-4, max_value=1e16, exclude_max=True).map(lambda x: round(x, 6))
)
def test_orjson_writes_a_float_as_repr_does_where_no_respelling_is_needed(value: float) -> None:
    # What lets show --json skip its search for floats to respell (needs_respelling).
    for number in (value, -value):
        assert not needs_respelling(number)
        assert (
            indented_json_data([number], finite=True, respell=False) == _stdlib([number]).encode()
        )


def test_floats_in_repr_exponent_ranges_need_respelling() -> None:
    for number in (1e-05, -3.5e-05, 1e16, 1.5e300, 5e-324, float("inf"), float("nan")):
        assert needs_respelling(number)
