"""The attribute JSON the store keeps is the same text, byte for byte, whichever encoder wrote
it: orjson on the hot path, the stdlib for what orjson would spell otherwise."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tracekit.store.convert import _dumps, _json_default

SCALARS = (
    st.text()
    | st.integers()
    | st.floats()
    | st.sampled_from([1e-7, 2.5e-5, 1e-4, 1e20, -0.0, 5e-324])
    | st.booleans()
    | st.none()
    | st.binary(max_size=8)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5), inner, max_size=4)
        | st.dictionaries(st.integers(), inner, max_size=2)
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(VALUES)
def test_attribute_values_are_written_as_the_json_module_writes_them(value: Any) -> None:
    expected = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)

    assert _dumps(value) == expected
