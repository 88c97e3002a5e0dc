"""The built-in model prices as plain values, USD per million tokens.

:class:`tracekit.pricing.ModelPrice` validates them into the default
:class:`~tracekit.pricing.PriceTable`. They live apart, free of pydantic, because every read
of a store compares its recorded table with this process's
(:func:`tracekit.store.price_digest.default_canonical_prices`): a read that finds the store
priced this way (nearly every one) then needs neither pydantic nor a validated table.
Each entry has every field of ``ModelPrice`` (``None`` where a model has no cache price),
as ``ModelPrice.model_dump()`` gives it.
"""

from __future__ import annotations

__all__ = ["DEFAULT_PRICE_VALUES"]

DEFAULT_PRICE_VALUES: dict[str, dict[str, float | None]] = {
    "claude-opus-4": {"input": 15.0, "output": 75.0, "cache_read": 1.5, "cache_creation": 18.75},
    "claude-opus-4-5": {"input": 5.0, "output": 25.0, "cache_read": 0.5, "cache_creation": 6.25},
    "claude-sonnet-4": {"input": 3.0, "output": 15.0, "cache_read": 0.3, "cache_creation": 3.75},
    "claude-sonnet-4-5": {"input": 3.0, "output": 15.0, "cache_read": 0.3, "cache_creation": 3.75},
    "claude-haiku-4-5": {"input": 1.0, "output": 5.0, "cache_read": 0.1, "cache_creation": 1.25},
    "claude-3-5-haiku": {"input": 0.8, "output": 4.0, "cache_read": 0.08, "cache_creation": 1.0},
    "gpt-4o": {"input": 2.5, "output": 10.0, "cache_read": 1.25, "cache_creation": None},
    "gpt-4o-mini": {"input": 0.15, "output": 0.6, "cache_read": 0.075, "cache_creation": None},
}
