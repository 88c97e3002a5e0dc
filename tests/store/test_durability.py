"""Durability: once ``Workflow.run()`` returns, its spans are on disk. A recording process
killed with SIGKILL right after runs returned loses none of them and duplicates nothing."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.recording import REPO_ROOT, emit_run
from tracekit.store import TraceStore

RECORDER = textwrap.dedent(
    """
    import sys
    from pydantic import BaseModel
    from tracekit.models import ModelRouter, ScriptedModel
    from tracekit.orchestrator import Agent, Context, Workflow
    from tracekit.telemetry import Telemetry

    class Topic(BaseModel):
        name: str

    class Note(BaseModel):
        text: str

    writer = Agent("writer", instructions="Write a note.", output=Note)
    critic = Agent("critic", instructions="Check the note.", output=Note)
    workflow = Workflow("durable")

    @workflow.entrypoint
    def run(ctx: Context[None], topic: Topic) -> Note:
        return ctx.call(critic, ctx.call(writer, topic))

    # The writer thread's interval is long: only the end of each run may put it on disk.
    telemetry = Telemetry.recording_to(sys.argv[1])
    i = 0
    while True:
        models = ModelRouter({}, default=ScriptedModel(seed=i))
        result = workflow.run(Topic(name=f"topic {i}"), telemetry=telemetry, models=models)
        # Printed only once run() returned: from here on the run must survive a kill -9.
        print(result.trace_id, flush=True)
        i += 1
    """
)


# 12 runs stay rows; of 150 (~750 spans), most are already Arrow tables when it dies.
@pytest.mark.parametrize("runs", [12, 150])
def test_every_run_that_returned_survives_kill_9(tmp_path: Path, runs: int) -> None:
    store = tmp_path / "runs.duckdb"
    script = tmp_path / "recorder.py"
    script.write_text(RECORDER)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    child = subprocess.Popen(
        [sys.executable, str(script), str(store)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    returned: list[str] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:
            returned.append(line.strip())
            if len(returned) == runs:
                break
        # Killed right after a run returned, with more runs in flight and no flush since.
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        _, stderr = child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert len(returned) == runs, stderr
    assert "Traceback" not in stderr, stderr

    store_view = TraceStore(store)
    span_counts = set()
    for trace_id in returned:
        trace = store_view.get_trace(trace_id)
        ids = [span.span_id for span in trace.spans]
        assert len(ids) == len(set(ids)), f"{trace_id}: a span is stored twice"
        assert trace.summary.span_count == len(ids)
        assert trace.summary.status == "ok"
        span_counts.add(len(ids))
    # Every run has the same shape (a workflow span, two agents, their model calls): a run
    # missing a span would show up as a smaller count.
    assert len(span_counts) == 1, span_counts
    assert span_counts.pop() >= 5


def test_an_unwritable_store_is_one_log_line_not_one_per_run(
    tmp_path: Path, make_recorder: Any, caplog: pytest.LogCaptureFixture
) -> None:
    store = tmp_path / "runs.duckdb"
    # Root writes where chmod forbids; not into a spool folder that is a regular file.
    (tmp_path / "runs.duckdb.spool").write_text("not a folder")
    recorder = make_recorder(store)

    with caplog.at_level(logging.DEBUG, logger="tracekit"):
        for i in range(5):
            emit_run(recorder.tracer, start_ns=(1_750_000_000 + i) * 10**9)

    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1, [record.getMessage() for record in errors]
    assert "could not be written" in errors[0].getMessage()
    assert errors[0].exc_info is None


COSTS_RECORDER = textwrap.dedent(
    """
    import os, signal, sys
    from opentelemetry import trace
    from tests.recording import new_recorder
    from tracekit import semconv as sc

    recorder = new_recorder(sys.argv[1], flush_interval_s=3600)
    tracer = recorder.tracer
    attributes = {sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW, sc.GEN_AI_WORKFLOW_NAME: "c"}
    root = tracer.start_span("costs", attributes=attributes)
    with trace.use_span(root, end_on_exit=False):
        for name in sys.argv[2:]:
            attributes = {sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT, sc.TRACEKIT_COST_USD: float(name)}
            tracer.start_span(name, attributes=attributes).end()
    root.end()
    if sys.argv[1].endswith("flushed.duckdb"):
        recorder.provider.shutdown()
    else:
        os.kill(os.getpid(), signal.SIGKILL)  # the run returned: it is in the journal alone
    """
)


def test_a_killed_recorders_costs_are_stored_as_a_flushed_recorders(tmp_path: Path) -> None:
    # Costs JSON has no number for (orjson writes null): the journal must not lose them.
    costs = ["nan", "inf", "-inf", "5e-324", "0.25"]
    script = tmp_path / "recorder.py"
    script.write_text(COSTS_RECORDER)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    stored = {}
    for how in ("flushed", "killed"):
        store = tmp_path / f"{how}.duckdb"
        child = subprocess.run(
            [sys.executable, str(script), str(store), *costs],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert "Traceback" not in child.stderr, child.stderr
        TraceStore(store).list_traces()  # folds the spool, recovering a dead writer's journal
        with duckdb.connect(str(store), read_only=True) as con:
            rows = con.execute("SELECT name, cost_usd FROM spans WHERE name <> 'costs'")
            stored[how] = {name: repr(cost) for name, cost in rows.fetchall()}

    assert stored["flushed"] == {name: repr(float(name)) for name in costs}
    assert stored["killed"] == stored["flushed"]
