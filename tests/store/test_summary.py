"""The ``traces`` summary a user sees in ``tracekit traces``: right totals, right status, and
right even when the root span arrives after its children."""

from __future__ import annotations

from pathlib import Path

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from tests.recording import MS, Recorder
from tracekit import semconv as sc
from tracekit.store import TraceStore


def test_summary_counts_each_token_once_and_lists_agents(recorder: Recorder) -> None:
    trace_id = recorder.trace(workflow="doc-pipeline")

    summary = TraceStore(recorder.store).get_trace(trace_id).summary

    assert summary.workflow == "doc-pipeline"
    assert summary.root_name == "invoke_workflow doc-pipeline"
    assert summary.status == "ok" and summary.stop_reason is None
    assert summary.span_count == 6
    assert summary.steps == 3  # two chat calls and one tool call
    # The planner's invoke_agent span repeats its chat call's 100/20 tokens: not added again.
    assert (summary.input_tokens, summary.output_tokens) == (400, 70)
    assert round(summary.cost_usd, 6) == 0.012
    assert summary.agents == ["planner", "writer"]
    assert summary.duration_ns == 42 * MS
    assert summary.error_count == 0
    assert summary.service_name == "tests"


def test_a_failed_step_makes_the_run_an_error(recorder: Recorder) -> None:
    trace_id = recorder.trace(fail=True)

    summary = TraceStore(recorder.store).get_trace(trace_id).summary

    assert summary.status == "error"
    assert summary.error_count == 2


def test_a_stopped_run_reports_its_declared_status_and_reason(recorder: Recorder) -> None:
    trace_id = recorder.trace(stopped="limit:max_steps")

    summary = TraceStore(recorder.store).get_trace(trace_id).summary

    assert (summary.status, summary.stop_reason) == ("stopped", "limit:max_steps")


def test_a_trace_is_summarised_before_its_root_arrives_and_corrected_after(
    tmp_path: Path, make_recorder: type[Recorder]
) -> None:
    recorder = make_recorder(tmp_path / "store.duckdb")
    tracer = recorder.tracer
    t = 1_750_000_000_000 * MS
    root = tracer.start_span(
        sc.workflow_span_name("late-root"),
        start_time=t,
        attributes={
            sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW,
            sc.GEN_AI_WORKFLOW_NAME: "late-root",
        },
    )
    with trace.use_span(root, end_on_exit=False):
        first = tracer.start_span(
            sc.chat_span_name("m"),
            start_time=t + 5 * MS,
            attributes={sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT, sc.GEN_AI_USAGE_INPUT_TOKENS: 7},
        )
        first.set_status(Status(StatusCode.ERROR, "timeout"))
        first.end(end_time=t + 10 * MS)
        recorder.flush()  # a first batch: children only

        store = TraceStore(recorder.store)
        (early,) = store.list_traces()
        assert early.root_name == "chat m" and early.workflow == "chat m"
        assert (early.span_count, early.input_tokens, early.status) == (1, 7, "error")

        second = tracer.start_span(
            sc.tool_span_name("search"),
            start_time=t + 11 * MS,
            attributes={sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL},
        )
        second.end(end_time=t + 12 * MS)
        recorder.flush()
    root.set_attribute(sc.TRACEKIT_WORKFLOW_STATUS, "ok")  # the run recovered and says so
    root.end(end_time=t + 30 * MS)
    recorder.flush()

    (final,) = store.list_traces()
    assert final.trace_id == early.trace_id
    assert final.root_name == "invoke_workflow late-root"
    assert final.workflow == "late-root"
    assert final.status == "ok"
    assert (final.span_count, final.steps, final.input_tokens) == (3, 2, 7)
    assert final.start_ns == t and final.duration_ns == 30 * MS
