"""USD cost of a model call from its token usage and a price table the user can override.

Prices are USD per million tokens. ``gen_ai.usage.input_tokens`` *includes* cache tokens (GenAI
semconv), so the uncached input is ``input - cache_read - cache_creation``.

>>> table = PriceTable.default()
>>> round(table.cost("claude-haiku-4-5", input_tokens=1_000_000, output_tokens=0), 2)
1.0
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from tracekit import settings
from tracekit.exceptions import ConfigError
from tracekit.price_defaults import DEFAULT_PRICE_VALUES

PRICES_ENV = settings.TRACEKIT_PRICES.name


class ModelPrice(BaseModel):
    """Price of one model, USD per million tokens."""

    # Deferred: the built-in prices are plain values (tracekit.price_defaults), validated
    # when a table is first built, not when this module is imported.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cache_read: float | None = Field(default=None, ge=0)
    cache_creation: float | None = Field(default=None, ge=0)


class PriceTable(BaseModel):
    """Model prices; a model matches the longest key that its name starts with.

    Dated model ids (``claude-haiku-4-5-20251001``) and provider prefixes
    (``anthropic/claude-…``) resolve to the base entry.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    prices: dict[str, ModelPrice]
    _resolved: dict[str, ModelPrice | None] = PrivateAttr(default_factory=dict)

    @classmethod
    def default(cls) -> PriceTable:
        """The built-in table, overridden by the JSON file named in ``TRACEKIT_PRICES`` if set."""
        table = cls(
            prices={
                key: ModelPrice.model_validate(values)
                for key, values in DEFAULT_PRICE_VALUES.items()
            }
        )
        override = settings.prices_path()
        return table.merged(cls.from_file(override)) if override else table

    @classmethod
    def from_file(cls, path: Path) -> PriceTable:
        """Read ``{"model": {"input": .., "output": .., ...}}`` from a JSON file."""
        try:
            raw = json.loads(path.read_text())
            return cls(prices={k: ModelPrice.model_validate(v) for k, v in raw.items()})
        except (OSError, ValueError, ValidationError, AttributeError) as exc:
            first = str(exc).splitlines()[0]
            raise ConfigError(f"price table {path}: {first}") from exc

    def merged(self, other: PriceTable) -> PriceTable:
        """A table with ``other``'s entries taking precedence."""
        return PriceTable(prices={**self.prices, **other.prices})

    def lookup(self, model: str | None) -> ModelPrice | None:
        """The price entry for ``model``, or ``None`` when the model is unknown."""
        if not model:
            return None
        # Read from pydantic's dict of private attributes (a slot): ``self._resolved`` goes
        # through pydantic's Python-level ``__getattr__``, which cost more than the cost sum.
        memo: dict[str, ModelPrice | None] = self.__pydantic_private__["_resolved"]  # type: ignore[index]
        if model in memo:
            return memo[model]
        resolved = self._resolve(model)
        memo[model] = resolved
        return resolved

    def _resolve(self, model: str) -> ModelPrice | None:
        name = model.rsplit("/", 1)[-1].lower()
        best: str | None = None
        for key in self.prices:
            if name.startswith(key.lower()) and (best is None or len(key) > len(best)):
                best = key
        return self.prices[best] if best is not None else None

    def cost(
        self,
        model: str | None,
        *,
        input_tokens: int,
        output_tokens: int,
        cache_read_tokens: int = 0,
        cache_creation_tokens: int = 0,
    ) -> float | None:
        """USD cost of one call, or ``None`` when the model has no price."""
        price = self.lookup(model)
        if price is None:
            return None
        uncached = max(input_tokens - cache_read_tokens - cache_creation_tokens, 0)
        read_rate = price.cache_read if price.cache_read is not None else price.input
        write_rate = price.cache_creation if price.cache_creation is not None else price.input
        total = (
            uncached * price.input
            + cache_read_tokens * read_rate
            + cache_creation_tokens * write_rate
            + output_tokens * price.output
        )
        return total / 1_000_000
