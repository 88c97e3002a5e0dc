"""A recorded run comes back from the store as it was recorded: promoted columns, content in
its side table, events, and a tree in the order a person reads it."""

from __future__ import annotations

import json

import duckdb

from tests.recording import Recorder
from tracekit import semconv as sc
from tracekit.store import TraceStore


def test_a_run_round_trips_with_promoted_genai_columns(recorder: Recorder) -> None:
    trace_id = recorder.trace(workflow="doc-pipeline")

    detail = TraceStore(recorder.store).get_trace(trace_id)

    names = [(span.depth, span.name) for span in detail.spans]
    assert names == [
        (0, "invoke_workflow doc-pipeline"),
        (1, "invoke_agent planner"),
        (2, "chat claude-haiku-4-5"),
        (2, "execute_tool search"),
        (1, "invoke_agent writer"),
        (2, "chat claude-sonnet-4-5"),
    ]
    root, planner, chat, tool, writer, writer_chat = detail.spans
    assert root.workflow == "doc-pipeline" and root.parent_span_id is None
    assert root.service_name == "tests" and root.resource[sc.SERVICE_NAME] == "tests"
    assert planner.agent == "planner" and planner.operation == sc.OP_INVOKE_AGENT
    # No gen_ai.agent.name: the agent comes from the last element of the agent path.
    assert writer.agent == "writer"
    assert chat.kind == "CLIENT"
    assert chat.model == "claude-haiku-4-5-20251001"  # the response model wins
    assert writer_chat.model == "claude-sonnet-4-5"  # else the request model
    assert chat.provider == "anthropic" and chat.agent == "planner"
    assert (chat.input_tokens, chat.output_tokens) == (100, 20)
    assert chat.cache_read_tokens == 40
    assert chat.cache_creation_tokens == 10  # the Anthropic SDK's cache_write spelling
    assert chat.cost_usd == 0.002
    assert chat.duration_ns == 10_000_000
    assert tool.tool == "search"
    assert [(e.name, e.attributes) for e in writer_chat.events] == [
        (sc.EVENT_RETRY, {sc.EVENT_RETRY_ATTEMPT: 1, sc.EVENT_RETRY_DELAY_S: 0.5})
    ]
    assert chat.has_content and tool.has_content and not planner.has_content


def test_content_lives_in_the_side_table_not_in_span_attributes(recorder: Recorder) -> None:
    trace_id = recorder.trace(message="Summarise the quarterly report.")
    store = TraceStore(recorder.store)
    chat = next(s for s in store.get_trace(trace_id).spans if s.operation == sc.OP_CHAT)

    content = store.get_span_content(trace_id, chat.span_id)

    messages = json.loads(content[sc.GEN_AI_INPUT_MESSAGES])
    assert messages[0]["parts"][0]["content"] == "Summarise the quarterly report."
    assert sc.GEN_AI_OUTPUT_MESSAGES in content
    assert not sc.CONTENT_ATTRIBUTES & chat.attributes.keys()
    with duckdb.connect(str(recorder.store), read_only=True) as con:
        leaked = con.execute(
            "SELECT count(*) FROM spans WHERE attributes::VARCHAR LIKE '%quarterly report%'"
        ).fetchone()
    assert leaked == (0,)


def test_a_span_without_content_has_empty_content(recorder: Recorder) -> None:
    trace_id = recorder.trace()
    store = TraceStore(recorder.store)
    planner = store.get_trace(trace_id).spans[1]

    assert store.get_span_content(trace_id, planner.span_id) == {}
