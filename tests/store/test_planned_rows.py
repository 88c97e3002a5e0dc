"""Our own spans are converted by a plan (their values picked by position); every other span,
and any of ours the plan cannot take as it is, key by key. Whichever path a span takes, its
stored row is the same, byte for byte: secrets are scrubbed, hostile text kept as text, odd
numbers written as the json module writes them."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.hostile import EVIL
from tests.secret_kinds import ANTHROPIC_KEY, TEXT_SECRETS
from tracekit import semconv as sc
from tracekit.benchmarks.instrumentation import _bench_workflow
from tracekit.store import convert
from tracekit.store.convert import Row, SegmentBuilder, rows_to_table
from tracekit.telemetry import Telemetry

_MESSAGES = '[{"role":"user","parts":[{"type":"text","content":"hello"}]}]'


def _chat(text: str, cost: Any = 0.000415, model: str = "claude-haiku-4-5") -> dict[str, Any]:
    return {
        sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
        sc.GEN_AI_PROVIDER_NAME: "anthropic",
        sc.GEN_AI_REQUEST_MODEL: model,
        sc.GEN_AI_REQUEST_MAX_TOKENS: 1024,
        sc.GEN_AI_INPUT_MESSAGES: _MESSAGES.replace("hello", text),
        sc.GEN_AI_SYSTEM_INSTRUCTIONS: f"be brief {text}",
        sc.TRACEKIT_AGENT_PATH: "planner/writer",
        sc.OPENINFERENCE_SPAN_KIND: "LLM",
        sc.GEN_AI_RESPONSE_MODEL: model,
        sc.GEN_AI_RESPONSE_ID: "msg_1",
        sc.GEN_AI_RESPONSE_FINISH_REASONS: ("end_turn", text),
        sc.GEN_AI_USAGE_INPUT_TOKENS: 420,
        sc.GEN_AI_USAGE_OUTPUT_TOKENS: 35,
        sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: 200,
        sc.GEN_AI_OUTPUT_MESSAGES: _MESSAGES.replace("hello", f"answer {text}"),
        sc.TRACEKIT_COST_USD: cost,
    }


def _tool(text: str) -> dict[str, Any]:
    return {
        sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL,
        sc.GEN_AI_TOOL_NAME: f"lookup {text}",
        sc.GEN_AI_TOOL_CALL_ID: "toolu_1",
        sc.GEN_AI_TOOL_CALL_ARGUMENTS: f'{{"term":"{text}"}}',
        sc.TRACEKIT_AGENT_PATH: "planner",
        sc.OPENINFERENCE_SPAN_KIND: "TOOL",
        sc.GEN_AI_TOOL_CALL_RESULT: f'"definition of {text}"',
    }


def _agent(text: str) -> dict[str, Any]:
    return {
        sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT,
        sc.GEN_AI_AGENT_NAME: f"writer {text}",
        sc.GEN_AI_CONVERSATION_ID: f"conv {text}",
        sc.TRACEKIT_AGENT_PATH: f"planner/writer {text}",
        sc.OPENINFERENCE_SPAN_KIND: "AGENT",
        sc.INPUT_VALUE: f'"{text}"',
        sc.INPUT_MIME_TYPE: "application/json",
        sc.OUTPUT_VALUE: '{"ok":true}',
        sc.OUTPUT_MIME_TYPE: "application/json",
    }


def _workflow(text: str) -> dict[str, Any]:
    return {
        sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW,
        sc.GEN_AI_WORKFLOW_NAME: f"pipeline {text}",
        sc.TRACEKIT_RUN_SEED: 2795858541,
        sc.OPENINFERENCE_SPAN_KIND: "CHAIN",
        sc.INPUT_VALUE: f'"{text}"',
    }


_TEXTS = ["plain", EVIL, "", *(secret.text for secret in TEXT_SECRETS)]
_ODD_VALUES: list[dict[str, Any]] = [
    _chat("x", cost=2.5e-5),  # a float orjson writes otherwise
    _chat("x", cost=float("nan")),
    _chat("x", cost=0.0),
    _chat("x", cost=3),  # an int where a float is usual: another plan
    _chat("x", model=""),  # an empty text in a column
    {**_tool("x"), "app.big": 2**70},  # past 64 bits: orjson refuses it
    {**_tool("x"), "app.flags": (True, 1, 2.5e-7)},
    {**_tool("x"), "app.key": f"use {ANTHROPIC_KEY}"},
    {**_tool("x"), sc.GEN_AI_USAGE_INPUT_TOKENS: 12.0},  # a count given as a float
    {**_agent("x"), "app.note": "caf\udce9"},  # a lone surrogate
]


def _spans(attribute_sets: list[dict[str, Any]]) -> list[ReadableSpan]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("tracekit")
    for attributes in attribute_sets:
        operation = attributes[sc.GEN_AI_OPERATION_NAME]
        with tracer.start_as_current_span(f"{operation} {EVIL}", kind=SpanKind.CLIENT) as span:
            span.set_attributes(attributes)
    provider.shutdown()
    return list(exporter.get_finished_spans())


def _rows(spans: list[ReadableSpan]) -> list[Row]:
    builder = SegmentBuilder()
    builder.add_spans(spans)
    return builder.rows_since(0)


def _planned_count(spans: list[ReadableSpan], monkeypatch: pytest.MonkeyPatch) -> int:
    taken = []
    by_plan = convert._by_plan

    def counting(plan: Any, attributes: Any, values: Any) -> Any:
        result = by_plan(plan, attributes, values)
        taken.append(result is not None)
        return result

    with monkeypatch.context() as patch:
        patch.setattr(convert, "_by_plan", counting)
        _rows(spans)
    return sum(taken)


@pytest.mark.parametrize("make", [_chat, _tool, _agent, _workflow])
def test_our_span_shapes_store_the_same_row_by_plan_as_key_by_key(
    make: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each text twice: the second sight finds it known.
    spans = _spans([make(text) for text in _TEXTS + _TEXTS])
    planned = _rows(spans)
    assert _planned_count(spans, monkeypatch) >= 2  # the plan is really taken

    with monkeypatch.context() as patch:
        patch.setattr(convert, "_by_plan", lambda plan, attributes, values: None)
        general = _rows(spans)

    assert planned == general
    stored = repr(planned)
    assert ANTHROPIC_KEY not in stored
    for secret in TEXT_SECRETS:
        assert secret.secret not in stored


def test_values_the_plan_cannot_take_as_they_are_store_the_same_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    spans = _spans(_ODD_VALUES + _ODD_VALUES)
    planned = _rows(spans)

    with monkeypatch.context() as patch:
        patch.setattr(convert, "_by_plan", lambda plan, attributes, values: None)
        general = _rows(spans)

    assert planned == general
    assert ANTHROPIC_KEY not in repr(planned)


def test_a_recorded_workflow_stores_the_same_rows_by_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exporter = InMemorySpanExporter()
    telemetry = Telemetry(processors=[SimpleSpanProcessor(exporter)])
    flow = _bench_workflow()
    for _ in range(3):
        flow.run("latency", telemetry=telemetry)
    telemetry.shutdown()
    spans = list(exporter.get_finished_spans())
    planned = _rows(spans)
    assert _planned_count(spans, monkeypatch) == len(spans)

    with monkeypatch.context() as patch:
        patch.setattr(convert, "_by_plan", lambda plan, attributes, values: None)
        general = _rows(spans)

    assert planned == general


@pytest.mark.parametrize("operation", [None, 7, True, ("chat",)])
def test_a_span_whose_operation_is_not_text_takes_its_columns_from_its_openinference_kind(
    operation: Any,
) -> None:
    # Our own markers with an operation key, but no operation text in it (an OTLP value
    # left empty, a number): the general path fills the columns from the OpenInference
    # kind, and so must a span of that shape seen again, whatever path it takes.
    attributes = {
        sc.GEN_AI_OPERATION_NAME: operation,
        sc.OPENINFERENCE_SPAN_KIND: "TOOL",
        sc.INPUT_VALUE: '{"term":"x"}',
    }
    table = rows_to_table(_plain_rows([attributes, attributes], name="lookup"))

    assert table.column("operation").to_pylist() == [sc.OP_EXECUTE_TOOL] * 2
    assert table.column("tool").to_pylist() == ["lookup"] * 2


_GIVEN_TEXTS = st.text(max_size=8) | st.sampled_from(
    ["", "chat", sc.OP_EXECUTE_TOOL, "LLM", "TOOL", "AGENT", "a/b", "/", EVIL, ANTHROPIC_KEY]
)
_GIVEN_VALUES = (
    _GIVEN_TEXTS
    | st.none()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats()
    | st.booleans()
    | st.lists(_GIVEN_TEXTS | st.integers(), max_size=3)
)
_GIVEN_KEYS = st.sampled_from(
    [
        sc.GEN_AI_REQUEST_MODEL,
        sc.GEN_AI_AGENT_NAME,
        sc.TRACEKIT_AGENT_PATH,
        sc.GEN_AI_TOOL_NAME,
        sc.GEN_AI_USAGE_INPUT_TOKENS,
        sc.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
        sc.TRACEKIT_COST_USD,
        sc.GEN_AI_INPUT_MESSAGES,
        sc.INPUT_VALUE,
        "app.note",
        "app.password",
    ]
)
# An operation of any type, maybe beside our own foreign marker (OpenInference's kind).
_GIVEN_SPANS = st.lists(
    st.tuples(
        _GIVEN_VALUES,
        st.none() | st.sampled_from(["LLM", "TOOL", "AGENT", "CHAIN", "odd"]),
        st.dictionaries(_GIVEN_KEYS, _GIVEN_VALUES, max_size=4),
    ),
    min_size=1,
    max_size=3,
)


def _plain_rows(attribute_sets: list[dict[str, Any]], *, name: str = "span") -> list[Row]:
    builder = SegmentBuilder()
    for number, attributes in enumerate(attribute_sets, start=1):
        builder.add(
            trace_id="0" * 31 + "1",
            span_id=f"{number:016x}",
            parent_span_id=None,
            name=name,
            kind="INTERNAL",
            start_ns=1,
            end_ns=3,
            status_code="OK",
            attributes=dict(attributes),
        )
    return builder.rows_since(0)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(_GIVEN_SPANS)
def test_any_attributes_store_the_same_row_by_plan_as_key_by_key(
    spans: list[tuple[Any, str | None, dict[str, Any]]],
) -> None:
    # Plain values, as the OTLP paths give them (None included); each span seen twice.
    attribute_sets = [
        {
            sc.GEN_AI_OPERATION_NAME: op,
            **({sc.OPENINFERENCE_SPAN_KIND: kind} if kind else {}),
            **rest,
        }
        for op, kind, rest in spans
    ] * 2
    planned = _plain_rows(attribute_sets)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(convert, "_by_plan", lambda plan, attributes, values: None)
        general = _plain_rows(attribute_sets)

    assert repr(planned) == repr(general)  # repr: NaN is NaN
