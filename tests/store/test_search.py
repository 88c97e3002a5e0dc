"""Full-text search of stored content through the filter language (``text:``): messages,
tool arguments and results, payloads; combined with the other terms; hostile text inert."""

from __future__ import annotations

import pytest

from tests.recording import MS, new_recorder
from tracekit.exceptions import FilterError
from tracekit.store import TraceStore
from tracekit.store.filters import parse_filter


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[TraceStore, dict[str, str]]:
    path = tmp_path_factory.mktemp("search") / "search.duckdb"
    recorder = new_recorder(path)
    ids = {
        "refund": recorder.trace(
            workflow="billing", message="Customer asks for a Refund of order 7", start_ns=1 * MS
        ),
        "quote": recorder.trace(
            workflow="billing", message='He said "never again" and left', start_ns=2 * MS
        ),
        "accent": recorder.trace(workflow="support", message="Le café est froid", start_ns=3 * MS),
        "refund-support": recorder.trace(
            workflow="support", message="refund please", start_ns=4 * MS
        ),
        "plain": recorder.trace(workflow="support", message="Summarise it", start_ns=5 * MS),
    }
    recorder.provider.shutdown()
    return TraceStore(path), ids


def _found(store: TraceStore, query: str) -> set[str]:
    return {trace.trace_id for trace in store.page_traces(query).traces}


def test_text_finds_words_in_messages_case_insensitively(
    store: tuple[TraceStore, dict[str, str]],
) -> None:
    traces, ids = store
    assert _found(traces, "text:refund") == {ids["refund"], ids["refund-support"]}
    assert _found(traces, 'text:"REFUND OF ORDER"') == {ids["refund"]}


def test_text_combines_with_the_other_terms(store: tuple[TraceStore, dict[str, str]]) -> None:
    traces, ids = store
    assert _found(traces, "text:refund workflow:billing") == {ids["refund"]}
    assert _found(traces, "text:refund agent:planner status:ok") == {
        ids["refund"],
        ids["refund-support"],
    }
    assert ids["refund"] not in _found(traces, "text!=refund")


def test_text_finds_tool_arguments_and_results(store: tuple[TraceStore, dict[str, str]]) -> None:
    traces, ids = store
    # Every run's search tool was called with {"query": "revenue"} and returned {"hits": 3}.
    assert _found(traces, "text:revenue") == set(ids.values())
    assert _found(traces, 'text:"hits"') == set(ids.values())
    assert _found(traces, """text:'"HITS": 3'""") == set(ids.values())
    assert _found(traces, """text:'"hits": 4'""") == set()


def test_text_finds_quotes_and_accents_however_they_are_encoded(
    store: tuple[TraceStore, dict[str, str]],
) -> None:
    traces, ids = store
    assert _found(traces, "text:'\"never again\"'") == {ids["quote"]}
    assert _found(traces, "text:café") == {ids["accent"]}
    # A term with digits is sifted by its digits first, still in any case and any encoding.
    assert _found(traces, 'text:"ORDER 7"') == {ids["refund"]}
    assert _found(traces, 'text:"order 8"') == set()
    assert ids["refund"] not in _found(traces, 'text!="of Order 7"')
    # LIKE wildcards are literal.
    assert _found(traces, "text:%") == set()
    assert _found(traces, "text:_efund") == set()


def test_the_filter_keeps_the_words_to_highlight() -> None:
    assert parse_filter('text:"refund policy" agent:billing text:late').search == (
        "refund policy",
        "late",
    )
    assert parse_filter("text!=refund").search == ()


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("text>3", "text is searched for"),
        ("text=refund", "text is searched for"),
        ("text:", "give a value"),
    ],
)
def test_bad_text_terms_are_one_clear_message(query: str, says: str) -> None:
    with pytest.raises(FilterError, match=says):
        parse_filter(query)
