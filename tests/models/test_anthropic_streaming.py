"""Streaming on Claude: ``messages.stream`` through the real SDK (sync and async), answered
with real Server-Sent Events bytes of the Messages API by an httpx2 mock transport.

The SDK's own span is the one LLM span; it carries the full content and the deltas as
delivered (``tracekit.stream.deltas``). A token budget is enforced as usage arrives.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
from opentelemetry.trace import SpanKind

from tracekit import semconv as sc
from tracekit.models import AnthropicModel, AsyncAnthropicModel, ModelRouter, TextDelta
from tracekit.models.streaming import ToolCallEvent, UsageUpdate, parse_deltas
from tracekit.orchestrator import Agent, Context, FinalOutput, RetryPolicy, Workflow
from tracekit.testing import Captured, json_attr

API_KEY = "sk-ant-api03-test-key-that-must-not-be-recorded"
WORDS = ["Tracing", " makes", " agent", " runs", " visible", "."]


def sse(events: list[dict[str, Any]]) -> bytes:
    """The wire form of a Messages API stream."""
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()


def text_stream(input_tokens: int = 25, output_tokens: int = 12) -> list[dict[str, Any]]:
    message = {
        "id": "msg_stream_01",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "claude-haiku-4-5-20251001",
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": 1},
    }
    return [
        {"type": "message_start", "message": message},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "ping"},
        *(
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": word},
            }
            for word in WORDS
        ),
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": output_tokens},
        },
        {"type": "message_stop"},
    ]


def tool_stream() -> list[dict[str, Any]]:
    events = text_stream()[:1]
    block = {"type": "tool_use", "id": "toolu_01", "name": "lookup", "input": {}}
    return [
        *events,
        {"type": "content_block_start", "index": 0, "content_block": block},
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": '{"term": '},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": '"spans"}'},
        },
        {"type": "content_block_stop", "index": 0},
        {
            "type": "message_delta",
            "delta": {"stop_reason": "tool_use", "stop_sequence": None},
            "usage": {"output_tokens": 9},
        },
        {"type": "message_stop"},
    ]


class StreamingAPI:
    """Answers POST /v1/messages with one event stream per request, in turn."""

    def __init__(self, *streams: list[dict[str, Any]]) -> None:
        self.streams = list(streams)
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.bodies.append(json.loads(request.content))
        return httpx2.Response(
            200,
            headers={"content-type": "text/event-stream"},
            content=sse(self.streams.pop(0)),
        )


def lookup(term: str) -> str:
    """Look a term up."""
    return f"{term}: what a run did"


def explainer(budget: int | None = None) -> Agent:
    return Agent(
        "explainer",
        model="claude-haiku-4-5",
        instructions="Explain.",
        tools=[lookup],
        token_budget=budget,
        retry=RetryPolicy(max_attempts=1),
    )


def sync_flow(api: StreamingAPI, agent: Agent, seen: list[Any]) -> tuple[Workflow, ModelRouter]:
    model = AnthropicModel(
        api_key=API_KEY, http_client=httpx2.Client(transport=httpx2.MockTransport(api))
    )
    flow = Workflow("explain")

    @flow.entrypoint
    def go(ctx: Context[None], question: str) -> Any:
        seen.extend(ctx.stream(agent, question))
        return seen[-1].output

    return flow, ModelRouter({}, default=model)


def test_a_stream_on_claude_yields_deltas_tool_calls_and_the_output(captured: Captured) -> None:
    api = StreamingAPI(tool_stream(), text_stream())
    seen: list[Any] = []
    flow, router = sync_flow(api, explainer(), seen)
    result = flow.run("What is tracing?", telemetry=captured.telemetry, models=router)

    assert result.status == "ok"
    assert result.output == "".join(WORDS)
    assert [type(e).__name__ for e in seen] == [
        "ToolCallEvent",
        *["TextDelta"] * len(WORDS),
        "FinalOutput",
    ]
    assert all(body["stream"] is True for body in api.bodies)
    chats = captured.named(sc.ANTHROPIC_SPAN_NAME)
    assert len(chats) == 2 and all(c.kind is SpanKind.CLIENT for c in chats)
    agent_span = captured.one("invoke_agent explainer")
    assert all(c.parent and c.parent.span_id == agent_span.context.span_id for c in chats)
    answer = chats[1]
    assert json_attr(answer, sc.GEN_AI_OUTPUT_MESSAGES)[0]["parts"] == [
        {"type": "text", "content": "".join(WORDS)}
    ]
    delivered = parse_deltas(answer.attributes[sc.TRACEKIT_STREAM_DELTAS])
    assert [d.text for d in delivered if isinstance(d, TextDelta)] == WORDS
    assert [d.usage.output_tokens for d in delivered if isinstance(d, UsageUpdate)] == [1, 12]
    [call] = [
        d
        for d in parse_deltas(chats[0].attributes[sc.TRACEKIT_STREAM_DELTAS])
        if isinstance(d, ToolCallEvent)
    ]
    assert (call.call.name, call.call.arguments) == ("lookup", {"term": "spans"})
    assert result.input_tokens == 50 and result.output_tokens == 21
    assert API_KEY not in str([dict(s.attributes or {}) for s in captured.spans])


def test_a_token_budget_stops_a_claude_stream_when_its_usage_arrives(captured: Captured) -> None:
    # message_start says 400 input tokens: over the 300 budget before any text.
    api = StreamingAPI(text_stream(input_tokens=400))
    seen: list[Any] = []
    flow, router = sync_flow(api, explainer(budget=300), seen)
    result = flow.run("What is tracing?", telemetry=captured.telemetry, models=router)

    assert result.status == "stopped"
    assert result.stop_reason == "limit:token_budget:explainer"
    assert seen == []
    [(span, limit)] = captured.events(sc.EVENT_LIMIT_EXCEEDED)
    assert span.name == "invoke_agent explainer"
    assert limit[sc.EVENT_LIMIT_OBSERVED] == 401
    [chat] = captured.named(sc.ANTHROPIC_SPAN_NAME)
    assert chat.end_time is not None  # the stream was closed, and the SDK's span ended
    assert parse_deltas(chat.attributes[sc.TRACEKIT_STREAM_DELTAS]) == [
        UsageUpdate(parse_deltas('[{"usage":[400,1,0,0]}]')[0].usage)  # type: ignore[union-attr]
    ]


def test_an_async_stream_on_claude(captured: Captured) -> None:
    api = StreamingAPI(text_stream())
    model = AsyncAnthropicModel(
        api_key=API_KEY,
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(api)),
    )
    seen: list[Any] = []
    flow = Workflow("explain-async")
    agent = Agent("explainer", model="claude-haiku-4-5")

    @flow.entrypoint
    async def go(ctx: Context[None], question: str) -> Any:
        async for event in ctx.astream(agent, question):
            seen.append(event)

    result = asyncio.run(
        flow.arun(
            "What is tracing?", telemetry=captured.telemetry, models=ModelRouter({}, default=model)
        )
    )

    assert result.status == "ok"
    assert seen == [*(TextDelta(w) for w in WORDS), FinalOutput("".join(WORDS))]
    [chat] = captured.named(sc.ANTHROPIC_SPAN_NAME)
    delivered = parse_deltas(chat.attributes[sc.TRACEKIT_STREAM_DELTAS])
    assert [d.text for d in delivered if isinstance(d, TextDelta)] == WORDS


def test_a_stream_cut_short_is_a_failed_call_worth_a_retry(captured: Captured) -> None:
    api = StreamingAPI(text_stream()[:5])
    seen: list[Any] = []
    flow, router = sync_flow(api, explainer(), seen)
    result = flow.run(
        "What is tracing?", telemetry=captured.telemetry, models=router, raise_errors=False
    )

    assert result.status == "error"
    assert result.error == (
        "TransientModelError: anthropic: the stream ended before its message_stop event"
    )
    # The reader saw the deltas that came, then the failure (no output).
    assert seen == [TextDelta(w) for w in WORDS[:2]]
    [chat] = captured.named(sc.ANTHROPIC_SPAN_NAME)
    assert [
        d.text
        for d in parse_deltas(chat.attributes[sc.TRACEKIT_STREAM_DELTAS])
        if isinstance(d, TextDelta)
    ] == WORDS[:2]
