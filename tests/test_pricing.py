"""Cost comes from a price table the user can override."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracekit.exceptions import ConfigError
from tracekit.pricing import PriceTable


def test_dated_and_prefixed_model_ids_resolve_to_the_base_price() -> None:
    table = PriceTable.default()
    base = table.cost("claude-sonnet-4-5", input_tokens=1000, output_tokens=100)
    assert table.cost("claude-sonnet-4-5-20250929", input_tokens=1000, output_tokens=100) == base
    assert table.cost("anthropic/claude-sonnet-4-5", input_tokens=1000, output_tokens=100) == base
    assert table.cost("my-own-model", input_tokens=1000, output_tokens=100) is None


def test_cache_tokens_are_priced_at_cache_rates() -> None:
    table = PriceTable.default()
    # haiku 4.5: input $1, cache read $0.10, cache write $1.25, output $5 per million
    cost = table.cost(
        "claude-haiku-4-5",
        input_tokens=1_000_000,
        output_tokens=0,
        cache_read_tokens=500_000,
        cache_creation_tokens=100_000,
    )
    assert cost == pytest.approx(0.4 + 0.05 + 0.125)


def test_user_override_from_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prices = tmp_path / "prices.json"
    prices.write_text(
        json.dumps(
            {"claude-haiku-4-5": {"input": 10, "output": 10}, "in-house": {"input": 1, "output": 2}}
        )
    )
    monkeypatch.setenv("TRACEKIT_PRICES", str(prices))
    table = PriceTable.default()
    assert table.cost("claude-haiku-4-5", input_tokens=1_000_000, output_tokens=0) == pytest.approx(
        10
    )
    assert table.cost("in-house", input_tokens=0, output_tokens=1_000_000) == pytest.approx(2)


def test_bad_price_file_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "prices.json"
    bad.write_text('{"m": {"input": -1, "output": 1}}')
    with pytest.raises(ConfigError, match=r"prices\.json"):
        PriceTable.from_file(bad)
    with pytest.raises(ConfigError):
        PriceTable.from_file(tmp_path / "missing.json")


@pytest.mark.parametrize("override", [False, True])
def test_the_plain_digest_of_the_default_table_is_the_tables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, override: bool
) -> None:
    # Every read compares this digest with the store's recorded one: were it to differ from
    # the table's own, every read would re-price the store.
    from tracekit.store.price_digest import canonical_prices, default_canonical_prices

    if override:
        prices = tmp_path / "prices.json"
        prices.write_text(json.dumps({"gpt-4o": {"input": 1, "output": 2}}))
        monkeypatch.setenv("TRACEKIT_PRICES", str(prices))
    assert default_canonical_prices() == canonical_prices(PriceTable.default())
