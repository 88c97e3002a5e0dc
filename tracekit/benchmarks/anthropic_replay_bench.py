"""Replay of apps that call the Anthropic SDK directly: SDK calls answered per second.

The calls go through the real SDK client (request building, the replay transport's matching
on canonical JSON, response parsing), half of them streamed as server-sent events.
"""

from __future__ import annotations

import json
import time
from typing import Any

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

_MODEL = "claude-haiku-4-5"


def _answer(request: Any) -> Any:
    import httpx2

    body = json.loads(request.content)
    text = f"echo: {body['messages'][0]['content']}"
    message = {
        "id": "msg_bench",
        "type": "message",
        "role": "assistant",
        "model": _MODEL,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 5},
    }
    if not body.get("stream"):
        return httpx2.Response(200, json=message)
    start = {**message, "content": [], "stop_reason": None}
    events = [
        ("message_start", {"type": "message_start", "message": start}),
        (
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        ),
        *[
            (
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": 0,
                    "delta": {"type": "text_delta", "text": word + " "},
                },
            )
            for word in text.split()
        ],
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn"},
                "usage": {"output_tokens": 5},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    sse = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events)
    return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=sse)


def _app(client: Any, calls: int) -> list[str]:
    texts = []
    for n in range(calls):
        messages = [{"role": "user", "content": f"question {n}"}]
        if n % 2:
            with client.messages.stream(model=_MODEL, max_tokens=64, messages=messages) as stream:
                texts.append(stream.get_final_text())
        else:
            reply = client.messages.create(model=_MODEL, max_tokens=64, messages=messages)
            texts.append(reply.content[0].text)
    return texts


def measure_anthropic_replay(calls: int) -> dict[str, float]:
    """Record ``calls`` SDK calls against a fake API, then replay them; calls per second."""
    import anthropic
    import httpx2

    from replay.http import AnthropicRecorder, AnthropicReplayer
    from replay.spans import otlp_spans
    from tracekit.telemetry import Telemetry

    exporter = InMemorySpanExporter()
    telemetry = Telemetry(processors=[SimpleSpanProcessor(exporter)])
    recorder = AnthropicRecorder(telemetry)
    live = anthropic.Anthropic(
        api_key="sk-bench", http_client=recorder.http_client(httpx2.MockTransport(_answer))
    )
    recorded = _app(live, calls)
    telemetry.flush()
    spans = otlp_spans(exporter.get_finished_spans())

    replayer = AnthropicReplayer.from_spans(spans)
    client = anthropic.Anthropic(api_key="sk-bench", http_client=replayer.http_client())
    started = time.perf_counter()
    replayed = _app(client, calls)
    elapsed = time.perf_counter() - started
    if replayed != recorded:
        raise AssertionError("benchmark replay of SDK calls gave different answers")
    replayer.assert_all_played()
    return {"anthropic_replay_calls_per_s": calls / elapsed}
