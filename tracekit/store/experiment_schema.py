"""The columns of the experiment tables (see :mod:`tracekit.store.experiments`), apart so the
schema module can create them without importing the code that writes them."""

from __future__ import annotations

import pyarrow as pa

#: ``experiments`` columns: (name, DuckDB type, Arrow type).
EXPERIMENT_COLUMNS: tuple[tuple[str, str, pa.DataType], ...] = (
    ("experiment_id", "VARCHAR NOT NULL", pa.string()),
    ("suite", "VARCHAR NOT NULL", pa.string()),
    ("workflow", "VARCHAR NOT NULL", pa.string()),
    ("candidate", "VARCHAR NOT NULL", pa.string()),
    ("overrides", "JSON", pa.string()),
    ("git_commit", "VARCHAR", pa.string()),
    ("started_ns", "BIGINT NOT NULL", pa.int64()),
    ("finished_ns", "BIGINT NOT NULL", pa.int64()),
    ("partial", "BOOLEAN NOT NULL", pa.bool_()),
    ("repeat", "BIGINT NOT NULL", pa.int64()),
    ("baseline", "VARCHAR", pa.string()),
    ("cases", "BIGINT NOT NULL", pa.int64()),
    ("runs", "BIGINT NOT NULL", pa.int64()),
    ("passed", "BIGINT NOT NULL", pa.int64()),
    ("success_rate", "DOUBLE", pa.float64()),
    ("mean_cost_usd", "DOUBLE", pa.float64()),
    ("mean_latency_s", "DOUBLE", pa.float64()),
    ("judge_cost_usd", "DOUBLE", pa.float64()),
    ("summary", "JSON", pa.string()),
)

#: ``experiment_cases`` columns: (name, DuckDB type, Arrow type).
CASE_COLUMNS: tuple[tuple[str, str, pa.DataType], ...] = (
    ("experiment_id", "VARCHAR NOT NULL", pa.string()),
    ("case_name", "VARCHAR NOT NULL", pa.string()),
    ("position", "BIGINT NOT NULL", pa.int64()),
    ("repeat", "BIGINT NOT NULL", pa.int64()),
    ("trace_id", "VARCHAR", pa.string()),
    ("status", "VARCHAR NOT NULL", pa.string()),
    ("passed", "BOOLEAN NOT NULL", pa.bool_()),
    ("score", "DOUBLE", pa.float64()),
    ("reason", "VARCHAR", pa.string()),
    ("steps", "BIGINT NOT NULL", pa.int64()),
    ("input_tokens", "BIGINT NOT NULL", pa.int64()),
    ("output_tokens", "BIGINT NOT NULL", pa.int64()),
    ("cost_usd", "DOUBLE", pa.float64()),
    ("latency_s", "DOUBLE NOT NULL", pa.float64()),
    ("tool_precision", "DOUBLE", pa.float64()),
    ("tool_recall", "DOUBLE", pa.float64()),
    ("wrong_turns", "BIGINT", pa.int64()),
    ("judge_cost_usd", "DOUBLE", pa.float64()),
    ("verdict", "VARCHAR", pa.string()),
    ("baseline_trace_id", "VARCHAR", pa.string()),
    ("detail", "JSON", pa.string()),
)


def _ddl(table: str, columns: tuple[tuple[str, str, pa.DataType], ...]) -> str:
    body = ",\n    ".join(f"{name} {sql}" for name, sql, _ in columns)
    return f"CREATE TABLE IF NOT EXISTS {table} (\n    {body}\n)"


EXPERIMENTS_DDL: tuple[str, ...] = (
    _ddl("experiments", EXPERIMENT_COLUMNS),
    _ddl("experiment_cases", CASE_COLUMNS),
)
