"""``tracekit stats`` (every figure, windows, buckets, charts) and ``tracekit sql`` as a user
runs them: the real CLI on a real store with known runs."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.recording import run_cli
from tests.store.analytics_data import HOUR, T0, Call, Run, write_store

MINUTE = HOUR // 60


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("cli-ops") / "ops.duckdb"
    runs = [
        Run(
            "billing",
            T0 + i * 20 * MINUTE,
            [
                Call("planner", tool="search"),
                Call(
                    "writer",
                    "claude-sonnet-4-5",
                    ms=100 * (i + 1),
                    outcome="stopped" if i == 0 else "error" if i == 1 else "ok",
                    retries=1 if i == 2 else 0,
                ),
            ],
        )
        for i in range(6)
    ]
    runs.append(Run("[bold red]x\x1b[31m", T0 + 3 * HOUR, [Call("router")], "svc-b"))
    write_store(path, runs)
    return str(path)


def _stats(store: str, *args: str) -> list[dict[str, object]]:
    result = run_cli("stats", "--store", store, "--json", *args)
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


def test_stats_table_shows_every_figure(store: str) -> None:
    result = run_cli("stats", "--store", store)

    assert result.returncode == 0 and result.stderr == ""
    header, *lines = result.stdout.splitlines()
    for column in ("count", "errors", "stops", "ok%", "error%", "stop%", "retry%"):
        assert column in header
    for column in (
        "retries/call",
        "fallback%",
        "p50",
        "p95",
        "p99",
        "tokens in/out",
        "cost/request",
    ):
        assert column in header
    writer = next(line.split() for line in lines if line.startswith("writer "))
    assert writer[1:4] == ["6", "1", "1"]  # count, errors, stops
    assert "top failure modes" in result.stdout
    assert "limit:max_steps" in result.stdout


@pytest.mark.parametrize(
    ("by", "key", "count"),
    [
        ("agent", "writer", 6),
        ("model", "claude-sonnet-4-5", 6),
        ("workflow", "billing", 6),
        ("tool", "search", 6),
        ("service", "svc-b", 1),
    ],
)
def test_stats_by_each_dimension(store: str, by: str, key: str, count: int) -> None:
    rows = {row["key"]: row for row in _stats(store, "--by", by)}

    assert rows[key]["count"] == count


def test_stats_json_has_rates_and_failure_modes(store: str) -> None:
    writer = next(row for row in _stats(store) if row["key"] == "writer")

    assert writer["success_rate"] == pytest.approx(4 / 6)
    assert writer["error_rate"] == pytest.approx(1 / 6)
    assert writer["stop_rate"] == pytest.approx(1 / 6)
    assert writer["retry_rate"] == pytest.approx(1 / 6)
    assert writer["cost_per_request_usd"] == pytest.approx(0.001)
    assert {(m["kind"], m["mode"]) for m in writer["failure_modes"]} == {  # type: ignore[union-attr]
        ("stopped", "limit:max_steps"),
        ("error", "tracekit.exceptions.ModelError"),
    }


def test_stats_csv(store: str) -> None:
    result = run_cli("stats", "--store", store, "--by", "tool", "--csv")

    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.returncode == 0
    assert [(r["key"], r["count"], r["cost_usd"]) for r in rows] == [("search", "6", "")]


def test_since_until_and_filter(store: str) -> None:
    since = _stats(store, "--since", "2026-01-01T02:30+00:00")
    until = _stats(store, "--until", "2026-01-01T00:30+00:00", "--by", "workflow")
    filtered = _stats(store, "--filter", "status:stopped", "--by", "workflow")

    assert [row["key"] for row in since] == ["router"]
    assert [(row["key"], row["count"]) for row in until] == [("billing", 2)]
    assert [(row["key"], row["count"]) for row in filtered] == [("billing", 1)]


def test_time_buckets_as_json_and_table(store: str) -> None:
    rows = _stats(store, "--by", "workflow", "--every", "1h", "--filter", "workflow=billing")
    table = run_cli("stats", "--store", store, "--by", "workflow", "--every", "1h")

    assert [(row["bucket_start"], row["count"]) for row in rows] == [
        ("2026-01-01T00:00:00+00:00", 3),
        ("2026-01-01T01:00:00+00:00", 3),
    ]
    assert table.stdout.splitlines()[0].split()[:4] == ["bucket", "(UTC)", "workflow", "count"]
    assert "2026-01-01 01:00" in table.stdout


@pytest.mark.parametrize("metric", ["latency", "cost", "tokens", "errors"])
def test_chart_over_time(store: str, metric: str) -> None:
    result = run_cli("stats", "--store", store, "--every", "1h", "--chart", metric)

    assert result.returncode == 0, result.stderr
    assert "per agent, every 1h (UTC)" in result.stdout
    assert "writer" in result.stdout and "01-01 00:00" in result.stdout
    assert "\x1b" not in result.stdout


def test_untrusted_names_stay_inert(store: str) -> None:
    table = run_cli("stats", "--store", store, "--by", "workflow")
    chart = run_cli(
        "stats", "--store", store, "--by", "workflow", "--every", "1h", "--chart", "cost"
    )
    as_csv = run_cli("stats", "--store", store, "--by", "workflow", "--csv")

    for result in (table, chart, as_csv):
        assert "\x1b" not in result.stdout
    assert "[bold red]x" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--every", "1x"], "argument --every: '1x' is not a length of time"),
        (["--every", "0h"], "argument --every: '0h' is not a length of time: it must be more"),
        (["--every", "500ms"], "argument --every: --every '500ms' is too fine"),
        (["--since", "last week"], "argument --since: 'last week' is neither a length of time"),
        (["--by", "colour"], "argument --by: invalid choice: 'colour'"),
        (["--filter", "cost>lots"], "argument --filter: 'cost>lots': 'lots' is not an amount"),
        (["--chart", "cost"], "--chart needs --every"),
        (["--since", "1h", "--until", "2h"], "--until must be later than --since"),
        (["--every", "1s", "--since", "2025-12-01"], "more than 10,000 buckets"),
        (["--json", "--csv"], "argument --csv: not allowed with argument --json"),
    ],
)
def test_bad_stats_input_is_one_line_and_exit_2(store: str, args: list[str], message: str) -> None:
    result = run_cli("stats", "--store", store, *args)

    assert result.returncode == 2
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_sql_table_json_csv(store: str) -> None:
    query = "SELECT agent, count(*) AS calls FROM agent_calls GROUP BY agent ORDER BY agent"
    table = run_cli("sql", query, "--store", store)
    as_json = run_cli("sql", query, "--store", store, "--json")
    as_csv = run_cli("sql", query, "--store", store, "--csv")

    assert table.returncode == 0, table.stderr
    assert table.stdout.split()[:4] == ["agent", "calls", "planner", "6"]
    assert json.loads(as_json.stdout) == [
        {"agent": "planner", "calls": 6},
        {"agent": "router", "calls": 1},
        {"agent": "writer", "calls": 6},
    ]
    assert as_csv.stdout.splitlines() == ["agent,calls", "planner,6", "router,1", "writer,6"]


def test_sql_parquet(store: str, tmp_path: Path) -> None:
    out = tmp_path / "runs.parquet"
    result = run_cli("sql", "SELECT * FROM runs", "--store", store, "--parquet", str(out))

    assert result.returncode == 0 and "wrote 7 rows" in result.stderr
    assert pq.read_table(out).num_rows == 7
    assert "started_at" in pq.read_table(out).schema.names


def test_sql_table_is_limited_and_says_so(store: str) -> None:
    result = run_cli("sql", "SELECT * FROM llm_calls", "--store", store, "--limit", "2")

    assert "(first 2 rows; --limit N for more, or --csv/--json)" in result.stdout


def test_sql_shows_untrusted_text_inert(store: str) -> None:
    result = run_cli("sql", "SELECT workflow FROM runs WHERE service = 'svc-b'", "--store", store)
    as_csv = run_cli(
        "sql", "SELECT workflow FROM runs WHERE service = 'svc-b'", "--store", store, "--csv"
    )

    assert "[bold red]x" in result.stdout and "\x1b" not in result.stdout
    assert "\x1b" not in as_csv.stdout


@pytest.mark.parametrize(
    ("sql", "args", "message"),
    [
        ("DELETE FROM spans", [], "only SELECT statements run here: DELETE refused"),
        ("SELEC 1", [], 'Parser Error: syntax error at or near "SELEC"'),
        ("SELECT * FROM nowhere", [], "Catalog Error: Table with name nowhere does not exist!"),
        (
            "SELECT count(*) FROM range(1000000000000) AS a(x) WHERE x % 7 = 3",
            ["--timeout", "0.2"],
            "ran past its time limit (0.2 s)",
        ),
        ("SELECT 1", ["--timeout", "0"], "argument --timeout: must be more than 0"),
    ],
)
def test_bad_sql_is_one_line_and_exit_2(
    store: str, sql: str, args: list[str], message: str
) -> None:
    result = run_cli("sql", sql, "--store", store, *args)

    assert result.returncode == 2
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert run_cli("sql", "SELECT count(*) FROM spans", "--store", store, "--csv").stdout == (
        "count_star()\n39\n"
    )


def test_sql_on_a_missing_store(tmp_path: Path) -> None:
    result = run_cli("sql", "SELECT 1", "--store", str(tmp_path / "none.duckdb"))

    assert result.returncode == 3 and "no store at" in result.stderr
