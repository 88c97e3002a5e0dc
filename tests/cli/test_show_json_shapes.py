"""``show --json`` of spans whose stored JSON is not the plain shape (an infinite cost, NaN
and infinite attribute values, an infinity inside a model call's messages) prints what
``json.dumps`` prints of the trace document, as it always did: the fast writer is used only
where every float is finite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.recording import run_cli
from tracekit import semconv as sc
from tracekit.cli.conversation_view import normalised_spans, trace_document
from tracekit.inert_text import inert_json
from tracekit.store import TraceStore
from tracekit.store.convert import SegmentBuilder
from tracekit.store.fold import fold_pending
from tracekit.store.paths import StorePaths
from tracekit.store.spool import write_segment

TRACE = "ab" * 16
MS = 1_000_000


def _store(tmp_path: Path, *, cost: float) -> Path:
    builder = SegmentBuilder()
    root = "1" * 16
    builder.add(
        trace_id=TRACE,
        span_id=root,
        parent_span_id=None,
        name="invoke_workflow odd",
        kind="INTERNAL",
        start_ns=MS,
        end_ns=9 * MS,
        status_code="OK",
        attributes={
            sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW,
            sc.GEN_AI_WORKFLOW_NAME: "odd",
            "ratio": float("nan"),
            "ceiling": float("inf"),
        },
        events=((sc.EVENT_RETRY, 2 * MS, {"delay_s": float("-inf")}),),
    )
    call = [{"type": "tool_call", "id": "t1", "name": "f", "arguments": {"x": float("inf")}}]
    builder.add(
        trace_id=TRACE,
        span_id="2" * 16,
        parent_span_id=root,
        name="chat m",
        kind="CLIENT",
        start_ns=2 * MS,
        end_ns=3 * MS,
        status_code="OK",
        attributes={
            sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
            sc.GEN_AI_REQUEST_MODEL: "m",
            sc.TRACEKIT_COST_USD: cost,
            sc.GEN_AI_OUTPUT_MESSAGES: json.dumps([{"role": "assistant", "parts": call}]),
        },
    )
    paths = StorePaths.for_store(tmp_path / "odd.duckdb")
    write_segment(paths, builder.to_table())
    assert fold_pending(paths, wait_s=10.0) is not None
    return paths.db


def _expected(store: Path) -> str:
    reader = TraceStore(store)
    detail = reader.get_trace(TRACE)
    document = trace_document(detail, normalised_spans(reader, detail))
    return inert_json(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"


def test_non_finite_values_print_as_json_dumps_prints_them(tmp_path: Path) -> None:
    store = _store(tmp_path, cost=float("inf"))

    result = run_cli("show", TRACE, "--json", "--store", str(store))

    assert result.returncode == 0, result.stderr
    assert result.stdout == _expected(store)
    assert '"cost_usd": Infinity' in result.stdout


def test_an_infinity_in_the_messages_alone_prints_as_json_dumps_prints_it(
    tmp_path: Path,
) -> None:
    store = _store(tmp_path, cost=0.5)

    result = run_cli("show", TRACE, "--json", "--store", str(store))

    assert result.returncode == 0, result.stderr
    assert result.stdout == _expected(store)


def _plain_store(tmp_path: Path, *, cost: float, value: float) -> Path:
    # A trace of plain spans (no messages): written by orjson, its floats' spelling looked
    # for only where a cost or a JSON text may hold one orjson spells unlike json.dumps.
    builder = SegmentBuilder()
    builder.add(
        trace_id=TRACE,
        span_id="1" * 16,
        parent_span_id=None,
        name="chat m",
        kind="CLIENT",
        start_ns=MS,
        end_ns=2 * MS,
        status_code="OK",
        attributes={
            sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
            sc.GEN_AI_REQUEST_MODEL: "claude-haiku-4-5",
            sc.GEN_AI_REQUEST_TEMPERATURE: value,
            sc.TRACEKIT_COST_USD: cost,
        },
        events=((sc.EVENT_RETRY, MS, {"delay_s": value}),),
    )
    paths = StorePaths.for_store(tmp_path / "plain.duckdb")
    write_segment(paths, builder.to_table())
    assert fold_pending(paths, wait_s=10.0) is not None
    return paths.db


@pytest.mark.parametrize(
    ("cost", "value"),
    [(0.5, 0.25), (3.5e-05, 0.25), (1e16, 0.25), (0.5, 1e-07), (0.5, 2.5e-05), (0.5, 1.5e300)],
)
def test_floats_of_plain_spans_print_as_json_dumps_prints_them(
    tmp_path: Path, cost: float, value: float
) -> None:
    store = _plain_store(tmp_path, cost=cost, value=value)

    result = run_cli("show", TRACE, "--json", "--store", str(store))

    assert result.returncode == 0, result.stderr
    assert result.stdout == _expected(store)
    assert f'"cost_usd": {cost!r}' in result.stdout
