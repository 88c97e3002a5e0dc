"""The named views are the documented SQL interface: their columns and meanings are pinned
here, on a real store, and they agree with ``tracekit stats``."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

import pyarrow as pa
import pytest

from tests.recording import REPO_ROOT
from tests.store.analytics_data import T0, UNPRICED_MODEL, Call, Run, write_store
from tracekit.store import VIEWS_VERSION, FigureQuery, TraceStore
from tracekit.store.views import VIEWS

_CALL = [
    "trace_id",
    "span_id",
    "parent_span_id",
    "workflow",
    "service",
    "agent",
    "agent_path",
    "started_at",
    "start_ns",
    "duration_ms",
    "status",
    "failure",
    "error_type",
    "error_message",
]
COLUMNS = {
    "runs": [
        "trace_id",
        "workflow",
        "service",
        "started_at",
        "start_ns",
        "end_ns",
        "duration_ms",
        "status",
        "stop_reason",
        "span_count",
        "steps",
        "error_count",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "agents",
    ],
    "agent_calls": [*_CALL, "model", "retries", "fell_back"],
    "llm_calls": [
        *_CALL,
        "model",
        "provider",
        "operation",
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_creation_tokens",
        "cost_usd",
        "retries",
    ],
    "tool_calls": [*_CALL, "tool"],
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> TraceStore:
    path = tmp_path_factory.mktemp("views") / "v.duckdb"
    runs = [
        Run("billing", T0, [Call("planner", tool="search"), Call("writer", retries=2)]),
        Run("billing", T0 + 60_000_000_000, [Call("writer", outcome="stopped", fallback=True)]),
        Run("triage", T0 + 120_000_000_000, [Call("router", UNPRICED_MODEL, cost=None)], "b"),
    ]
    write_store(path, runs)
    return TraceStore(path)


def _rows(store: TraceStore, sql: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = store.sql(sql, lambda reader: reader.read_all().to_pylist())
    return rows


def _columns(store: TraceStore, view: str) -> list[str]:
    names: list[str] = store.sql(f"SELECT * FROM {view} LIMIT 0", lambda r: r.schema.names)
    return names


@pytest.mark.parametrize("view", sorted(COLUMNS))
def test_view_columns_are_pinned(store: TraceStore, view: str) -> None:
    assert _columns(store, view) == COLUMNS[view]


def test_every_view_is_pinned_and_documented() -> None:
    schema = (REPO_ROOT / "dashboards" / "schema.md").read_text()

    assert set(VIEWS) == set(COLUMNS)
    assert f"views version {VIEWS_VERSION}" in schema.lower()
    for view, columns in COLUMNS.items():
        section = schema.split(f"### `{view}`", 1)[1].split("\n### ", 1)[0]
        documented = re.findall(r"^\| `(\w+)` \|", section, flags=re.M)
        assert documented == columns, view


def test_runs_view(store: TraceStore) -> None:
    rows = _rows(store, "SELECT * FROM runs ORDER BY start_ns")

    assert [(r["workflow"], r["service"], r["status"]) for r in rows] == [
        ("billing", "svc-a", "ok"),
        ("billing", "svc-a", "stopped"),
        ("triage", "b", "ok"),
    ]
    assert rows[0]["started_at"] == datetime.fromtimestamp(T0 / 1e9, tz=timezone.utc).replace(
        tzinfo=None
    )
    assert rows[1]["stop_reason"] == "limit:max_steps"
    assert rows[0]["cost_usd"] == pytest.approx(0.002)


def test_agent_calls_view(store: TraceStore) -> None:
    rows = _rows(store, "SELECT * FROM agent_calls ORDER BY start_ns")

    assert [(r["agent"], r["status"], r["retries"], r["fell_back"]) for r in rows] == [
        ("planner", "ok", 0, False),
        ("writer", "ok", 2, False),
        ("writer", "stopped", 0, True),
        ("router", "ok", 0, False),
    ]
    assert rows[2]["failure"] == "limit:max_steps"
    assert rows[2]["error_type"] == "tracekit.exceptions.LimitExceeded"
    assert rows[0]["workflow"] == "billing" and rows[0]["duration_ms"] == 100.0


def test_llm_and_tool_calls_views(store: TraceStore) -> None:
    llm = _rows(
        store, "SELECT agent, model, input_tokens, cost_usd FROM llm_calls ORDER BY start_ns"
    )
    tools = _rows(store, "SELECT agent, tool, status FROM tool_calls")

    assert [r["agent"] for r in llm] == ["planner", "writer", "writer", "router"]
    assert llm[0]["input_tokens"] == 100 and llm[0]["cost_usd"] == pytest.approx(0.001)
    assert llm[3]["model"] == UNPRICED_MODEL and llm[3]["cost_usd"] is None
    assert tools == [{"agent": "planner", "tool": "search", "status": "ok"}]


def test_views_agree_with_stats(store: TraceStore) -> None:
    from_sql = {
        r["agent"]: r
        for r in _rows(
            store,
            "SELECT agent, count(*) AS n, count(*) FILTER (WHERE status = 'stopped') AS stops, "
            "sum(retries)::BIGINT AS retries FROM agent_calls GROUP BY agent",
        )
    }
    figures = {g.key: g for g in store.figures(FigureQuery(by="agent"))}

    assert set(from_sql) == set(figures)
    for agent, row in from_sql.items():
        group = figures[agent]
        assert (row["n"], row["stops"], row["retries"]) == (
            group.count,
            group.stop_count,
            group.retries,
        )


def test_views_are_arrow_typed(store: TraceStore) -> None:
    schema: pa.Schema = store.sql("SELECT * FROM llm_calls", lambda r: r.schema)

    assert schema.field("started_at").type == pa.timestamp("us")
    assert schema.field("cost_usd").type == pa.float64()
    assert schema.field("retries").type == pa.int64()
