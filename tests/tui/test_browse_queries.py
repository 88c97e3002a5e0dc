"""The query API the browser reads through: filters, paging, sorting, live polling, series."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.fixture_store import T0, build_fixture_store, trace_id
from tracekit.exceptions import ConfigError, FilterError
from tracekit.store import TraceStore
from tracekit.store.filters import parse_filter


@pytest.fixture
def store(fixture_store: Path) -> TraceStore:
    return TraceStore(fixture_store)


@pytest.mark.parametrize(
    ("query", "runs"),
    [
        ("", [5, 4, 3, 2, 1, 0]),
        ("agent:planner status:error", [1]),
        ("status!=ok", [3, 1]),
        ("cost>0.005 model:sonnet", [5, 4, 1, 0]),
        ("workflow:router", [2]),
        ("workflow=SUPPORT-ROUTER", [2]),
        ("duration<1s", [2]),
        ("duration>=1500ms tokens<1k", [3]),
        ("tool:search steps>3", [5, 4, 1, 0]),
        ("billing", [2]),
        ("errors>0", [1]),
        (f"id:{trace_id(3)[:6]}", [3]),
        ("agent:%", []),  # LIKE wildcards in a value are literal
    ],
)
def test_filters_select_the_runs_a_user_means(
    store: TraceStore, query: str, runs: list[int]
) -> None:
    page = store.page_traces(query)
    assert [t.trace_id for t in page.traces] == [trace_id(n) for n in runs]
    assert page.total == len(runs)


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("cost>abc", "is not an amount of dollars"),
        ("agnet:planner", "unknown field 'agnet'"),
        ("status:weird", "status is one of ok, error, stopped"),
        ("duration>2parsecs", "is not a duration"),
        ('"unclosed', "cannot read the filter"),
        ("workflow>3", "workflow is text"),
        ("cost>", "give a value after cost>"),
    ],
)
def test_bad_filters_are_one_clear_message(query: str, says: str) -> None:
    with pytest.raises(FilterError, match=says):
        parse_filter(query)


def test_values_never_reach_sql_text() -> None:
    parsed = parse_filter('"workflow:x\'; DROP TABLE spans; --"')
    assert "DROP" not in parsed.where and parsed.params == ["%x'; DROP TABLE spans; --%"]


def test_pages_and_every_column_sorts(store: TraceStore) -> None:
    first = store.page_traces(limit=4)
    second = store.page_traces(limit=4, offset=4)
    assert [t.trace_id for t in first.traces + second.traces] == [
        trace_id(n) for n in (5, 4, 3, 2, 1, 0)
    ]
    assert store.page_traces(order="cost asc").traces[0].workflow == "guarded-research"
    assert store.page_traces(order="agents asc").traces[0].agents == ["billing", "router"]
    for column in ("time", "id", "workflow", "status", "duration", "steps", "tokens", "cost"):
        assert store.page_traces(order=f"{column} desc").total == 6
    with pytest.raises(ConfigError, match="cannot sort traces by"):
        store.page_traces(order="name; drop")


def test_newer_than_and_the_change_marker_follow_new_runs(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    build_fixture_store(path)
    store = TraceStore(path)
    marker = store.change_marker()
    assert store.traces_newer_than(T0 + 4 * 60_000 * 1_000_000) == store.page_traces(limit=1).traces
    assert store.change_marker() == marker


def test_stats_series_bucket_the_busiest_keys_over_time(store: TraceStore) -> None:
    series = store.stats_series("workflow", buckets=6)
    assert [s.key for s in series] == ["doc-pipeline", "guarded-research", "support-router"]
    doc = series[0]
    assert sum(p.count for p in doc.points) == 4
    assert sum(p.error_count for p in doc.points) == 1
    assert all(p.p50_ms == 2400.0 for p in doc.points)
    models = store.stats_series("model", buckets=1)
    assert {s.key: s.points[0].count for s in models} == {
        "claude-haiku-4-5": 10,
        "claude-sonnet-4-5": 4,
    }
    with pytest.raises(ConfigError):
        store.stats_series("agent", buckets=0)


def test_agent_terms_match_any_agent_of_a_run(store: TraceStore) -> None:
    every = {t.trace_id for t in store.page_traces("").traces}
    part = {t.trace_id for t in store.page_traces("agent:PLANN").traces}
    whole = {t.trace_id for t in store.page_traces("agent=planner").traces}
    others = {t.trace_id for t in store.page_traces("agent!=planner").traces}
    assert part == whole and whole and whole < every
    assert others == every - whole
    assert not {t.trace_id for t in store.page_traces("agent=plann").traces}


def test_a_listing_starts_from_the_marker_and_first_page_read_together(
    store: TraceStore,
) -> None:
    marker, page = store.listing_start(limit=4)
    assert marker == store.change_marker()
    assert page == store.page_trace_rows(limit=4)
    assert page.total == 6 and len(page.rows) == 4
    _, errors = store.listing_start("status:error", order="cost asc")
    assert errors == store.page_trace_rows("status:error", order="cost asc")
    with pytest.raises(ConfigError):
        store.listing_start(order="name; drop")
    with pytest.raises(FilterError):
        store.listing_start("cost>>1")


def test_opening_a_trace_reads_its_outline_and_forks_together(store: TraceStore) -> None:
    outline, forks = store.get_trace_outline_and_forks(trace_id(3)[:8])
    assert outline == store.get_trace_outline(trace_id(3))
    assert forks == store.forks_of(trace_id(3)) == []
