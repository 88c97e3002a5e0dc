"""Spans of one kind repeat their attribute keys, so the converter remembers what the keys
alone decide (which are content, which fill columns). Whatever it remembers, every span's
row is its own: its order, its values, its columns."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tracekit import semconv as sc
from tracekit.scrub import clean_attributes, clean_values
from tracekit.store.convert import SegmentBuilder
from tracekit.store.shapes import SHAPES_SIZE as _SHAPES_SIZE


def _row(builder: SegmentBuilder, attributes: dict[str, Any]) -> dict[str, Any]:
    builder.add(
        trace_id="0" * 31 + "1",
        span_id=f"{len(builder) + 1:016x}",
        parent_span_id=None,
        name="chat m",
        kind="CLIENT",
        start_ns=1,
        end_ns=2,
        status_code="OK",
        attributes=attributes,
    )
    return builder.to_table().to_pylist()[-1]


def test_spans_with_the_same_keys_in_another_order_keep_their_own_order() -> None:
    builder = SegmentBuilder()
    first = _row(
        builder,
        {
            sc.GEN_AI_OPERATION_NAME: "chat",
            sc.GEN_AI_INPUT_MESSAGES: "a",
            sc.GEN_AI_OUTPUT_MESSAGES: "b",
        },
    )
    second = _row(
        builder,
        {
            sc.GEN_AI_OUTPUT_MESSAGES: "d",
            sc.GEN_AI_INPUT_MESSAGES: "c",
            sc.GEN_AI_OPERATION_NAME: "chat",
        },
    )

    assert list(json.loads(first["content"])) == [
        sc.GEN_AI_INPUT_MESSAGES,
        sc.GEN_AI_OUTPUT_MESSAGES,
    ]
    assert list(json.loads(second["content"])) == [
        sc.GEN_AI_OUTPUT_MESSAGES,
        sc.GEN_AI_INPUT_MESSAGES,
    ]
    assert json.loads(second["content"])[sc.GEN_AI_INPUT_MESSAGES] == "c"


def test_a_known_shape_reads_each_spans_own_values_into_the_columns() -> None:
    builder = SegmentBuilder()
    keys = (sc.GEN_AI_OPERATION_NAME, sc.GEN_AI_REQUEST_MODEL, sc.GEN_AI_USAGE_INPUT_TOKENS)
    rows = [
        _row(builder, dict(zip(keys, values, strict=True)))
        for values in (("chat", "m1", 10), ("chat", "", "x"))
    ]

    assert (rows[0]["model"], rows[0]["input_tokens"]) == ("m1", 10)
    # Empty text and a count that is not a number fill no column, as on first sight.
    assert (rows[1]["model"], rows[1]["input_tokens"]) == (None, None)


def test_more_kinds_of_spans_than_the_converter_remembers_all_convert() -> None:
    builder = SegmentBuilder()
    for index in range(_SHAPES_SIZE + 5):
        builder.add(
            trace_id="0" * 31 + "1",
            span_id=f"{index + 1:016x}",
            parent_span_id=None,
            name="tool",
            kind="INTERNAL",
            start_ns=1,
            end_ns=2,
            status_code="OK",
            attributes={f"app.key{index}": index, sc.GEN_AI_TOOL_NAME: f"t{index}"},
        )
    table = builder.to_table()

    assert table.column("tool").to_pylist() == [f"t{i}" for i in range(_SHAPES_SIZE + 5)]
    assert json.loads(table.column("attributes")[-1].as_py()) == {
        f"app.key{_SHAPES_SIZE + 4}": _SHAPES_SIZE + 4,
        sc.GEN_AI_TOOL_NAME: f"t{_SHAPES_SIZE + 4}",
    }


_VALUES = st.recursive(
    st.text(max_size=300) | st.integers() | st.floats() | st.booleans() | st.none(),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["api_key", "name", "value", "key"]), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    st.dictionaries(
        st.sampled_from(["app.note", "gen_ai.prompt", "http.url", "msg", "n"]), _VALUES
    ),
    st.sampled_from(["sk-ant-api03-abcdefghijklmnopqrstuvwxyz", "Bearer abc.def.ghi", "ok"]),
    st.booleans(),
)
def test_spans_whose_keys_name_no_secret_are_scrubbed_as_any_other(
    attributes: dict[str, Any], secret: str, nested: bool
) -> None:
    attributes = {**attributes, "app.text": f"call with {secret}"}

    assert clean_values(attributes, nested) == clean_attributes(attributes, nested)
