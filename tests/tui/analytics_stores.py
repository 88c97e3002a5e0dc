"""Stores for the TUI's analytics tests: a generated store with a planted spike (ids from a
fresh counter, so snapshots are stable), and runs in named sessions with content."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from opentelemetry import trace

from tests.recording import MS, new_recorder
from tests.store import analytics_data
from tests.store.analytics_data import HOUR
from tests.store.anomaly_data import MONDAY, Spike, generate_store
from tracekit import semconv as sc

#: 2025-06-15T16:00:00Z, as the TUI fixture store.
START_NS = 1_750_003_200_000 * MS


def spiked_store(path: Path) -> set[str]:
    """Eight days of steady runs ending :data:`MONDAY`, the writer's tokens 4x in the last
    8 hours; returns the spiked runs' trace ids."""
    analytics_data._ids = itertools.count(1)
    spike = Spike("writer", "tokens", MONDAY - 8 * HOUR, MONDAY)
    return generate_store(path, spikes=(spike,)).spiked


def session_store(path: Path) -> dict[str, list[str]]:
    """Five runs in two sessions and one run alone, each a chat call whose messages say
    what the user asked; returns the trace ids per session."""
    recorder = new_recorder(path)
    plan = [
        ("alice-1", "I want a refund for order 7"),
        ("alice-1", "the refund has not arrived"),
        ("alice-1", "thanks"),
        ("bob-7", "where is my parcel"),
        ("bob-7", "still nothing"),
        ("carol-3", "close my account"),
    ]
    ids: dict[str, list[str]] = {}
    for index, (session, message) in enumerate(plan):
        start = START_NS + index * 60_000 * MS
        root = recorder.tracer.start_span(
            sc.workflow_span_name("support"),
            start_time=start,
            attributes={
                sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW,
                sc.GEN_AI_WORKFLOW_NAME: "support",
                sc.SESSION_ID: session,
                sc.GEN_AI_CONVERSATION_ID: session,
            },
        )
        with trace.use_span(root, end_on_exit=False):
            chat = recorder.tracer.start_span(
                sc.chat_span_name("claude-haiku-4-5"),
                kind=trace.SpanKind.CLIENT,
                start_time=start + MS,
                attributes={
                    sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
                    sc.GEN_AI_PROVIDER_NAME: "anthropic",
                    sc.GEN_AI_REQUEST_MODEL: "claude-haiku-4-5",
                    sc.GEN_AI_USAGE_INPUT_TOKENS: 100 + index,
                    sc.GEN_AI_USAGE_OUTPUT_TOKENS: 20,
                    sc.TRACEKIT_COST_USD: 0.001,
                    sc.GEN_AI_INPUT_MESSAGES: json.dumps(
                        [{"role": "user", "parts": [{"type": "text", "content": message}]}]
                    ),
                    sc.GEN_AI_OUTPUT_MESSAGES: json.dumps(
                        [{"role": "assistant", "parts": [{"type": "text", "content": "On it."}]}]
                    ),
                },
            )
            chat.end(end_time=start + 800 * MS)
        root.end(end_time=start + 900 * MS)
        ids.setdefault(session, []).append(format(root.get_span_context().trace_id, "032x"))
    recorder.flush()
    recorder.provider.shutdown()
    return ids
