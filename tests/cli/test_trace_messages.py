"""``show --json`` settles the messages of most spans of tracekit's own without loading the
conventions (:func:`tracekit.cli.trace_messages.settled_messages`); whatever it settles is
what the conventions' :func:`normalise_messages` says, for tracekit's spans, every
instrumentation's recorded fixture, and spans built to sit on each edge of the rule."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.recording import REPO_ROOT
from tracekit import semconv as sc
from tracekit.cli.trace_messages import MODEL_CALL_KEYS, UNSETTLED, settled_messages
from tracekit.otlp import read_trace_file
from tracekit.otlp.conventions import SpanEvent, SpanInput, normalise_messages
from tracekit.otlp.conventions.genai import role
from tracekit.telemetry import INSTRUMENTATION_SCOPE

FIXTURES = [
    *sorted((REPO_ROOT / "fixtures" / "foreign").glob("*.otlp.jsonl")),
    *sorted((REPO_ROOT / "fixtures" / "otlp").glob("*.jsonl")),
]
OPERATIONS = sorted({*sc.LLM_OPERATIONS, sc.OP_INVOKE_WORKFLOW, sc.OP_INVOKE_AGENT, "handoff"})
OPERATIONS += [sc.OP_EXECUTE_TOOL, "embeddings", ""]


def _sample(key: str) -> Any:
    if key == sc.GEN_AI_OPERATION_NAME:
        return sc.OP_CHAT
    if key == sc.OPENINFERENCE_SPAN_KIND:
        return sc.OI_LLM
    return 7 if "tokens" in key or "sequence" in key or "order" in key else "value"


def _both(
    name: str,
    attributes: Mapping[str, Any],
    events: tuple[str, ...] = (),
    scope: str | None = INSTRUMENTATION_SCOPE,
) -> tuple[object, list[Any] | None]:
    settled = settled_messages(name, attributes, events, scope)
    span = SpanInput(name, attributes, [SpanEvent(event, {}) for event in events], scope)
    found = normalise_messages(span)
    return settled, None if found is None else [m.model_dump(mode="json") for m in found]


def test_the_own_scope_is_tracekits_instrumentation_scope() -> None:
    assert settled_messages("chat m", {sc.GEN_AI_OPERATION_NAME: "chat"}, (), "tracekit") == []
    assert INSTRUMENTATION_SCOPE == "tracekit"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_model_call_with_every_key_tracekit_records_has_no_messages(operation: str) -> None:
    attributes = {key: _sample(key) for key in MODEL_CALL_KEYS}
    attributes[sc.GEN_AI_OPERATION_NAME] = operation
    settled, expected = _both(f"{operation} m", attributes, (sc.EVENT_RETRY,))

    assert settled is UNSETTLED or settled == expected
    if operation in sc.LLM_OPERATIONS:
        assert settled == [] == expected


@pytest.mark.parametrize("key", sorted(MODEL_CALL_KEYS - {sc.GEN_AI_OPERATION_NAME}))
def test_no_key_tracekit_records_is_a_conversation_in_any_convention(key: str) -> None:
    # Each key alone, beside a model call's operation name, with the model call's kind
    # given as OpenInference's too: still no messages, whichever normaliser reads it.
    attributes = {sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT, key: _sample(key)}
    assert _both("chat m", attributes) == ([], [])
    assert _both("chat m", {**attributes, sc.OPENINFERENCE_SPAN_KIND: sc.OI_LLM}) == ([], [])


@pytest.mark.parametrize(
    ("name", "attributes", "events", "scope"),
    [
        ("chat m", {sc.GEN_AI_INPUT_MESSAGES: '[{"role": "user", "parts": []}]'}, (), None),
        ("chat m", {"llm.input_messages.0.message.role": "user"}, (), None),
        ("chat m", {"gen_ai.prompt.0.content": "hi"}, (), None),
        ("chat m", {sc.GEN_AI_SYSTEM: "anthropic"}, (), None),
        ("chat m", {}, (sc.GEN_AI_USER_MESSAGE_EVENT,), None),
        ("chat m", {}, (), "openinference.instrumentation.openai_agents"),
        ("chat m", {}, (), "anthropic"),
        (sc.ANTHROPIC_SPAN_NAME, {}, (), None),
        ("handoff", {sc.GEN_AI_HANDOFF_TO_AGENT: "b"}, (), None),
    ],
)
def test_a_span_that_may_hold_a_conversation_is_left_to_the_conventions(
    name: str, attributes: dict[str, Any], events: tuple[str, ...], scope: str | None
) -> None:
    attributes = {sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT, **attributes}
    assert settled_messages(name, attributes, events, scope) is UNSETTLED


@pytest.mark.parametrize("operation", [sc.OP_INVOKE_WORKFLOW, sc.OP_INVOKE_AGENT, "execute_tool"])
def test_a_tool_agent_or_workflow_span_has_none_whatever_else_it_carries(operation: str) -> None:
    attributes = {
        sc.GEN_AI_OPERATION_NAME: operation,
        "llm.input_messages.0.message.role": "user",
        "gen_ai.prompt.0.content": "hi",
        sc.OPENINFERENCE_SPAN_KIND: sc.OI_LLM,
        sc.GEN_AI_INPUT_MESSAGES: '[{"role": "user", "parts": []}]',
    }
    assert role(SpanInput("x", attributes)) != "llm"
    assert _both("x", attributes, (sc.GEN_AI_USER_MESSAGE_EVENT,)) == (None, None)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.name)
def test_every_recorded_span_settled_is_what_the_conventions_say(path: Path) -> None:
    for span in read_trace_file(path):
        events = tuple(event.name for event in span.events)
        settled, expected = _both(span.name, span.attributes, events, span.scope_name)
        assert settled is UNSETTLED or settled == expected, span.name
