"""The store's tables, the Arrow schema of a segment, the schema version and its migrations.

Tables (version :data:`SCHEMA_VERSION`):

- ``meta(key, value)``: ``schema_version``, the tool that created the store, and
  ``prices_digest``, the price table the stored costs were last priced with
  (:mod:`tracekit.store.reprice`).
- ``spans``: one row per span, OTel core fields plus promoted GenAI columns for fast grouping;
  ``attributes``/``resource``/``events`` as JSON. Content attributes are not in ``attributes``.
- ``span_content(trace_id, span_id, attributes)``: the content attributes of a span (messages,
  tool arguments and results), kept out of ``spans`` so scans of it stay cheap.
- ``traces``: one summary row per trace, updated at fold time for the traces a fold touched
  (see :mod:`tracekit.store.summary`); unknown token and cost sums are NULL (v3).
- ``folded_segments(name, folded_at_ns)``: segments already folded, so a crash between commit
  and unlinking a segment never inserts it twice.
- ``experiments`` and ``experiment_cases`` (v4): eval experiments, see
  :mod:`tracekit.store.experiments`.

A segment is one Arrow IPC file (Parquet from an older tracekit) holding
:data:`SEGMENT_SCHEMA`: the ``spans`` columns plus a ``content`` JSON column that folding moves
into ``span_content``. The segment format is not part of the schema version: a fold reads both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from typing import Any

import pyarrow as pa

from tracekit import semconv as sc
from tracekit.store.experiment_schema import EXPERIMENTS_DDL
from tracekit.store.summary import json_path, rebuild_all_traces
from tracekit.store.versions import SCHEMA_VERSION as SCHEMA_VERSION
from tracekit.store.versions import check_readable as check_readable
from tracekit.store.versions import read_schema_version as read_schema_version

#: ``spans`` columns in table order: (name, DuckDB type, Arrow type).
SPAN_COLUMNS: tuple[tuple[str, str, pa.DataType], ...] = (
    ("trace_id", "VARCHAR NOT NULL", pa.string()),
    ("span_id", "VARCHAR NOT NULL", pa.string()),
    ("parent_span_id", "VARCHAR", pa.string()),
    ("name", "VARCHAR NOT NULL", pa.string()),
    ("kind", "VARCHAR NOT NULL", pa.string()),
    ("start_ns", "BIGINT NOT NULL", pa.int64()),
    ("end_ns", "BIGINT NOT NULL", pa.int64()),
    ("duration_ns", "BIGINT NOT NULL", pa.int64()),
    ("status_code", "VARCHAR NOT NULL", pa.string()),
    ("status_message", "VARCHAR", pa.string()),
    ("service_name", "VARCHAR", pa.string()),
    ("scope_name", "VARCHAR", pa.string()),
    ("operation", "VARCHAR", pa.string()),
    ("workflow", "VARCHAR", pa.string()),
    ("agent", "VARCHAR", pa.string()),
    ("agent_path", "VARCHAR", pa.string()),
    ("model", "VARCHAR", pa.string()),
    ("provider", "VARCHAR", pa.string()),
    ("tool", "VARCHAR", pa.string()),
    ("input_tokens", "BIGINT", pa.int64()),
    ("output_tokens", "BIGINT", pa.int64()),
    ("cache_read_tokens", "BIGINT", pa.int64()),
    ("cache_creation_tokens", "BIGINT", pa.int64()),
    ("cost_usd", "DOUBLE", pa.float64()),
    ("error_type", "VARCHAR", pa.string()),
    ("attributes", "JSON", pa.string()),
    ("resource", "JSON", pa.string()),
    ("events", "JSON", pa.string()),
    # v2: what OTLP carries that v1 dropped, so trace files round-trip.
    ("scope_version", "VARCHAR", pa.string()),
    ("links", "JSON", pa.string()),
)
SPAN_COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _, _ in SPAN_COLUMNS)

#: The Arrow schema of one spool segment: the ``spans`` columns plus the content JSON.
SEGMENT_SCHEMA = pa.schema(
    [pa.field(name, arrow, nullable="NOT NULL" not in sql) for name, sql, arrow in SPAN_COLUMNS]
    + [pa.field("content", pa.string(), nullable=True)]
)

#: The JSON columns that take ZSTD where the store's file format has it. Measured on the
#: ingest bench's spans (122,880 in one insert and commit, DuckDB 2.0.1, CPU time): the
#: ``attributes`` column alone in 2.9 MB and 74 ms with ZSTD, against 6.0 MB and 123 ms with
#: the dictionary+FSST DuckDB picks for it by itself; the whole ingest bench went from ~131k
#: to ~157k spans/s and from 110 to 92 bytes per span. Short, repetitive columns (names,
#: operations, models, the resource) stay with DuckDB's choice, which is smaller there.
ZSTD_COLUMNS = frozenset({"attributes"})
#: The oldest DuckDB storage format that compresses text with ZSTD: a file of an older format
#: (DuckDB 1.x creates v0.10.2 files by default) takes ``USING COMPRESSION zstd`` but stores
#: the column uncompressed, 4x the bytes.
_ZSTD_STORAGE = (1, 2, 0)


def _column_sql(name: str, sql: str, *, zstd: bool) -> str:
    return (
        f"{name} {sql} USING COMPRESSION zstd" if zstd and name in ZSTD_COLUMNS else f"{name} {sql}"
    )


def _spans_ddl(*, zstd: bool) -> str:
    columns = ",\n    ".join(_column_sql(name, sql, zstd=zstd) for name, sql, _ in SPAN_COLUMNS)
    return f"CREATE TABLE IF NOT EXISTS spans (\n    {columns}\n)"


def text_zstd_available(con: Any) -> bool:
    """Whether files this connection creates compress text with ZSTD (see
    :data:`ZSTD_COLUMNS`): DuckDB 2.0 creates them in its latest format, 1.x in v0.10.2."""
    row = con.execute("SELECT current_setting('storage_compatibility_version')").fetchone()
    setting = str(row[0]) if row else ""
    if setting == "latest":
        return True
    try:
        version = tuple(int(part) for part in setting.lstrip("v").split("."))
    except ValueError:
        return False
    return version >= _ZSTD_STORAGE


TRACES_DDL = """
CREATE TABLE IF NOT EXISTS traces (
    trace_id VARCHAR NOT NULL,
    start_ns BIGINT NOT NULL,
    end_ns BIGINT NOT NULL,
    duration_ns BIGINT NOT NULL,
    root_span_id VARCHAR NOT NULL,
    has_root BOOLEAN NOT NULL,
    root_name VARCHAR NOT NULL,
    workflow VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    workflow_status VARCHAR,
    stop_reason VARCHAR,
    span_count BIGINT NOT NULL,
    steps BIGINT NOT NULL,
    input_tokens BIGINT,
    output_tokens BIGINT,
    cost_usd DOUBLE,
    unpriced_spans BIGINT NOT NULL DEFAULT 0,
    error_count BIGINT NOT NULL,
    agents VARCHAR[] NOT NULL,
    service_name VARCHAR
)
"""


def _ddl(*, zstd: bool) -> tuple[str, ...]:
    """The statements that create every table (``zstd``: the file's format has ZSTD text)."""
    return (
        "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
        _spans_ddl(zstd=zstd),
        # The content (messages, prompts, completions) is the largest text a store keeps.
        f"""CREATE TABLE IF NOT EXISTS span_content (
            trace_id VARCHAR NOT NULL,
            span_id VARCHAR NOT NULL,
            {_column_sql("attributes", "JSON NOT NULL", zstd=zstd)}
        )""",
        # No ART indexes: measured on a 1M-span store, a trace's spans load as fast by scan, and
        # DuckDB rewrites an ART index at every checkpoint, which made each fold cost O(store).
        TRACES_DDL,
        """CREATE TABLE IF NOT EXISTS folded_segments (
            name VARCHAR NOT NULL,
            folded_at_ns BIGINT NOT NULL
        )""",
        *EXPERIMENTS_DDL,
    )


def ensure_schema(con: Any) -> None:
    """Create the tables in an empty database or migrate an older store, in one transaction.

    Raises StoreError for a database that is not a tracekit store or a newer store.
    """
    version = read_schema_version(con)
    if version == SCHEMA_VERSION:
        return
    if version is not None:
        check_readable(version)
    if version is None:
        with _transaction(con):
            for statement in _ddl(zstd=text_zstd_available(con)):
                con.execute(statement)
            con.execute(
                "INSERT INTO meta VALUES ('schema_version', ?), ('created_by', ?)",
                [str(SCHEMA_VERSION), _tool_version()],
            )
        return
    while version < SCHEMA_VERSION:
        # Each step is its own transaction and safe to run again, and the last one records
        # the new version: DuckDB before 2.0 refuses to commit an ALTER TABLE and an UPDATE
        # of the same table in one transaction.
        *steps, last = _MIGRATIONS[version]
        for step in steps:
            with _transaction(con):
                step(con)
        with _transaction(con):
            last(con)
            version += 1
            con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version)])


