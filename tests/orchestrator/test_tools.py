"""Tools are plain typed functions; their schema comes from the signature."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel

from tracekit.exceptions import ConfigError, ToolError
from tracekit.orchestrator import Agent, Context, Tool


class Address(BaseModel):
    city: str
    zip: str


def ship(
    order_id: str,
    address: Address,
    speed: Literal["slow", "fast"] = "slow",
    ctx: Context[None] | None = None,
) -> str:
    """Ship an order.

    Longer explanation that the model does not need.
    """
    return f"{order_id}->{address.city}:{speed}:{ctx is not None}"


def test_schema_from_signature_hides_the_context_parameter() -> None:
    t = Tool(ship)
    schema = t.spec.input_schema
    assert t.spec.description == "Ship an order."
    assert schema["required"] == ["order_id", "address"]
    assert set(schema["properties"]) == {"order_id", "address", "speed"}
    assert schema["properties"]["speed"]["enum"] == ["slow", "fast"]
    assert schema["additionalProperties"] is False


def test_arguments_are_validated_and_converted() -> None:
    t = Tool(ship)
    out = t.invoke({"order_id": "A1", "address": {"city": "Oslo", "zip": "0150"}}, context="ctx")
    assert out == "A1->Oslo:slow:True"
    with pytest.raises(ToolError, match="invalid arguments"):
        t.invoke({"order_id": "A1", "address": {"city": "Oslo"}})
    with pytest.raises(ToolError, match="invalid arguments"):
        t.invoke({"order_id": "A1", "address": {"city": "O", "zip": "1"}, "extra": 1})


def test_tool_exceptions_become_tool_errors_with_the_cause() -> None:
    def boom(x: int) -> int:
        """Explode."""
        raise ValueError("bad x")

    with pytest.raises(ToolError, match="ValueError: bad x") as info:
        Tool(boom).invoke({"x": 1})
    assert isinstance(info.value.__cause__, ValueError)


def test_reserved_and_untypeable_tools_are_rejected() -> None:
    def final_result(x: int) -> int:
        """Clash."""
        return x

    def variadic(*args: int) -> int:
        """No schema."""
        return 0

    with pytest.raises(ConfigError, match="reserved"):
        Agent("a", tools=[final_result])
    with pytest.raises(ConfigError, match=r"\*args"):
        Tool(variadic)
