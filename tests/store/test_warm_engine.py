"""The first read of a command that warmed DuckDB up (tracekit.store.warm_engine) attaches
the store to the instance made in the background: the same rows, the same settings, the same
errors as opening the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.recording import record_two_runs
from tracekit.exceptions import StoreError
from tracekit.store import TraceStore, warm_engine
from tracekit.store.db import connect


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("warm") / "runs.duckdb"
    return record_two_runs(path)


def _read(path: Path) -> tuple[object, ...]:
    con = connect(path, read_only=True, wait_s=1)
    try:
        rows = con.execute("SELECT trace_id, workflow, status FROM traces ORDER BY 1").fetchall()
        settings = con.execute(
            "SELECT current_setting('temp_directory'), current_setting('threads')"
        ).fetchone()
        con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()")
        return rows, settings
    finally:
        con.close()


def test_a_warm_read_sees_what_an_open_of_the_file_sees(store: Path) -> None:
    cold = _read(store)
    warm_engine.start()
    warm = _read(store)
    assert warm == cold
    assert warm_engine.take() is None  # used once: the next read opens the file


def test_a_warm_listing_is_the_same_listing(store: Path) -> None:
    cold = TraceStore(store).page_trace_rows()
    warm_engine.start()
    assert TraceStore(store).page_trace_rows() == cold


def test_a_warm_open_of_a_foreign_file_fails_as_an_open_does(tmp_path: Path) -> None:
    foreign = tmp_path / "notes.duckdb"
    foreign.write_text("not a database\n" * 100)
    with pytest.raises(StoreError) as cold:
        connect(foreign, read_only=True, wait_s=0)
    warm_engine.start()
    with pytest.raises(StoreError) as warm:
        connect(foreign, read_only=True, wait_s=0)
    assert str(warm.value) == str(cold.value)
    assert "not a valid DuckDB database file" in str(warm.value)


def test_a_warm_trace_read_is_the_same_trace(store: Path) -> None:
    # `tracekit show` warms DuckDB up too: its tree and its JSON read through the warm open.
    trace_id = TraceStore(store).page_trace_rows().rows[0].trace_id
    cold = TraceStore(store).get_trace_document_with_content(trace_id)
    cold_lines = TraceStore(store).get_trace_lines(trace_id)
    warm_engine.start()
    assert TraceStore(store).get_trace_document_with_content(trace_id) == cold
    assert warm_engine.take() is None  # the read took it
    warm_engine.start()
    assert TraceStore(store).get_trace_lines(trace_id) == cold_lines
    assert warm_engine.take() is None
