"""Which price table a store's costs were priced with (``meta.prices``, canonical JSON): what
every read compares with its own table, without loading Arrow or the re-pricing SQL (see
:mod:`tracekit.store.reprice`)."""

from __future__ import annotations

import json
from typing import Any

from tracekit.pricing import ModelPrice, PriceTable

__all__ = ["canonical_prices", "record_prices", "recorded_prices", "table_from_canonical"]

_PRICES_KEY = "prices"


def canonical_prices(table: PriceTable) -> str:
    """The price table as canonical JSON: what the store records and compares."""
    return json.dumps(
        {key: table.prices[key].model_dump() for key in sorted(table.prices)},
        sort_keys=True,
        separators=(",", ":"),
    )


def recorded_prices(con: Any) -> str | None:
    """The canonical price table the store's costs were last priced with, if recorded."""
    row = con.execute("SELECT value FROM meta WHERE key = ?", [_PRICES_KEY]).fetchone()
    return str(row[0]) if row else None


def record_prices(con: Any, canonical: str) -> None:
    """Record ``canonical`` as the store's price table."""
    con.execute("DELETE FROM meta WHERE key = ?", [_PRICES_KEY])
    con.execute("INSERT INTO meta VALUES (?, ?)", [_PRICES_KEY, canonical])


def table_from_canonical(canonical: str) -> PriceTable:
    """The :class:`PriceTable` recorded as ``canonical``."""
    raw = json.loads(canonical)
    return PriceTable(prices={key: ModelPrice.model_validate(value) for key, value in raw.items()})
