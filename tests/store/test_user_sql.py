"""A user's SQL is read-only, one SELECT, without file access, and time-limited."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.store.analytics_data import T0, Call, Run, write_store
from tracekit.exceptions import QueryError
from tracekit.store import TraceStore
from tracekit.store.sql import check_read_only


@pytest.fixture
def store(tmp_path: Path) -> TraceStore:
    write_store(tmp_path / "s.duckdb", [Run("billing", T0, [Call("planner")])])
    return TraceStore(tmp_path / "s.duckdb")


def _count(store: TraceStore, sql: str) -> int:
    return int(store.sql(sql, lambda reader: reader.read_all().column(0)[0].as_py()))


@pytest.mark.parametrize(
    ("sql", "kind"),
    [
        ("INSERT INTO meta VALUES ('a', 'b')", "INSERT"),
        ("DELETE FROM spans", "DELETE"),
        ("UPDATE traces SET workflow = 'x'", "UPDATE"),
        ("DROP TABLE spans", "DROP"),
        ("CREATE TABLE x AS SELECT 1", "CREATE"),
        ("COPY spans TO 'out.csv'", "COPY"),
        ("ATTACH 'other.duckdb' AS other", "ATTACH"),
        ("SET threads = 1", "SET"),
        ("PRAGMA version", "PRAGMA"),
        ("-- a comment first\n/* and another */ PRAGMA version", "PRAGMA"),
        ("INSTALL httpfs", "LOAD"),
    ],
)
def test_anything_but_a_select_is_refused(store: TraceStore, sql: str, kind: str) -> None:
    with pytest.raises(QueryError, match=f"only SELECT statements run here: {kind}"):
        store.sql(sql, lambda reader: reader.read_all())
    assert _count(store, "SELECT count(*) FROM spans") == 3


def test_selects_in_every_spelling_run(store: TraceStore) -> None:
    for sql in (
        "SELECT count(*) FROM runs",
        "WITH r AS (SELECT * FROM runs) SELECT count(*) FROM r",
        "FROM runs SELECT count(*)",
    ):
        assert _count(store, sql) == 1
    check_read_only("DESCRIBE spans")
    check_read_only("SUMMARIZE agent_calls")


def test_one_statement_at_a_time(store: TraceStore) -> None:
    with pytest.raises(QueryError, match=r"one statement at a time \(2 given\)"):
        store.sql("SELECT 1; DELETE FROM spans", lambda reader: reader.read_all())


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELEC 1", 'Parser Error: syntax error at or near "SELEC"'),
        ("SELECT * FROM nowhere", "Catalog Error: Table with name nowhere does not exist!"),
        ("SELECT nope FROM runs", 'Binder Error: Referenced column "nope" not found'),
        ("", "no SQL statement given"),
    ],
)
def test_bad_sql_is_one_line(store: TraceStore, sql: str, message: str) -> None:
    with pytest.raises(QueryError) as raised:
        store.sql(sql, lambda reader: reader.read_all())

    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)


def test_no_file_or_url_is_read(store: TraceStore, tmp_path: Path) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("a\n1\n")

    with pytest.raises(QueryError, match="disabled by configuration"):
        store.sql(f"SELECT * FROM read_csv('{secret}')", lambda reader: reader.read_all())


def test_a_statement_past_its_time_limit_is_stopped(store: TraceStore) -> None:
    endless = "SELECT count(*) FROM range(1000000000000) AS a(x) WHERE x % 7 = 3"

    with pytest.raises(QueryError, match=r"ran past its time limit \(0.2 s\)"):
        store.sql(endless, lambda reader: reader.read_all(), timeout_s=0.2)
    assert _count(store, "SELECT count(*) FROM runs") == 1


def test_spans_still_in_the_spool_are_queried(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    write_store(path, [Run("billing", T0, [Call("planner")])])
    write_store(path, [Run("late", T0 + 1, [Call("writer")])], fold=False)

    workflows = TraceStore(path).sql(
        "SELECT workflow FROM runs ORDER BY start_ns", lambda r: r.read_all().to_pylist()
    )

    assert workflows == [{"workflow": "billing"}, {"workflow": "late"}]
