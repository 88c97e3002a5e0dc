"""Forking recorded runs of the shipped examples, offline: the prefix is the recording, the fork
point goes live on a scripted model of another seed, the fork is a new trace linked to its
parent, and the diff names the fork point as the first divergence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from replay.fork import ForkRun, fork, fork_runs
from replay.fork_diff import ForkComparison
from replay.fork_spread import ForkSpread
from replay.recording import Recording
from tests.recording import REPO_ROOT
from tracekit import semconv as sc
from tracekit.examples import offline_router
from tracekit.examples.support_router import small_refunds_only
from tracekit.exceptions import ForkError
from tracekit.models.base import ModelRequest, ModelResponse
from tracekit.models.routing import ModelRouter
from tracekit.store import TraceStore
from tracekit.telemetry import current_call_key

TRACES = REPO_ROOT / "fixtures" / "traces"


class CountingModel:
    """The live model of a fork: a scripted model of another seed that notes each call's key."""

    def __init__(self) -> None:
        self.inner = offline_router(seed=4242).client_for("any")
        self.provider = self.inner.provider
        self.calls: list[str] = []

    def complete(self, request: ModelRequest, tracer_provider: Any) -> ModelResponse:
        self.calls.append(current_call_key.get())
        return self.inner.complete(request, tracer_provider)


def _fork(name: str, at: str, **options: Any) -> tuple[ForkRun, CountingModel, Recording]:
    live = CountingModel()
    parent = Recording.from_file(TRACES / name)
    (run,) = fork_runs(parent, at=at, models=ModelRouter({}, default=live), **options)
    return run, live, parent


def _check_fork(run: ForkRun, live: CountingModel, parent: Recording) -> ForkComparison:
    position = run.at.position
    # The prefix: no live call, and every step before the fork point as recorded.
    assert run.prefix_live_calls == 0
    steps = parent.trajectory.steps
    model_calls_after = {s.call_key for s in steps[position:] if s.kind == "llm"}
    whole_in_prefix = {s.call_key for s in steps[:position] if s.kind == "llm"} - model_calls_after
    assert whole_in_prefix.isdisjoint(live.calls)
    forked = run.recording.trajectory.steps
    for recorded, replayed in zip(parent.trajectory.steps[:position], forked, strict=False):
        assert (recorded.kind, recorded.key, recorded.request) == (
            replayed.kind,
            replayed.key,
            replayed.request,
        )
        if recorded.kind == "llm":
            assert replayed.answer["output"] == recorded.answer["output"]
            assert replayed.span is not None
            assert replayed.span.attributes[sc.TRACEKIT_FORK_RECORDED] is True
    # The fork point went live.
    assert live.calls and run.live_calls >= 1
    # Lineage: attributes and the span link on the fork's root.
    root = run.recording.trajectory.root
    assert root is not None
    assert root.attributes[sc.TRACEKIT_FORK_PARENT_TRACE_ID] == parent.trace_id
    assert root.attributes[sc.TRACEKIT_FORK_AT] == run.at.name
    assert sc.TRACEKIT_FORK_OVERRIDES in root.attributes
    parent_root = parent.trajectory.root
    assert parent_root is not None
    (link,) = root.links
    assert (link.trace_id, link.span_id) == (parent.trace_id, parent_root.span_id)
    assert link.attributes[sc.TRACEKIT_LINK_TYPE] == sc.LINK_TYPE_FORKED_FROM
    # The diff names the fork point as the first divergence.
    comparison = ForkComparison.of(parent, run.recording)
    assert comparison.fork_at == run.at.name
    assert comparison.diverged_at_fork_point, comparison.first_divergence_key
    assert comparison.verdict.startswith(f"fork at {run.at.name}: ")
    return comparison


def test_a_pipeline_forked_at_a_model_call_with_another_model() -> None:
    run, live, parent = _fork(
        "doc-pipeline-seed1-ok.trace.jsonl",
        "writer#1/llm[0]",
        overrides={"models": {"writer": "claude-opus-4-1"}},
    )
    comparison = _check_fork(run, live, parent)
    step = next(s for s in run.recording.trajectory.steps if s.key == "writer#1/llm[0]")
    assert step.request["model"] == "claude-opus-4-1"
    # Before the fork point the writer kept its recorded model.
    earlier = next(s for s in run.recording.trajectory.steps if s.key == "writer#0/llm[0]")
    assert earlier.request["model"] == "claude-sonnet-4-5"
    assert comparison.first_divergence_key == "writer#1/llm[0]"


def test_forking_one_fan_out_item_leaves_the_others_recorded() -> None:
    run, live, parent = _fork("doc-pipeline-seed1-ok.trace.jsonl", "writer#2")
    _check_fork(run, live, parent)
    # Only writer#2 and the reviewer (whose input holds writer#2's draft) went live.
    assert {key.split("/")[0] for key in live.calls} == {"writer#2", "reviewer#0"}
    recorded = {s.key: s for s in parent.trajectory.steps}
    for step in run.recording.trajectory.steps:
        if step.key.startswith(("writer#3", "writer#4")) and step.kind != "agent":
            assert step.span is not None
            assert step.span.attributes[sc.TRACEKIT_FORK_RECORDED] is True
            assert step.answer.get("output") == recorded[step.key].answer.get("output")


