"""Content JSON read back as the json module reads it, at orjson's speed."""

from __future__ import annotations

import json
import math

import pytest

from tracekit.otlp.values import parse_json


@pytest.mark.parametrize(
    "text",
    [
        '{"order_id": 123456789012345678901234}',  # past 64 bits: orjson would make it a float
        "[-9223372036854775809, 18446744073709551616]",
        '{"note": "ids 1234567890123456789 and ١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦٧٨٩"}',
        '{"text": "café \\u00e9", "n": 12345678901234567}',
    ],
)
def test_long_integers_and_text_read_exactly_as_json_reads_them(text: str) -> None:
    assert parse_json(text) == json.loads(text)
    assert repr(parse_json(text)) == repr(json.loads(text))


def test_values_only_the_json_module_reads_are_read() -> None:
    assert math.isnan(parse_json('{"score": NaN}')["score"])
    assert parse_json('["\\ud800"]') == ["\ud800"]  # a lone surrogate escape


def test_text_that_is_not_json_comes_back_as_it_is() -> None:
    assert parse_json("plain answer 12345678901234567890") == "plain answer 12345678901234567890"
    assert parse_json("caf\udce9") == "caf\udce9"
