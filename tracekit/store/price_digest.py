"""Which price table a store's costs were priced with (``meta.prices``, canonical JSON): what
every read compares with its own table, without loading Arrow or the re-pricing SQL (see
:mod:`tracekit.store.reprice`)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tracekit import settings
from tracekit.price_defaults import DEFAULT_PRICE_VALUES

if TYPE_CHECKING:  # pydantic: loaded only when a table is built or compared
    from tracekit.pricing import PriceTable

__all__ = [
    "canonical_prices",
    "default_canonical_prices",
    "record_prices",
    "recorded_prices",
    "table_from_canonical",
]

_PRICES_KEY = "prices"


def canonical_prices(table: PriceTable) -> str:
    """The price table as canonical JSON: what the store records and compares."""
    return _canonical_json({key: price.model_dump() for key, price in table.prices.items()})


def default_canonical_prices() -> str:
    """``canonical_prices(PriceTable.default())``: where no ``TRACEKIT_PRICES`` file
    overrides the built-in table, straight from its plain values, without building (and
    validating) a table: what a read that finds the store priced this way costs."""
    if settings.prices_path() is not None:
        from tracekit.pricing import PriceTable

        return canonical_prices(PriceTable.default())
    return _canonical_json(DEFAULT_PRICE_VALUES)


def _canonical_json(prices: dict[str, dict[str, Any]]) -> str:
    return json.dumps(
        {key: prices[key] for key in sorted(prices)}, sort_keys=True, separators=(",", ":")
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
    from tracekit.pricing import ModelPrice, PriceTable

    raw = json.loads(canonical)
    return PriceTable(prices={key: ModelPrice.model_validate(value) for key, value in raw.items()})
