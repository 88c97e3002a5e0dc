"""Token counts no column can hold (NaN, an infinity, past 64 bits) are kept in the span's
attributes and fill no column: the span is stored, and so is every other span of its batch. A
span timed past what the store holds is dropped alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from opentelemetry import trace

from tests.recording import Recorder
from tracekit import semconv as sc
from tracekit.otlp.values import int_value
from tracekit.store import TraceStore


def _run_with_count(recorder: Recorder, count: Any) -> None:
    tracer = recorder.tracer
    attributes = {sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW, sc.GEN_AI_WORKFLOW_NAME: "c"}
    root = tracer.start_span(sc.workflow_span_name("c"), attributes=attributes)
    with trace.use_span(root, end_on_exit=False):
        attributes = {sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT, sc.GEN_AI_USAGE_INPUT_TOKENS: count}
        tracer.start_span("odd count", attributes=attributes).end()
        attributes = {sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT, sc.GEN_AI_USAGE_INPUT_TOKENS: 7}
        tracer.start_span("plain count", attributes=attributes).end()
    root.end()


def _stored(store: Path) -> list[tuple[str, Any, str]]:
    TraceStore(store).list_traces()  # a reader folds what is pending
    with duckdb.connect(str(store), read_only=True) as con:
        query = "SELECT name, input_tokens, attributes FROM spans WHERE name LIKE '% count'"
        return sorted(con.execute(query).fetchall())


@pytest.mark.parametrize("count", [float("nan"), float("inf"), float("-inf")])
def test_a_count_that_is_not_finite_fills_no_column(count: float, make_recorder: Any) -> None:
    assert int_value(count) is None  # these functions never raise
    recorder = make_recorder(flush_interval_s=3600)
    _run_with_count(recorder, count)
    recorder.flush()

    (odd, plain) = _stored(recorder.store)

    assert odd[:2] == ("odd count", None)
    assert repr(count).replace("nan", "NaN").replace("inf", "Infinity") in odd[2]
    assert plain[:2] == ("plain count", 7)


@pytest.mark.parametrize("count", [2**63, -(2**63) - 1, 10.0**19, 2**70])
def test_a_count_past_64_bits_fills_no_column_and_its_batch_is_stored(
    count: Any, make_recorder: Any
) -> None:
    recorder = make_recorder(flush_interval_s=3600)
    recorder.trace()  # a run of its own, buffered in the same batch
    _run_with_count(recorder, count)
    recorder.flush()

    (odd, plain) = _stored(recorder.store)

    assert odd[:2] == ("odd count", None)
    assert json.dumps(count) in odd[2]  # kept in the attributes as given
    assert plain[:2] == ("plain count", 7)
    assert len(TraceStore(recorder.store).list_traces()) == 2


def test_a_span_timed_past_int64_is_dropped_alone(make_recorder: Any) -> None:
    recorder = make_recorder(flush_interval_s=3600)
    kept = recorder.trace()
    tracer = recorder.tracer
    attributes = {sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW, sc.GEN_AI_WORKFLOW_NAME: "c"}
    root = tracer.start_span(sc.workflow_span_name("c"), attributes=attributes, start_time=1)
    with trace.use_span(root, end_on_exit=False):
        tracer.start_span("late", start_time=2**63).end(end_time=2**63 + 1)
    root.end(end_time=2)

    recorder.flush()

    traces = {t.trace_id: t.span_count for t in TraceStore(recorder.store).list_traces()}
    assert traces[kept] == 6 and sorted(traces.values()) == [1, 6]