@contextmanager
def _transaction(con: Any) -> Iterator[None]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _add_columns_0_to_1(con: Any) -> None:
    """v0 (the prototype layout) lacked ``agent_path``/``cache_creation_tokens`` on spans."""
    con.execute("ALTER TABLE spans ADD COLUMN IF NOT EXISTS agent_path VARCHAR")
    con.execute("ALTER TABLE spans ADD COLUMN IF NOT EXISTS cache_creation_tokens BIGINT")


def _migrate_0_to_1(con: Any) -> None:
    """Fill v0's new span columns from the attributes; v0 also lacked
    ``agents``/``has_root``/``root_span_id``/``workflow_status`` on traces, and the content
    and folded-segment tables."""
    con.execute(
        """UPDATE spans SET
            agent_path = json_extract_string(attributes, ?),
            cache_creation_tokens = coalesce(
                TRY_CAST(json_extract(attributes, ?) AS BIGINT),
                TRY_CAST(json_extract(attributes, ?) AS BIGINT))""",
        [
            json_path(sc.TRACEKIT_AGENT_PATH),
            json_path(sc.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS),
            json_path(sc.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS),
        ],
    )
    con.execute("DROP TABLE IF EXISTS traces")
    # A v0 store's file is of an old format, whatever this DuckDB creates.
    for statement in _ddl(zstd=False):
        con.execute(statement)
    rebuild_all_traces(con)


