"""The query API the CLI and the TUI page through."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.recording import MS, Recorder, emit_run
from tracekit import Agent, Context, Limits, ModelRouter, ScriptedModel, Telemetry, Workflow
from tracekit.exceptions import ConfigError, StoreNotFoundError, TraceNotFoundError
from tracekit.store import TraceStore

DAY = 86_400_000 * MS


@pytest.fixture
def three_runs(recorder: Recorder) -> list[str]:
    """Three runs a day apart: ok, failed, stopped (oldest first)."""
    t = 1_750_000_000_000 * MS
    return [
        recorder.trace(workflow="doc-pipeline", start_ns=t),
        recorder.trace(workflow="doc-pipeline", start_ns=t + DAY, fail=True),
        recorder.trace(workflow="triage", start_ns=t + 2 * DAY, stopped="limit:max_cost"),
    ]


def test_traces_are_listed_newest_first_and_paged(
    recorder: Recorder, three_runs: list[str]
) -> None:
    store = TraceStore(recorder.store)

    assert [t.trace_id for t in store.list_traces()] == three_runs[::-1]
    assert [t.trace_id for t in store.list_traces(limit=1, offset=1)] == [three_runs[1]]
    assert [t.trace_id for t in store.list_traces(order="start asc")] == three_runs
    assert [t.status for t in store.list_traces(workflow="doc-pipeline")] == ["error", "ok"]
    assert store.count_traces() == 3 and store.count_traces(status="stopped") == 1


def test_sorting_by_an_unknown_column_is_a_clear_error(
    recorder: Recorder, three_runs: list[str]
) -> None:
    with pytest.raises(ConfigError, match="cannot sort traces by 'name; DROP TABLE spans'"):
        TraceStore(recorder.store).list_traces(order="name; DROP TABLE spans")


def test_a_unique_prefix_resolves_and_others_explain_why_not(recorder: Recorder) -> None:
    trace_id = recorder.trace()
    store = TraceStore(recorder.store)

    assert store.resolve_trace_id(trace_id[:6].upper()) == trace_id
    assert store.resolve_trace_id(trace_id) == trace_id
    with pytest.raises(TraceNotFoundError, match="no trace matches 'f00d"):
        store.resolve_trace_id("f00d" if not trace_id.startswith("f00d") else "0000")
    with pytest.raises(TraceNotFoundError, match="hex digits"):
        store.resolve_trace_id("'; --")


def test_an_ambiguous_prefix_says_how_many_traces_match(recorder: Recorder) -> None:
    for i in range(40):
        emit_run(recorder.tracer, start_ns=1_750_000_000_000 * MS + i * DAY)
    recorder.flush()
    store = TraceStore(recorder.store)
    ids = [t.trace_id for t in store.list_traces(limit=100)]
    prefix = next(c for c in "0123456789abcdef" if sum(i.startswith(c) for i in ids) >= 2)
    count = sum(i.startswith(prefix) for i in ids)

    with pytest.raises(TraceNotFoundError, match=f"{count} traces match '{prefix}'"):
        store.get_trace(prefix)


def test_stats_by_agent_model_and_workflow(recorder: Recorder, three_runs: list[str]) -> None:
    store = TraceStore(recorder.store)

    by_agent = {row.key: row for row in store.stats("agent")}
    assert set(by_agent) == {"planner", "writer"}
    assert (by_agent["writer"].count, by_agent["writer"].error_count) == (3, 1)
    assert by_agent["writer"].error_rate == pytest.approx(1 / 3)
    assert (by_agent["planner"].input_tokens, by_agent["planner"].output_tokens) == (300, 60)
    assert by_agent["planner"].p50_ms == pytest.approx(15.0)
    assert by_agent["writer"].cost_usd == pytest.approx(0.03)

    by_model = {row.key: row for row in store.stats("model")}
    assert by_model["claude-sonnet-4-5"].count == 3
    assert by_model["claude-sonnet-4-5"].error_count == 1
    assert by_model["claude-haiku-4-5-20251001"].p99_ms == pytest.approx(10.0)

    by_workflow = {row.key: row for row in store.stats("workflow")}
    assert (by_workflow["doc-pipeline"].count, by_workflow["doc-pipeline"].error_count) == (2, 1)
    # A stopped run is a stop, not an error: the two rates are apart.
    assert (by_workflow["triage"].error_rate, by_workflow["triage"].stop_rate) == (0.0, 1.0)
    assert by_workflow["triage"].input_tokens == 400


def test_a_missing_store_is_reported_and_not_created(tmp_path: Path) -> None:
    store = tmp_path / "nowhere.duckdb"

    with pytest.raises(StoreNotFoundError, match=r"no store at .*nowhere\.duckdb .*tracekit demo"):
        TraceStore(store).list_traces()
    assert list(tmp_path.iterdir()) == []


def test_stats_count_guardrail_stops_apart_from_errors(tmp_path: Path) -> None:
    worker = Agent("worker")
    wf = Workflow(
        "bounded",
        limits=Limits(max_steps=1),
        models=ModelRouter({}, default=ScriptedModel()),
    )

    @wf.entrypoint
    def run(ctx: Context[None], text: str) -> str:
        ctx.call(worker, text)
        return str(ctx.call(worker, text))  # the second call passes max_steps

    telemetry = Telemetry.recording_to(tmp_path / "s.duckdb")
    assert wf.run("go", telemetry=telemetry).status == "stopped"
    telemetry.shutdown()

    store = TraceStore(tmp_path / "s.duckdb")
    (workflow,) = store.stats("workflow")
    assert (workflow.error_count, workflow.stop_count) == (0, 1)
    (agent,) = store.stats("agent")
    assert agent.error_count == 0 and agent.stop_count >= 1


def test_a_run_ended_by_ctrl_c_is_stored_as_interrupted(tmp_path: Path) -> None:
    wf = Workflow("impatient", models=ModelRouter({}, default=ScriptedModel()))

    @wf.entrypoint
    def run(ctx: Context[None], text: str) -> str:
        raise KeyboardInterrupt

    telemetry = Telemetry.recording_to(tmp_path / "s.duckdb")
    with pytest.raises(KeyboardInterrupt):
        wf.run("go", telemetry=telemetry)
    telemetry.shutdown()

    (summary,) = TraceStore(tmp_path / "s.duckdb").list_traces()
    assert summary.status == "interrupted"
    (workflow,) = TraceStore(tmp_path / "s.duckdb").stats("workflow")
    assert (workflow.error_count, workflow.stop_count) == (0, 0)
    assert TraceStore(tmp_path / "s.duckdb").page_traces("status:interrupted").total == 1


@pytest.mark.parametrize("query", ["", "status:error", "workflow:doc"])
def test_plain_rows_are_the_summaries_as_validated(
    recorder: Recorder, three_runs: list[str], query: str
) -> None:
    # `tracekit traces` prints the plain rows; the TUI and --json get models built from the
    # same rows without validation: both must be what validating the row gives.
    from tracekit.store import TraceSummary

    store = TraceStore(recorder.store)
    rows = store.page_trace_rows(query, order="cost desc", limit=2)
    page = store.page_traces(query, order="cost desc", limit=2)
    assert (rows.total, rows.offset, rows.order, rows.query) == (
        page.total,
        page.offset,
        page.order,
        page.query,
    )
    assert rows.total == (3 if not query else 1 if query == "status:error" else 2)
    validated = [TraceSummary.model_validate(row._asdict()) for row in rows.rows]
    assert page.traces == validated
    assert [s.model_dump(mode="json") for s in page.traces] == [
        s.model_dump(mode="json") for s in validated
    ]


def test_the_trace_document_is_the_validated_trace_dumped(
    recorder: Recorder, three_runs: list[str]
) -> None:
    # What `tracekit show --json` builds without a model per span must be, key for key and
    # in order, what validating the trace and dumping it gives; and the messages read with
    # it are the spans' content.
    store = TraceStore(recorder.store)
    for trace_id in three_runs:
        expected = store.get_trace(trace_id).model_dump(mode="json")
        document = store.get_trace_document(trace_id[:12])
        assert document == expected
        assert [list(span) for span in document["spans"]] == [
            list(span) for span in expected["spans"]
        ]
        _, content, _ = store.get_trace_document_with_content(trace_id)
        assert content == store.get_trace_content(trace_id)
