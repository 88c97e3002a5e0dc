"""Prices applied to stored spans in SQL: stored costs follow the price table of whoever reads.

A model call's cost comes from one of two places: its source (tracekit's own spans carry
``tracekit.cost.usd``, priced when they were recorded) or the price table
(:class:`~tracekit.pricing.PriceTable`, the built-in prices overridden by ``TRACEKIT_PRICES``).
Costs from the source are never touched. Every other model call with a model and token counts
is priced again whenever the table changes:

- the store remembers the table its costs were priced with (``meta.prices``, canonical JSON);
- a reader (:class:`~tracekit.store.TraceStore`) whose table differs re-prices every such span
  once, under the writer lock, before it reads, so ``traces``, ``show``, ``stats`` and the TUI
  always show the prices of the command the user runs (a model that has a price now is priced,
  one whose price was removed goes back to unknown);
- a fold by a process with another table re-prices the spans it brought with the store's table;
- ``tracekit reprice`` does it on demand and says what it changed.

The price join is one set-based statement (the longest key that the model name starts with,
as :meth:`PriceTable.lookup`), then the summaries of the traces it touched are rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from tracekit import semconv as sc
from tracekit.exceptions import StoreLockedError
from tracekit.pricing import PriceTable
from tracekit.store.db import connect
from tracekit.store.paths import StorePaths, store_lock
from tracekit.store.price_digest import canonical_prices as canonical_prices
from tracekit.store.price_digest import record_prices as record_prices
from tracekit.store.price_digest import recorded_prices as recorded_prices
from tracekit.store.price_digest import table_from_canonical as table_from_canonical
from tracekit.store.schema import ensure_schema
from tracekit.store.summary import json_path, rebuild_traces

_PRICES_RELATION = "_price_table"
_REPRICED = "_repriced_spans"
_REPRICED_TRACES = "_repriced_traces"


@dataclass(frozen=True)
class RepriceResult:
    """What a re-pricing changed: spans whose cost changed, the traces they are in, and the
    model calls still without a price (with their models)."""

    spans: int
    traces: int
    unpriced_spans: int
    unpriced_models: tuple[str, ...]


# Model calls priced from the table, each with the cost the table gives it now (NULL for a
# model without a price): the entry whose key is the longest prefix of the model's name
# without a provider prefix, both lower-cased. Kept only where the cost changes.
_REPRICE_SQL = f"""
CREATE OR REPLACE TEMP TABLE {_REPRICED} AS
WITH candidates AS (
    SELECT trace_id, span_id, cost_usd AS old_cost,
           lower(regexp_replace(model, '^.*/', '')) AS name,
           greatest(input_tokens - coalesce(cache_read_tokens, 0)
                    - coalesce(cache_creation_tokens, 0), 0) AS uncached,
           coalesce(cache_read_tokens, 0) AS cache_read,
           coalesce(cache_creation_tokens, 0) AS cache_creation,
           coalesce(output_tokens, 0) AS output
    FROM spans
    WHERE list_contains($llm_ops, operation)
      AND model IS NOT NULL AND input_tokens IS NOT NULL
      AND ($all_traces OR trace_id IN (SELECT trace_id FROM {{scope}}))
      AND TRY_CAST(json_extract_string(attributes, $cost_path) AS DOUBLE) IS NULL
),
priced AS (
    SELECT c.trace_id, c.span_id, c.old_cost,
           arg_max(
               (c.uncached * p.input
                + c.cache_read * coalesce(p.cache_read, p.input)
                + c.cache_creation * coalesce(p.cache_creation, p.input)
                + c.output * p.output) / 1000000,
               length(p.key)
           ) AS new_cost
    FROM candidates AS c
    LEFT JOIN {_PRICES_RELATION} AS p ON starts_with(c.name, p.key)
    GROUP BY c.trace_id, c.span_id, c.old_cost
)
SELECT trace_id, span_id, new_cost FROM priced WHERE new_cost IS DISTINCT FROM old_cost
"""

_UPDATE_SQL = f"""
UPDATE spans SET cost_usd = r.new_cost
FROM {_REPRICED} AS r
WHERE spans.trace_id = r.trace_id AND spans.span_id = r.span_id
"""

_UNPRICED_SQL = """
SELECT count(*), list_sort(list_distinct(list(model)))
FROM spans
WHERE list_contains($llm_ops, operation) AND cost_usd IS NULL
"""


def reprice(con: Any, table: PriceTable, *, scope: str | None = None) -> RepriceResult:
    """Price the model calls without a cost from their source with ``table`` and rebuild the
    summaries of the traces that changed, in ``con``'s current transaction (the caller holds
    the writer lock). ``scope`` (a relation with a ``trace_id`` column) limits it to those
    traces. Does not record the table (see :func:`record_prices`)."""
    con.register(_PRICES_RELATION, _price_rows(table))
    try:
        con.execute(
            _REPRICE_SQL.format(scope=scope or "(SELECT NULL::VARCHAR AS trace_id)"),
            {
                "llm_ops": sorted(sc.LLM_OPERATIONS),
                "cost_path": json_path(sc.TRACEKIT_COST_USD),
                "all_traces": scope is None,
            },
        )
    finally:
        con.unregister(_PRICES_RELATION)
    spans_row = con.execute(f"SELECT count(*) FROM {_REPRICED}").fetchone()
    changed = int(spans_row[0]) if spans_row else 0
    traces = 0
    if changed:
        con.execute(_UPDATE_SQL)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_REPRICED_TRACES} AS "
            f"SELECT DISTINCT trace_id FROM {_REPRICED}"
        )
        traces_row = con.execute(f"SELECT count(*) FROM {_REPRICED_TRACES}").fetchone()
        traces = int(traces_row[0]) if traces_row else 0
        rebuild_traces(con, _REPRICED_TRACES)
        con.execute(f"DROP TABLE {_REPRICED_TRACES}")
    con.execute(f"DROP TABLE {_REPRICED}")
    unpriced = con.execute(_UNPRICED_SQL, {"llm_ops": sorted(sc.LLM_OPERATIONS)}).fetchone()
    count, models = (unpriced[0], unpriced[1]) if unpriced else (0, [])
    return RepriceResult(
        spans=changed,
        traces=traces,
        unpriced_spans=int(count or 0),
        unpriced_models=tuple(model for model in models or [] if model is not None),
    )


def _price_rows(table: PriceTable) -> pa.Table:
    keys = sorted(table.prices)
    prices = [table.prices[key] for key in keys]
    return pa.table(
        {
            "key": pa.array([key.lower() for key in keys], pa.string()),
            "input": pa.array([price.input for price in prices], pa.float64()),
            "output": pa.array([price.output for price in prices], pa.float64()),
            "cache_read": pa.array([price.cache_read for price in prices], pa.float64()),
            "cache_creation": pa.array([price.cache_creation for price in prices], pa.float64()),
        }
    )


def reprice_store(paths: StorePaths, table: PriceTable, *, wait_s: float) -> RepriceResult:
    """Re-price the whole store with ``table`` and record it, under the exclusive lock.

    Raises StoreLockedError when the lock is not obtained within ``wait_s`` seconds.
    """
    with store_lock(paths, exclusive=True, timeout_s=wait_s) as held:
        if not held:
            raise StoreLockedError(f"the store {paths.db} stayed busy for {wait_s:g} s")
        con = connect(paths.db, read_only=False, wait_s=wait_s)
        try:
            ensure_schema(con)
            con.execute("BEGIN TRANSACTION")
            try:
                result = reprice(con, table)
                record_prices(con, canonical_prices(table))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            return result
        finally:
            con.close()