def _migrate_1_to_2(con: Any) -> None:
    """v1 lacked the instrumentation scope's version and span links (both stay NULL for the
    spans recorded before)."""
    con.execute("ALTER TABLE spans ADD COLUMN IF NOT EXISTS scope_version VARCHAR")
    con.execute("ALTER TABLE spans ADD COLUMN IF NOT EXISTS links JSON")


def _migrate_2_to_3(con: Any) -> None:
    """v2 summed unknown costs and tokens as 0 and did not count unpriced model calls: the
    summaries are rebuilt from the spans, which always kept NULL for unknown."""
    con.execute("DROP TABLE IF EXISTS traces")
    con.execute(TRACES_DDL)
    rebuild_all_traces(con)


def _migrate_3_to_4(con: Any) -> None:
    """v3 had no eval experiments (``experiments``, ``experiment_cases``)."""
    for statement in EXPERIMENTS_DDL:
        con.execute(statement)


#: Per version, the transactions that bring a store to the next version, in order.
_MIGRATIONS: dict[int, tuple[Callable[[Any], None], ...]] = {
    0: (_add_columns_0_to_1, _migrate_0_to_1),
    1: (_migrate_1_to_2,),
    2: (_migrate_2_to_3,),
    3: (_migrate_3_to_4,),
}


def _tool_version() -> str:
    try:
        return f"tracekit {metadata.version('tracekit')}"
    except metadata.PackageNotFoundError:
        return "tracekit"
