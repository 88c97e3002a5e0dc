"""The light DuckDB engine that reads use (tracekit.store.engine) is DuckDB itself: the same
connection and error classes as the package, and it reads a real store."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tracekit.exceptions import StoreError
from tracekit.store.db import connect
from tracekit.store.engine import engine


def test_its_classes_are_the_packages() -> None:
    # An error raised through one is caught through the other.
    assert engine.Error is duckdb.Error
    assert engine.IOException is duckdb.IOException
    assert engine.DuckDBPyConnection is duckdb.DuckDBPyConnection


def test_a_read_only_open_runs_parameterised_sql(tmp_path: Path) -> None:
    db = tmp_path / "t.duckdb"
    with duckdb.connect(str(db)) as writer:
        writer.execute("CREATE TABLE t AS SELECT range AS n FROM range(5)")
    con = connect(db, read_only=True, wait_s=1.0)
    try:
        assert con.execute("SELECT sum(n) FROM t WHERE n > ?", [1]).fetchall() == [(9,)]
    finally:
        con.close()


def test_a_file_that_is_not_a_database_is_one_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "notes.duckdb"
    db.write_text("not a database\n" * 100)
    with pytest.raises(StoreError, match="cannot open the store"):
        connect(db, read_only=True, wait_s=0.1)
