"""Tools are plain typed functions; their schema comes from the signature."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from tracekit import semconv as sc
from tracekit.exceptions import ConfigError, ToolError
from tracekit.models import ModelRouter, ScriptContext, ScriptedModel, Turn
from tracekit.orchestrator import Agent, Context, Tool, Workflow
from tracekit.orchestrator.approval import ApprovalRequest, approve_all
from tracekit.testing import Captured, json_attr


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


def _tool_call_arguments(messages: list[dict[str, Any]]) -> list[Any]:
    return [
        part["arguments"]
        for message in messages
        for part in message["parts"]
        if part["type"] == "tool_call"
    ]


def _refunding(
    approver: Any, refund: Any, captured: Captured
) -> tuple[list[tuple[str, str]], list[dict[str, Any]]]:
    """A run in which the model asks for one refund, then answers. Returns each model call's
    cache key with the hash of its whole request JSON, and the model's tool call arguments
    as each record of the run shows them."""
    asked = {"order_id": "A-1", "options": {"limits": {"amount_usd": 250}}}
    keys: list[tuple[str, str]] = []

    def script(ctx: ScriptContext) -> Turn:
        request = ctx.request
        whole = hashlib.sha256(request.model_dump_json(exclude_none=True).encode()).hexdigest()
        keys.append((request.cache_key(), whole))
        if ctx.turn == 0:
            return Turn(tool_calls=(("refund", copy.deepcopy(asked)),))
        return ctx.final(text=str(ctx.tool_results[0]))

    clerk = Agent("clerk", tools=[Tool(refund, requires_approval=True)])
    flow = Workflow("refunds", approver=approver)

    @flow.entrypoint
    def go(ctx: Context[None], text: str) -> str:
        return str(ctx.call(clerk, text))

    models = ModelRouter({}, default=ScriptedModel(script=script))
    assert flow.run("refund it", telemetry=captured.telemetry, models=models).status == "ok"
    first, second = captured.named("chat ")
    (tool_span,) = captured.named("execute_tool ")
    records = [
        *_tool_call_arguments(json_attr(first, sc.GEN_AI_OUTPUT_MESSAGES)),
        json_attr(tool_span, sc.GEN_AI_TOOL_CALL_ARGUMENTS),
        *_tool_call_arguments(json_attr(second, sc.GEN_AI_INPUT_MESSAGES)),
    ]
    assert [arguments == asked for arguments in records] == [True, True, True]
    return keys, records


def test_a_tool_that_changes_its_arguments_changes_no_record_of_the_call(
    captured: Captured,
) -> None:
    # The tool edits what it was given; the model's call stays as it asked for it: in its
    # answer, on the tool's span, in the next request (and that request's cache key).
    ran: list[int] = []

    def refund(order_id: str, options: dict[str, Any]) -> str:
        """Refund an order."""
        options["limits"]["amount_usd"] = 1
        ran.append(options["limits"]["amount_usd"])
        return "refunded"

    keys, _ = _refunding(approve_all, refund, captured)

    assert ran == [1]
    assert [key == whole for key, whole in keys] == [True, True]


def test_an_approver_that_changes_the_proposal_changes_neither_the_call_nor_its_record(
    captured: Captured,
) -> None:
    # An approver decides on the proposal: what it approved is what runs and is recorded,
    # whatever it does to its copy of the arguments.
    ran: list[dict[str, Any]] = []

    def approver(request: ApprovalRequest) -> bool:
        request.arguments["options"]["limits"]["amount_usd"] = 10
        return True

    def refund(order_id: str, options: dict[str, Any]) -> str:
        """Refund an order."""
        ran.append({"order_id": order_id, "options": options})
        return "refunded"

    _, records = _refunding(approver, refund, captured)

    assert ran == [records[1]]
