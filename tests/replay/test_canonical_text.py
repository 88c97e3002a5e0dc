"""Requests read from attribute text compare in the same canonical form as decoded values."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from replay.canonical import (
    canonical_messages,
    canonical_messages_text,
    normalize,
    normalize_text,
    same_value,
)
from replay.trajectory import FieldDiff, diff_value
from tracekit.otlp.values import parse_json

_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=12),
    st.sampled_from(["sk-ant-api03-abcdefghijklmnopqrstuvwxyz", "id", "tool_call"]),
)
_KEYS = st.sampled_from(["id", "type", "name", "role", "parts", "response", "content", "x"])
_PARTS = st.fixed_dictionaries(
    {"type": st.sampled_from(["text", "tool_call", "tool_call_response"])},
    optional={"id": st.text(max_size=8), "name": st.text(max_size=8), "response": _LEAVES},
)
_VALUES = st.recursive(
    st.one_of(_LEAVES, _PARTS),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)
SETTINGS = settings(max_examples=200, deadline=None, derandomize=True, database=None)


def _texts(value: Any) -> list[str]:
    """The spellings writers use: compact, spaced, and with every non-ASCII escaped."""
    return [
        json.dumps(value, separators=(",", ":"), ensure_ascii=False),
        json.dumps(value),
        json.dumps(value, ensure_ascii=True).replace('"id"', '"\\u0069d"'),
    ]


@SETTINGS
@given(_VALUES)
def test_a_request_read_from_text_is_the_decoded_request_normalised(value: Any) -> None:
    for text in _texts(value):
        assert normalize_text(text) == normalize(parse_json(text))
        assert canonical_messages_text(text) == canonical_messages(parse_json(text))


def test_tool_call_ids_are_dropped_and_secrets_scrubbed_from_text() -> None:
    text = json.dumps(
        [
            {"role": "assistant", "parts": [{"type": "tool_call", "id": "toolu_1", "name": "s"}]},
            {"role": "user", "parts": [{"type": "text", "content": "x"}]},
        ]
    )
    assert canonical_messages_text(text)[0]["parts"] == [{"type": "tool_call", "name": "s"}]
    assert normalize_text('"key sk-ant-api03-abcdefghijklmnopqrstuvwxyz"') == "key [REDACTED]"
    assert normalize_text('["key sk-ant-api03-abcdefghijklmnopqrstuvwxyz"]') == ["key [REDACTED]"]


def test_nan_is_the_same_as_nan_and_nothing_else() -> None:
    nan = float("nan")
    assert same_value({"a": [nan, 1]}, {"a": [float("nan"), 1]})
    assert not same_value({"a": [nan, 1]}, {"a": [1.0, 1]})
    assert not same_value({"a": nan}, {"a": None})
    assert not same_value([nan], (nan,))
    diffs: list[FieldDiff] = []
    diff_value("output", {"score": nan, "n": 1}, {"score": 0.5, "n": 1}, diffs)
    assert [(d.field, d.replayed) for d in diffs] == [("output.score", 0.5)]
    diffs.clear()
    diff_value("output", {"score": nan}, {"score": float("nan")}, diffs)
    assert diffs == []
