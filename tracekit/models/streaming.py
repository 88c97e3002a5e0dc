"""Streamed model calls: what a client yields as the model produces its answer.

A streaming client's ``stream(request, tracer_provider)`` (``astream`` for async runs) is a
generator of :class:`TextDelta`, :class:`ToolCallEvent` and :class:`UsageUpdate` items, in the
order the model produced them, ending with the whole :class:`~tracekit.models.base.ModelResponse`.
Usage updates are cumulative for the call, so the orchestrator can enforce budgets as usage
arrives (it stops a stream by throwing the limit's error into the generator).

What a stream delivered is recorded on its LLM span (``tracekit.stream.deltas``), in a compact
JSON list that :func:`deltas_json` writes and :func:`parse_deltas` reads back, so a replay
re-emits the same deltas in the same order.

>>> items = [TextDelta("Hel"), TextDelta("lo"), UsageUpdate(Usage(input_tokens=3, output_tokens=2))]
>>> deltas_json(items)
'["Hel","lo",{"usage":[3,2,0,0]}]'
>>> parse_deltas(deltas_json(items)) == items
True
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from tracekit.models.base import ModelRequest, ModelResponse, Usage
from tracekit.models.messages import ToolCallPart


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of the answer's text, as the model produced it."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCallEvent:
    """A tool call the model asked for, once its arguments are complete."""

    call: ToolCallPart


@dataclass(frozen=True, slots=True)
class UsageUpdate:
    """The call's token usage so far (cumulative: each update replaces the last)."""

    usage: Usage


#: What a model stream yields before its final response.
StreamDelta = TextDelta | ToolCallEvent | UsageUpdate
#: What a model stream yields: deltas, then the response.
StreamItem = TextDelta | ToolCallEvent | UsageUpdate | ModelResponse


@runtime_checkable
class StreamingModelClient(Protocol):
    """A model client that can stream (the scripted model, Claude through the SDK)."""

    provider: str

    def stream(self, request: ModelRequest, tracer_provider: Any) -> Iterator[StreamItem]:
        """Deltas as the model produces them, then the :class:`ModelResponse`."""
        ...


@runtime_checkable
class AsyncStreamingModelClient(Protocol):
    """The async face of :class:`StreamingModelClient`."""

    provider: str

    def astream(self, request: ModelRequest, tracer_provider: Any) -> AsyncIterator[StreamItem]:
        """Deltas as the model produces them, then the :class:`ModelResponse`."""
        ...


def response_deltas(response: ModelResponse) -> list[StreamDelta]:
    """The deltas of a response that was not streamed (a cached or non-streaming answer):
    its text in one piece, its tool calls, its usage."""
    items: list[StreamDelta] = []
    text = response.message.text()
    if text:
        items.append(TextDelta(text))
    items.extend(ToolCallEvent(call) for call in response.message.tool_calls())
    items.append(UsageUpdate(response.usage))
    return items


def _encode(item: StreamDelta) -> Any:
    if isinstance(item, TextDelta):
        return item.text
    if isinstance(item, ToolCallEvent):
        return {"tool_call": item.call.model_dump(mode="json", exclude={"type"})}
    usage = item.usage
    return {
        "usage": [
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_tokens,
            usage.cache_creation_tokens,
        ]
    }


def deltas_json(items: list[StreamDelta]) -> str:
    """The ``tracekit.stream.deltas`` attribute of a stream that delivered ``items``."""
    return json.dumps([_encode(item) for item in items], separators=(",", ":"))


def parse_deltas(value: Any) -> list[StreamDelta]:
    """The deltas a ``tracekit.stream.deltas`` attribute (or its parsed JSON) holds; what
    is not a delta of this shape is skipped (a recording from elsewhere)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if not isinstance(value, list):
        return []
    items: list[StreamDelta] = []
    for entry in value:
        if isinstance(entry, str):
            items.append(TextDelta(entry))
        elif isinstance(entry, dict) and isinstance(entry.get("tool_call"), dict):
            items.append(ToolCallEvent(ToolCallPart.model_validate(entry["tool_call"])))
        elif isinstance(entry, dict) and isinstance(entry.get("usage"), list):
            counts = [int(n) for n in entry["usage"][:4] if isinstance(n, int)]
            counts += [0] * (4 - len(counts))
            items.append(
                UsageUpdate(
                    Usage(
                        input_tokens=counts[0],
                        output_tokens=counts[1],
                        cache_read_tokens=counts[2],
                        cache_creation_tokens=counts[3],
                    )
                )
            )
    return items
