"""Untrusted text and number formats shared by the CLI, the TUI and the replay report."""

from __future__ import annotations

import pytest

from tracekit.display import (
    format_cost,
    format_duration,
    format_tokens,
    inert,
    literal,
    pretty_json,
)


def test_inert_shows_control_characters_and_keeps_lines_only_when_asked() -> None:
    assert inert("a\x1b[2Jb\x9b") == "a\\x1b[2Jb\\x9b"
    assert inert("one\ntwo\tthree\r") == "one\\ntwo\\tthree\\r"
    assert inert("one\ntwo\tthree\r", multiline=True) == "one\ntwo\tthree\\r"


def test_literal_and_pretty_json_never_interpret_markup() -> None:
    text = literal("[bold red]boom[/]\x1b", "dim", right=True)
    assert text.plain == "[bold red]boom[/]\\x1b"
    assert str(text.style) == "dim" and text.justify == "right"
    assert pretty_json('{"a": "[b]x"}').plain == '{\n  "a": "[b]x"\n}'
    assert pretty_json("not json [b]\x1b").plain == "not json [b]\\x1b"


@pytest.mark.parametrize(
    ("duration_ns", "shown"),
    [(850_000, "850 µs"), (12_300_000, "12.3 ms"), (4_560_000_000, "4.56 s"), (125e9, "2m 05s")],
)
def test_format_duration(duration_ns: int, shown: str) -> None:
    assert format_duration(int(duration_ns)) == shown


def test_format_cost_and_tokens() -> None:
    assert [format_cost(c) for c in (None, 0.0123, 1234.5)] == ["-", "$0.0123", "$1,234.50"]
    assert [format_tokens(n) for n in (None, 950, 12_345, 4_500_000)] == [
        "-",
        "950",
        "12.3k",
        "4.5M",
    ]
