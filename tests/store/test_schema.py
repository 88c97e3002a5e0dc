"""Schema version: recorded, migrated forward, and refused when newer or foreign."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.recording import Recorder
from tracekit import semconv as sc
from tracekit.exceptions import StoreError
from tracekit.store import SCHEMA_VERSION, TraceStore

# The prototype layout (v0): no agent_path / cache_creation_tokens on spans, a smaller traces
# table, no content or folded-segment tables.
V0_DDL = [
    "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    "INSERT INTO meta VALUES ('schema_version', '0')",
    """CREATE TABLE spans (
        trace_id VARCHAR NOT NULL, span_id VARCHAR NOT NULL, parent_span_id VARCHAR,
        name VARCHAR NOT NULL, kind VARCHAR NOT NULL, start_ns BIGINT NOT NULL,
        end_ns BIGINT NOT NULL, duration_ns BIGINT NOT NULL, status_code VARCHAR NOT NULL,
        status_message VARCHAR, service_name VARCHAR, scope_name VARCHAR, operation VARCHAR,
        workflow VARCHAR, agent VARCHAR, model VARCHAR, provider VARCHAR, tool VARCHAR,
        input_tokens BIGINT, output_tokens BIGINT, cache_read_tokens BIGINT, cost_usd DOUBLE,
        error_type VARCHAR, attributes JSON, resource JSON, events JSON)""",
    """CREATE TABLE traces (trace_id VARCHAR, start_ns BIGINT, end_ns BIGINT,
        duration_ns BIGINT, root_name VARCHAR, workflow VARCHAR, status VARCHAR,
        span_count BIGINT)""",
]


def _version(store: Path) -> str:
    with duckdb.connect(str(store), read_only=True) as con:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert row is not None
    return str(row[0])


def test_a_new_store_records_its_schema_version(recorder: Recorder) -> None:
    recorder.trace()

    assert _version(recorder.store) == str(SCHEMA_VERSION)


def test_an_older_store_is_migrated_when_opened(tmp_path: Path) -> None:
    store = tmp_path / "old.duckdb"
    attributes = {
        sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
        sc.TRACEKIT_AGENT_PATH: "supervisor/billing",
        sc.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS: 12,
        sc.TRACEKIT_COST_USD: 0.5,  # priced at the source: no price table re-prices it
    }
    with duckdb.connect(str(store)) as con:
        for statement in V0_DDL:
            con.execute(statement)
        con.execute(
            "INSERT INTO spans VALUES ('" + "a" * 32 + "', '" + "b" * 16 + "', NULL, 'chat m', "
            "'CLIENT', 100, 300, 200, 'OK', NULL, 'svc', 'tracekit', 'chat', NULL, 'billing', "
            "'m', 'anthropic', NULL, 50, 5, NULL, 0.5, NULL, ?, '{}', NULL)",
            [json.dumps(attributes)],
        )
        con.execute(
            "INSERT INTO traces VALUES ('" + "a" * 32 + "', 100, 300, 200, 'x', 'x', 'ok', 1)"
        )

    store_api = TraceStore(store)
    (summary,) = store_api.list_traces()
    (span,) = store_api.get_trace("aaaa").spans

    assert _version(store) == str(SCHEMA_VERSION)
    assert (summary.root_name, summary.steps, summary.agents) == ("chat m", 1, ["billing"])
    assert (summary.input_tokens, summary.cost_usd) == (50, 0.5)
    assert span.agent_path == "supervisor/billing"
    assert span.cache_creation_tokens == 12


def test_a_newer_store_is_refused_with_a_clear_error(recorder: Recorder) -> None:
    recorder.trace()
    with duckdb.connect(str(recorder.store)) as con:
        con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")

    with pytest.raises(StoreError, match="newer than this tracekit"):
        TraceStore(recorder.store).list_traces()


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "notes.duckdb"
    store.write_text("just some notes\n")

    with pytest.raises(StoreError, match="cannot open the store"):
        TraceStore(store).list_traces()
    assert store.read_text() == "just some notes\n"


def test_someone_elses_database_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "other.duckdb"
    with duckdb.connect(str(store)) as con:
        con.execute("CREATE TABLE customers (id INTEGER)")

    with pytest.raises(StoreError, match="not a tracekit store"):
        TraceStore(store).list_traces()
