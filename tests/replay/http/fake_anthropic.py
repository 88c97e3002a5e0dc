"""A fake Messages API for ``httpx2.MockTransport``: JSON answers and realistic event streams.

It answers like the real API does — ``message_start``, ``content_block_start``, ``ping``,
``content_block_delta`` (text and tool-input deltas), ``content_block_stop``,
``message_delta``, ``message_stop`` — with the response headers the real API sends, including
the ones that must never be recorded (an organization id, a cookie). JSON bodies are gzipped, as
the API does for clients that accept it, and streams arrive cut at arbitrary byte boundaries.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2

API_KEY = "sk-ant-api03-live-key-that-must-never-be-recorded-0123456789"
ORG_ID = "org-7f3c2a10-secret-organization"
COOKIE = "__cf_bm=session-cookie-value-that-must-not-be-recorded"
MODEL = "claude-haiku-4-5-20251001"


def _headers(n: int, content_type: str) -> dict[str, str]:
    return {
        "content-type": content_type,
        "request-id": f"req_{n:04d}",
        "anthropic-organization-id": ORG_ID,
        "set-cookie": COOKIE,
        "anthropic-ratelimit-output-tokens-remaining": "7999",
        "retry-after-ms": "1",
    }


def _message(n: int, text: str, stop_reason: str = "end_turn") -> dict[str, Any]:
    return {
        "id": f"msg_{n:04d}",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [{"type": "text", "text": text}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 20 + n, "output_tokens": 5 + n},
    }


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


def stream_events(n: int, words: list[str], tool: bool = False) -> str:
    """The event stream of one streamed answer: text deltas, optionally a tool call."""
    start = _message(n, "")
    start["content"] = []
    start["stop_reason"] = None
    start["usage"] = {"input_tokens": 30, "output_tokens": 1}
    parts = [
        _sse("message_start", {"type": "message_start", "message": start}),
        _sse(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
        _sse("ping", {"type": "ping"}),
    ]
    for word in words:
        delta = {"type": "text_delta", "text": word}
        parts.append(
            _sse("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta})
        )
    parts.append(_sse("content_block_stop", {"type": "content_block_stop", "index": 0}))
    if tool:
        block = {"type": "tool_use", "id": f"toolu_{n:04d}", "name": "get_weather", "input": {}}
        parts.append(
            _sse(
                "content_block_start",
                {"type": "content_block_start", "index": 1, "content_block": block},
            )
        )
        for piece in ('{"city": ', '"Paris"}'):
            delta = {"type": "input_json_delta", "partial_json": piece}
            parts.append(
                _sse(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": 1, "delta": delta},
                )
            )
        parts.append(_sse("content_block_stop", {"type": "content_block_stop", "index": 1}))
    parts.append(
        _sse(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "tool_use" if tool else "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": 12},
            },
        )
    )
    parts.append(_sse("message_stop", {"type": "message_stop"}))
    return "".join(parts)


class CutStream(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """A body that arrives in 7-byte pieces: events split across network reads."""

    def __init__(self, body: bytes) -> None:
        self.pieces = [body[i : i + 7] for i in range(0, len(body), 7)]
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for piece in self.pieces:
            self.sent += 1
            yield piece

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            self.sent += 1
            yield piece


class FakeMessagesAPI:
    """Answers ``POST /v1/messages``: the n-th request gets answer n. ``overloaded_first``
    makes the first request fail with a 529 the SDK retries; ``unreachable_first`` makes it
    fail to connect."""

    def __init__(self, *, overloaded_first: bool = False, unreachable_first: bool = False) -> None:
        self.requests: list[dict[str, Any]] = []
        self.seen_headers: list[dict[str, str]] = []
        self.streams: list[CutStream] = []
        self._overloaded_first = overloaded_first
        self._unreachable_first = unreachable_first

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        assert request.method == "POST" and request.url.path == "/v1/messages"
        self.seen_headers.append(dict(request.headers))
        if self._unreachable_first:
            self._unreachable_first = False
            raise httpx2.ConnectError("connection refused", request=request)
        body = json.loads(request.content)
        self.requests.append(body)
        n = len(self.requests)
        if self._overloaded_first and n == 1:
            error = {
                "type": "error",
                "error": {"type": "overloaded_error", "message": "Overloaded"},
            }
            return httpx2.Response(529, json=error, headers=_headers(n, "application/json"))
        question = body["messages"][-1]["content"]
        question = question if isinstance(question, str) else json.dumps(question)
        if body.get("stream"):
            words = ["It is ", "sunny ", f"({n}) ", "in ", "Paris."]
            events = stream_events(n, words, tool="tool" in question)
            self.streams.append(CutStream(events.encode()))
            return httpx2.Response(
                200,
                headers=_headers(n, "text/event-stream; charset=utf-8"),
                stream=self.streams[-1],
            )
        payload = json.dumps(_message(n, f"Answer {n} to: {question}")).encode()
        headers = {**_headers(n, "application/json"), "content-encoding": "gzip"}
        return httpx2.Response(200, headers=headers, content=gzip.compress(payload))
