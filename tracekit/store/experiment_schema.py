"""The columns of the experiment tables (see :mod:`tracekit.store.experiments`), apart so the
schema module can create them without importing the code that writes them.

Arrow types are named (``"int64"`` is ``pyarrow.int64()``), not built here: the store's readers
import this module, and a command that only reads (``traces``, ``show``, ``stats``) must not
pay for importing Arrow (``tests/cli/test_start_up_imports.py``).
"""

from __future__ import annotations

#: ``experiments`` columns: (name, DuckDB type, Arrow type name).
EXPERIMENT_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("experiment_id", "VARCHAR NOT NULL", "string"),
    ("suite", "VARCHAR NOT NULL", "string"),
    ("workflow", "VARCHAR NOT NULL", "string"),
    ("candidate", "VARCHAR NOT NULL", "string"),
    ("overrides", "JSON", "string"),
    ("git_commit", "VARCHAR", "string"),
    ("started_ns", "BIGINT NOT NULL", "int64"),
    ("finished_ns", "BIGINT NOT NULL", "int64"),
    ("partial", "BOOLEAN NOT NULL", "bool_"),
    ("repeat", "BIGINT NOT NULL", "int64"),
    ("baseline", "VARCHAR", "string"),
    ("cases", "BIGINT NOT NULL", "int64"),
    ("runs", "BIGINT NOT NULL", "int64"),
    ("passed", "BIGINT NOT NULL", "int64"),
    ("success_rate", "DOUBLE", "float64"),
    ("mean_cost_usd", "DOUBLE", "float64"),
    ("mean_latency_s", "DOUBLE", "float64"),
    ("judge_cost_usd", "DOUBLE", "float64"),
    ("summary", "JSON", "string"),
)

#: ``experiment_cases`` columns: (name, DuckDB type, Arrow type name).
CASE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("experiment_id", "VARCHAR NOT NULL", "string"),
    ("case_name", "VARCHAR NOT NULL", "string"),
    ("position", "BIGINT NOT NULL", "int64"),
    ("repeat", "BIGINT NOT NULL", "int64"),
    ("trace_id", "VARCHAR", "string"),
    ("status", "VARCHAR NOT NULL", "string"),
    ("passed", "BOOLEAN NOT NULL", "bool_"),
    ("score", "DOUBLE", "float64"),
    ("reason", "VARCHAR", "string"),
    ("steps", "BIGINT NOT NULL", "int64"),
    ("input_tokens", "BIGINT NOT NULL", "int64"),
    ("output_tokens", "BIGINT NOT NULL", "int64"),
    ("cost_usd", "DOUBLE", "float64"),
    ("latency_s", "DOUBLE NOT NULL", "float64"),
    ("tool_precision", "DOUBLE", "float64"),
    ("tool_recall", "DOUBLE", "float64"),
    ("wrong_turns", "BIGINT", "int64"),
    ("judge_cost_usd", "DOUBLE", "float64"),
    ("verdict", "VARCHAR", "string"),
    ("baseline_trace_id", "VARCHAR", "string"),
    ("detail", "JSON", "string"),
)


def _ddl(table: str, columns: tuple[tuple[str, str, str], ...]) -> str:
    body = ",\n    ".join(f"{name} {sql}" for name, sql, _ in columns)
    return f"CREATE TABLE IF NOT EXISTS {table} (\n    {body}\n)"


EXPERIMENTS_DDL: tuple[str, ...] = (
    _ddl("experiments", EXPERIMENT_COLUMNS),
    _ddl("experiment_cases", CASE_COLUMNS),
)
