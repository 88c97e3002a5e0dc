"""The lean read behind ``tracekit show``'s tree gives each span's line as the outline a
browser opens gives it: the same spans in the same tree order with the same depths, handoff
ends (tracekit's own, foreign, and read from the ancestry) and guardrail events, for traces
with orphans, a parent cycle, hostile names and 900 spans."""

from __future__ import annotations

import pytest

from tests.cli.show_traces import DEEP, TRACES, build_show_store
from tracekit.exceptions import TraceNotFoundError
from tracekit.store import TraceStore, span_lines


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> TraceStore:
    path = tmp_path_factory.mktemp("lines") / "runs.duckdb"
    build_show_store(path)
    return TraceStore(path)


@pytest.mark.parametrize("trace_id", [*TRACES.values(), DEEP])
def test_the_lines_are_the_outlines(store: TraceStore, trace_id: str) -> None:
    outline = store.get_trace_outline(trace_id)

    lines = store.get_trace_lines(trace_id[:10])

    # The summary is the store's plain row: the outline's summary, field for field.
    assert lines.summary._asdict() == {
        name: getattr(outline.summary, name) for name in lines.summary._fields
    }
    assert lines.spans == span_lines(outline.spans)


def test_handoffs_and_guardrails_are_on_their_lines(store: TraceStore) -> None:
    spans = store.get_trace_lines(TRACES["big"]).spans

    ends = {span.handoff for span in spans if span.handoff is not None}
    guarded = [span for span in spans if span.guardrails]

    assert ("worker2", "worker3") in ends  # tracekit's own: both ends named
    assert any(end.target == "billing" and end.source for end in ends)  # from the ancestry
    assert guarded and all(
        event.name.startswith("tracekit.") for span in guarded for event in span.guardrails
    )
    assert [span.name for span in spans[-2:]] == ["cycle a", "cycle b"]
    assert {span.depth for span in spans[-3:]} == {0}


def test_an_unknown_trace_is_not_found(store: TraceStore) -> None:
    with pytest.raises(TraceNotFoundError):
        store.get_trace_lines("0123456789abcdef0123456789abcdef")
