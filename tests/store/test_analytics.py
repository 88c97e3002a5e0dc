"""The operations figures on a store whose every run is known: rates, percentiles, tokens,
cost per run, failure modes, windows, filters and time buckets."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.store.analytics_data import HOUR, T0, UNPRICED_MODEL, Call, Run, write_store
from tracekit.exceptions import ConfigError
from tracekit.store import FigureQuery, GroupFigures, TimeWindow, TraceStore
from tracekit.store.filters import parse_filter

MINUTE = HOUR // 60
#: How the writer's call ends in billing run i (others: ok).
WRITER = {
    0: Call("writer", "claude-sonnet-4-5", outcome="error"),
    1: Call("writer", "claude-sonnet-4-5", outcome="stopped"),
    2: Call("writer", "claude-sonnet-4-5", outcome="loop"),
    3: Call("writer", "claude-sonnet-4-5", retries=2),
    4: Call("writer", "claude-sonnet-4-5", retries=1, fallback=True),
    5: Call("writer", "claude-sonnet-4-5", outcome="interrupted"),
}


def _billing_run(i: int) -> Run:
    writer = WRITER.get(i, Call("writer", "claude-sonnet-4-5"))
    writer.ms, writer.tokens, writer.cost = 100 * (i + 1), (300, 50), 0.01
    calls = [Call("planner", tool="search"), writer]
    if i == 9:
        calls.append(Call("summariser", UNPRICED_MODEL, cost=None, tokens=(40, 4)))
    return Run("billing", T0 + i * 10 * MINUTE, calls)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> TraceStore:
    path = tmp_path_factory.mktemp("ops") / "ops.duckdb"
    triage = [Run("triage", T0 + 5 * HOUR + i * MINUTE, [Call("router")], "svc-b") for i in (0, 1)]
    write_store(path, [_billing_run(i) for i in range(10)] + triage)
    return TraceStore(path)


def _by(store: TraceStore, **query: object) -> dict[str | None, GroupFigures]:
    return {group.key: group for group in store.figures(FigureQuery(**query))}  # type: ignore[arg-type]


def test_agent_rates_keep_errors_stops_and_interruptions_apart(store: TraceStore) -> None:
    writer = _by(store, by="agent")["writer"]

    assert (writer.count, writer.ok_count) == (10, 6)
    assert (writer.error_count, writer.stop_count, writer.interrupted_count) == (1, 2, 1)
    assert writer.success_rate == pytest.approx(0.6)
    assert writer.error_rate == pytest.approx(0.1)
    assert writer.stop_rate == pytest.approx(0.2)


def test_retries_and_fallbacks_come_from_span_events(store: TraceStore) -> None:
    writer = _by(store, by="agent")["writer"]

    assert (writer.retried_count, writer.retries) == (2, 3)
    assert writer.retry_rate == pytest.approx(0.2)
    assert writer.retries_per_call == pytest.approx(0.3)
    assert writer.fallback_count == 1 and writer.fallback_rate == pytest.approx(0.1)
    assert _by(store, by="agent")["planner"].retry_rate == 0.0


def test_latency_percentiles_tokens_and_cost_per_request(store: TraceStore) -> None:
    groups = _by(store, by="agent")
    writer, planner = groups["writer"], groups["planner"]

    # The writer's calls last 100, 200, … 1000 ms.
    assert (writer.p50_ms, writer.p95_ms, writer.p99_ms) == pytest.approx((550, 955, 991))
    assert (writer.input_tokens, writer.output_tokens) == (3000, 500)
    assert (writer.input_tokens_per_call, writer.output_tokens_per_call) == (300, 50)
    assert writer.cost_usd == pytest.approx(0.1)
    assert writer.cost_per_request_usd == pytest.approx(0.01)
    assert planner.cost_usd == pytest.approx(0.01) and planner.p50_ms == pytest.approx(100)


def test_unknown_cost_is_none_never_zero(store: TraceStore) -> None:
    summariser = _by(store, by="agent")["summariser"]
    model = _by(store, by="model")[UNPRICED_MODEL]
    tool = _by(store, by="tool")["search"]

    assert summariser.input_tokens == 40
    assert summariser.cost_usd is None and summariser.cost_per_request_usd is None
    assert summariser.unpriced_count == 1
    assert model.cost_usd is None and model.unpriced_count == 1
    assert tool.cost_usd is None and tool.input_tokens is None


def test_top_failure_modes_name_error_types_and_stop_reasons(store: TraceStore) -> None:
    writer = _by(store, by="agent")["writer"]

    modes = {(mode.kind, mode.mode): (mode.count, mode.share) for mode in writer.failure_modes}
    assert modes == {
        ("error", "tracekit.exceptions.ModelError"): (1, 0.25),
        ("stopped", "limit:max_steps"): (1, 0.25),
        ("stopped", "loop"): (1, 0.25),
        ("interrupted", "KeyboardInterrupt"): (1, 0.25),
    }
    assert _by(store, by="agent")["planner"].failure_modes == []


def test_workflows_and_services_count_runs(store: TraceStore) -> None:
    billing = _by(store, by="workflow")["billing"]
    services = _by(store, by="service")

    assert (billing.count, billing.ok_count, billing.error_count, billing.stop_count) == (
        10,
        6,
        1,
        2,
    )
    assert billing.interrupted_count == 1
    assert (billing.retried_count, billing.retries, billing.fallback_count) == (2, 3, 1)
    assert billing.cost_per_request_usd == pytest.approx(0.011)
    assert {(m.kind, m.mode) for m in billing.failure_modes} == {
        ("error", "tracekit.exceptions.ModelError"),
        ("stopped", "limit:max_steps"),
        ("stopped", "loop"),
        ("interrupted", "KeyboardInterrupt"),
    }
    assert {key: group.count for key, group in services.items()} == {"svc-a": 10, "svc-b": 2}


def test_models_and_tools_count_their_calls(store: TraceStore) -> None:
    models = _by(store, by="model")
    tools = _by(store, by="tool")

    assert models["claude-haiku-4-5"].count == 12  # planner x10, router x2
    sonnet = models["claude-sonnet-4-5"]
    assert sonnet.count == 10 and sonnet.error_rate == 0.0
    # The orchestrator records retries on the agent span, which names its model.
    assert (sonnet.retried_count, sonnet.retries) == (2, 3)
    assert tools["search"].count == 10 and tools["search"].success_rate == 1.0


def test_busiest_group_first(store: TraceStore) -> None:
    keys = [group.key for group in store.figures(FigureQuery(by="agent"))]

    assert keys[:2] == ["planner", "writer"] and keys[-2:] == ["router", "summariser"]


def test_since_until_and_filter_narrow_what_counts(store: TraceStore) -> None:
    since = _by(store, by="agent", window=TimeWindow(since_ns=T0 + 5 * HOUR))
    until = _by(store, by="agent", window=TimeWindow(until_ns=T0 + HOUR))
    triage = _by(store, by="agent", matching=parse_filter("workflow:triage"))
    stopped = _by(store, by="agent", matching=parse_filter("status:stopped"))

    assert set(since) == {"router"}
    assert until["writer"].count == 6 and "summariser" not in until
    assert set(triage) == {"router"} and triage["router"].count == 2
    assert stopped["writer"].count == 2 and stopped["writer"].stop_rate == 1.0


def test_time_buckets_hold_the_same_figures_per_hour(store: TraceStore) -> None:
    groups = store.figures(FigureQuery(by="agent", every_ns=HOUR))
    writer = [group for group in groups if group.key == "writer"]

    assert [(g.bucket_start_ns, g.count) for g in writer] == [(T0, 6), (T0 + HOUR, 4)]
    first, second = writer
    assert (first.error_count, first.stop_count, first.interrupted_count) == (1, 2, 1)
    assert (first.retries, first.fallback_count, second.retries) == (3, 1, 0)
    assert second.p50_ms == pytest.approx(850)  # 700, 800, 900, 1000 ms
    assert {g.key for g in groups if g.bucket_start_ns == T0 + 5 * HOUR} == {"router"}


def test_buckets_of_a_window_and_a_filter(store: TraceStore) -> None:
    groups = store.figures(
        FigureQuery(
            by="workflow",
            window=TimeWindow(since_ns=T0 + 30 * MINUTE),
            matching=parse_filter("workflow=billing"),
            every_ns=HOUR,
        )
    )

    assert [(g.key, g.bucket_start_ns, g.count) for g in groups] == [
        ("billing", T0, 3),
        ("billing", T0 + HOUR, 4),
    ]


def test_an_empty_window_has_no_groups(store: TraceStore) -> None:
    assert store.figures(FigureQuery(window=TimeWindow(since_ns=T0 + 48 * HOUR))) == []


def test_bad_queries_are_config_errors(store: TraceStore) -> None:
    with pytest.raises(ConfigError, match="cannot group stats by 'colour'"):
        store.figures(FigureQuery(by="colour"))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="more than 10,000 buckets"):
        store.figures(
            FigureQuery(window=TimeWindow(since_ns=T0 - 30 * 24 * HOUR), every_ns=HOUR // 3600)
        )
    with pytest.raises(ConfigError, match="--until must be later than --since"):
        TimeWindow(since_ns=T0, until_ns=T0)


def test_spans_still_in_the_spool_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    write_store(path, [Run("billing", T0, [Call("planner")])])
    write_store(path, [Run("billing", T0 + HOUR, [Call("planner")])], fold=False)

    (planner,) = TraceStore(path).figures(FigureQuery(by="agent"))

    assert planner.count == 2


@pytest.mark.parametrize("width", [HOUR, 15 * MINUTE, 24 * HOUR, 7 * 24 * HOUR, 90 * MINUTE])
def test_buckets_start_where_duckdb_time_bucket_starts_them(width: int) -> None:
    import duckdb

    from tracekit.store.analytics import BUCKET_ORIGIN_NS

    starts = [T0 + 12_345 * MINUTE + i * 7_777 * MINUTE for i in range(50)]
    rows = duckdb.sql(
        "SELECT s - (s - $origin) % $width = epoch_us(time_bucket("
        "to_microseconds($width // 1000), make_timestamp(s // 1000))) * 1000 "
        "FROM unnest($starts) AS t(s)",
        params={"origin": BUCKET_ORIGIN_NS, "width": width, "starts": starts},
    ).fetchall()

    assert all(equal for (equal,) in rows)


def test_figures_built_without_validation_are_the_validated_ones(store: TraceStore) -> None:
    # The per-bucket figures skip pydantic's checks (thousands of buckets): each must equal,
    # dump and copy as the same figures validated from their own values.
    for group in store.figures(FigureQuery(by="agent", every_ns=HOUR)):
        validated = GroupFigures.model_validate(group.model_dump())
        assert group == validated
        assert group.model_dump_json() == validated.model_dump_json()
        assert group.model_fields_set == validated.model_fields_set
        assert group.model_copy(update={"key": "x"}).key == "x"


def test_figure_rows_are_the_models_fields_in_order(store: TraceStore) -> None:
    # The table and CSV read the plain rows, --json and the TUI the models: the same figures.
    from tracekit.store import FailureMode, FailureModeRow, FigureRow

    assert FigureRow._fields == tuple(GroupFigures.model_fields)
    assert FailureModeRow._fields == tuple(FailureMode.model_fields)
    query = FigureQuery(by="agent", every_ns=HOUR)
    rows, models = store.figure_rows(query), store.figures(query)
    assert [
        row._replace(failure_modes=[m._asdict() for m in row.failure_modes])._asdict()
        for row in rows
    ] == [model.model_dump() for model in models]
