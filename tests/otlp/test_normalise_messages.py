"""``show --json`` reads only each span's role and conversation: for every span of every
recorded trace (tracekit's own and each foreign instrumentation's), that is exactly the
conversation the whole normalised span has, and nothing for a span that is not a model call."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.recording import REPO_ROOT
from tracekit.otlp import read_trace_file
from tracekit.otlp.conventions import (
    SpanEvent,
    SpanInput,
    normalise_messages,
    normalise_span,
)

FIXTURES = sorted(
    [
        *(REPO_ROOT / "fixtures" / "foreign").glob("*.jsonl"),
        *(REPO_ROOT / "fixtures" / "traces").glob("*.trace.jsonl"),
    ]
)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.name)
def test_the_conversation_alone_is_the_normalised_spans(path: Path) -> None:
    spans = read_trace_file(path)
    assert spans
    for span in spans:
        given = SpanInput(
            name=span.name,
            attributes=span.attributes,
            events=[SpanEvent(event.name, event.attributes) for event in span.events],
            scope_name=span.scope_name,
        )
        whole = normalise_span(given)

        found = normalise_messages(given)

        if whole.is_llm:
            assert found == whole.messages, span.name
        else:
            assert found is None, span.name


def test_a_span_no_convention_reads_has_no_conversation() -> None:
    assert normalise_messages(SpanInput("plain", {"http.method": "GET"})) is None


def test_a_model_call_without_messages_has_an_empty_conversation() -> None:
    span = SpanInput("chat m", {"gen_ai.operation.name": "chat", "gen_ai.usage.input_tokens": 3})

    assert normalise_messages(span) == []
    assert normalise_span(span).is_llm