def test_a_plan_critique_revise_loop_forked_at_the_critic_with_new_instructions() -> None:
    run, live, parent = _fork(
        "plan-critique-revise-seed1-ok.trace.jsonl",
        "critic#1",
        overrides={"instructions": {"critic": "Accept anything."}, "temperature": {"*": 0.2}},
    )
    _check_fork(run, live, parent)
    step = next(s for s in run.recording.trajectory.steps if s.key == "critic#1/llm[0]")
    assert step.request["temperature"] == 0.2
    assert "Accept anything." in str(step.request["system"])


def test_a_supervisor_with_approval_forked_after_the_routing() -> None:
    run, live, parent = _fork(
        "support-router-seed0-ok.trace.jsonl",
        "senior#0",
        overrides={"models": {"senior": "claude-haiku-4-5"}},
        approver=small_refunds_only,
    )
    comparison = _check_fork(run, live, parent)
    assert comparison.first_divergence_key == "senior#0/llm[0]"
    # The approval gate after the fork point asked the given approver.
    gate = next(s for s in run.recording.trajectory.steps if s.name == "issue_refund")
    assert gate.answer["approval_source"] == "policy"
    assert (
        run.recording.trajectory.steps[1].answer["output"]
        == (parent.trajectory.steps[1].answer["output"])
    )


def test_an_input_override_forks_at_step_0() -> None:
    run, _live, _parent = _fork(
        "guarded-research-seed0-ok.trace.jsonl",
        "0",
        overrides={"input": {**parent_input("guarded-research-seed0-ok"), "topic": "tides"}},
    )
    assert run.recorded_calls == 0 and run.prefix_live_calls == 0
    assert run.recording.input["topic"] == "tides"


def parent_input(name: str) -> Any:
    return Recording.from_file(TRACES / f"{name}.trace.jsonl").input


def test_five_forks_summarised() -> None:
    parent = Recording.from_file(TRACES / "doc-pipeline-seed1-ok.trace.jsonl")
    runs = fork_runs(parent, at="writer#2", models=offline_router(), repeat=5)
    spread = ForkSpread.of(runs)
    assert spread.runs == 5 and sum(spread.statuses.values()) == 5
    assert spread.distinct_outputs == len(spread.outputs) >= 1
    assert sum(o.count for o in spread.outputs) == 5
    assert len(set(spread.trace_ids)) == 5


def test_fork_records_into_a_store_and_returns_the_result(tmp_path: Path) -> None:
    store = tmp_path / "runs.duckdb"
    result = fork(
        TRACES / "doc-pipeline-seed1-ok.trace.jsonl",
        at="writer#2",
        models=offline_router(),
        store=store,
    )
    assert result.status == "ok"
    summary = TraceStore(store).get_trace(result.trace_id).summary
    parent = Recording.from_file(TRACES / "doc-pipeline-seed1-ok.trace.jsonl")
    assert (summary.parent_trace_id, summary.fork_at) == (parent.trace_id, "writer#2")


@pytest.mark.parametrize(
    ("at", "overrides", "message"),
    [
        ("writer#9", None, "no step 'writer#9'"),
        ("ghost#0", None, "agent 'ghost' is not in the trace"),
        ("99", None, "no step 99"),
        ("0", {"models": {"ghost": "m"}}, "override for unknown agent 'ghost'"),
    ],
)
def test_bad_forks_are_one_error_before_anything_runs(
    at: str, overrides: dict[str, Any] | None, message: str
) -> None:
    with pytest.raises(ForkError, match=message):
        fork_runs(
            TRACES / "doc-pipeline-seed1-ok.trace.jsonl",
            at=at,
            models=offline_router(),
            overrides=overrides,
        )


def test_an_async_fan_out_item_forks_like_a_sync_one(tmp_path: Path) -> None:
    from replay.recorder import record_workflow
    from tracekit.examples import async_research

    trace = tmp_path / "async.trace.jsonl"
    subject = async_research.Subject(name="Tool use", angle="how models pick the right tool")
    record_workflow(async_research.workflow, subject, trace, models=offline_router(seed=3))
    live = CountingModel()
    parent = Recording.from_file(trace)
    (run,) = fork_runs(parent, at="paper-researcher#1", models=ModelRouter({}, default=live))

    _check_fork(run, live, parent)
    # Only that item and the synthesis that reads its answer went live, whatever the tasks'
    # timing: the other items kept their recorded answers.
    assert {key.split("/")[0] for key in live.calls} == {"paper-researcher#1", "synthesiser#0"}
