"""Tools are plain typed functions; their schema comes from the signature."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

import pytest
from pydantic import BaseModel

from tracekit.exceptions import ConfigError, ToolError
from tracekit.models import ModelRouter, ScriptContext, ScriptedModel, Turn
from tracekit.orchestrator import Agent, Context, Tool, Workflow
from tracekit.testing import Captured


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


def test_a_tool_result_the_tool_goes_on_changing_is_sent_as_it_was_returned(
    captured: Captured,
) -> None:
    # A tool handing out its own list, which it changes on its next call: each result in
    # the conversation is what the tool returned at the time (as its span records it), and
    # every request's cache key is the hash of that request's JSON.
    shelf: list[str] = []

    def stock(item: str) -> list[str]:
        """Put an item on the shelf; the shelf as it now is."""
        shelf.append(item)
        return shelf

    seen: list[tuple[str, str, str]] = []

    def script(ctx: ScriptContext) -> Turn:
        request = ctx.request
        whole = hashlib.sha256(request.model_dump_json(exclude_none=True).encode()).hexdigest()
        seen.append((request.cache_key(), whole, request.model_dump_json()))
        if ctx.turn < 2:
            return Turn(tool_calls=(("stock", {"item": f"item {ctx.turn}"}),))
        return ctx.final(text="stocked")

    clerk = Agent("clerk", tools=[Tool(stock)])
    flow = Workflow("stocking")

    @flow.entrypoint
    def go(ctx: Context[None], text: str) -> str:
        return str(ctx.call(clerk, text))

    models = ModelRouter({}, default=ScriptedModel(script=script))
    assert flow.run("stock up", telemetry=captured.telemetry, models=models).status == "ok"

    assert [key == whole for key, whole, _ in seen] == [True, True, True]
    last = json.loads(seen[-1][2])
    responses = [
        part["response"]
        for message in last["messages"]
        for part in message["parts"]
        if part["type"] == "tool_call_response"
    ]
    assert responses == [["item 0"], ["item 0", "item 1"]]
