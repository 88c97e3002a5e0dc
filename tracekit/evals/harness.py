"""Running a suite: every case × repeat live, N at a time, graded on outcome and process.

Cases run on a thread pool (``concurrency`` at once). Each run is a real ``Workflow.run``: its
spans go to the store like any run, the workflow's own limits hold, and the case's budgets
tighten them for that run. A run that raises, is stopped by a limit or exceeds the harness
``timeout_s`` is graded failed with the reason, and the suite goes on. A thread cannot be
killed, so a timed-out run is abandoned (it finishes in the background and is still recorded).

Ctrl-C (KeyboardInterrupt, in the main thread or raised by a run) stops the suite: runs not
yet started are cancelled, the finished ones are returned with ``interrupted=True``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opentelemetry.context import Context as OtelContext
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from replay.diff import diff_recordings
from replay.recording import Recording
from replay.spans import otlp_spans
from replay.trajectory import Trajectory, align, trajectory_from_spans
from tracekit.evals.baseline import Baseline
from tracekit.evals.cases import Case, CaseResult, json_ready, run_graders
from tracekit.evals.process import (
    agent_figures,
    aligned_wrong_turns,
    cost_known,
    tool_choice,
    tools_called,
)
from tracekit.evals.results import CaseRun
from tracekit.evals.suite import ModelsSpec, Suite
from tracekit.orchestrator import AgentOverrides, Limits
from tracekit.telemetry import Telemetry


@dataclass
class EvalOptions:
    """How to run a suite."""

    concurrency: int = 1
    repeat: int = 1
    overrides: AgentOverrides | None = None
    models: ModelsSpec | None = None
    timeout_s: float | None = None


@dataclass
class EvalRun:
    """What running a suite produced."""

    runs: list[CaseRun]
    interrupted: bool
    started_ns: int
    finished_ns: int
    total: int


class TraceCollector(SpanProcessor):
    """Keeps each finished span by trace id until the harness takes its run's spans."""

    def __init__(self) -> None:
        self._spans: dict[int, list[ReadableSpan]] = {}
        self._lock = threading.Lock()

    def on_start(self, span: Span, parent_context: OtelContext | None = None) -> None:
        """Nothing to do when a span starts."""

    def on_end(self, span: ReadableSpan) -> None:
        """Keep the span."""
        context = span.get_span_context()
        if context is None:
            return
        with self._lock:
            self._spans.setdefault(context.trace_id, []).append(span)

    def take(self, trace_id: str) -> list[ReadableSpan]:
        """The spans of one trace (forgotten here afterwards)."""
        with self._lock:
            return self._spans.pop(int(trace_id, 16), [])


def case_limits(limits: Limits, case: Case) -> Limits:
    """The workflow's limits, tightened by the case's budgets."""

    def tighter(own: Any, budget: Any) -> Any:
        if budget is None:
            return own
        return budget if own is None else min(own, budget)

    return limits.model_copy(
        update={
            "max_steps": tighter(limits.max_steps, case.max_steps),
            "max_cost_usd": tighter(limits.max_cost_usd, case.max_cost_usd),
            "max_seconds": tighter(limits.max_seconds, case.max_seconds),
        }
    )


@dataclass
class _Job:
    case: Case
    position: int
    repeat: int
    started: float = field(default=-1.0)


class SuiteRunner:
    """Runs one suite with one set of options, recording into ``telemetry``."""

    def __init__(
        self,
        suite: Suite,
        options: EvalOptions,
        telemetry: Telemetry,
        collector: TraceCollector,
        *,
        baseline: Baseline | None = None,
    ) -> None:
        self.suite = suite
        self.options = options
        self.telemetry = telemetry
        self.collector = collector
        self.baseline = baseline

    # --- one run ------------------------------------------------------------------------------

    def run_case(self, case: Case, position: int, repeat: int) -> CaseRun:
        """Run and grade one case once (never raises, except KeyboardInterrupt)."""
        begun = time.perf_counter()
        workflow = self.suite.workflow
        seed = None if case.seed is None else case.seed + repeat
        try:
            router = self.suite.router_for(case, repeat, self.options.models)
            result = workflow.run(
                case.input,
                telemetry=self.telemetry,
                models=router,
                approver=self.suite.approver,
                raise_errors=False,
                seed=seed,
                limits=case_limits(workflow.limits, case),
                overrides=self.options.overrides,
            )
        except Exception as exc:  # bad input, no models: the case fails, the suite goes on
            return self._failed(case, position, repeat, "error", f"{type(exc).__name__}: {exc}")
        workflow_s = result.duration_s
        spans = otlp_spans(self.collector.take(result.trace_id))
        trajectory = trajectory_from_spans(spans) if spans else None
        called = tools_called(trajectory)
        graded = CaseResult(
            case=case,
            repeat=repeat,
            status=result.status,
            output=result.output,
            output_json=json_ready(result.output),
            trace_id=result.trace_id,
            steps=result.steps,
            input_tokens=result.input_tokens,
            output_tokens=result.output_tokens,
            cost_usd=result.cost_usd if cost_known(trajectory) else None,
            latency_s=workflow_s,
            error=result.error,
            stop_reason=result.stop_reason,
            tools_called=called,
            trajectory=trajectory,
        )
        run = self.grade(graded, position)
        self._compare(run, spans, trajectory, case)
        run.harness_ms = max(0.0, (time.perf_counter() - begun - workflow_s) * 1000)
        return run

    def grade(self, result: CaseResult, position: int) -> CaseRun:
        """Grade a run (a live one, or a recorded baseline's)."""
        case = result.case
        grades = run_graders(self.suite.graders, case, result)
        precision, recall = tool_choice(case, result.tools_called)
        failed = [g for g in grades if not g.passed]
        if not result.ok:
            what = result.stop_reason or result.error or result.status
            reason = f"{result.status}: {what}" if what != result.status else result.status
        else:
            reason = "; ".join(f"{g.grader}: {g.reason or 'failed'}" for g in failed)
        judge = [g.cost_usd for g in grades if g.cost_usd is not None]
        return CaseRun(
            case=case.name,
            position=position,
            repeat=result.repeat,
            trace_id=result.trace_id,
            status=result.status,
            passed=result.ok and not failed,
            score=(sum(g.score for g in grades) / len(grades) if grades else 1.0)
            if result.ok
            else 0.0,
            reason=reason,
            grades=grades,
            steps=result.steps,
            input_tokens=result.input_tokens,
            output_tokens=result.output_tokens,
            cost_usd=result.cost_usd,
            latency_s=result.latency_s,
            tools_called=result.tools_called,
            tool_precision=precision,
            tool_recall=recall,
            judge_cost_usd=sum(judge) if judge else None,
            agents=agent_figures(result.trajectory),
            error=result.error,
        )

    def _compare(
        self, run: CaseRun, spans: Sequence[Any], trajectory: Trajectory | None, case: Case
    ) -> None:
        if self.baseline is None or trajectory is None:
            return
        recording = self.baseline.recording_for(case.name)
        if recording is None:
            return
        run.baseline_trace_id = recording.trace_id
        # One alignment serves both the wrong turns and the diff summary, and the candidate's
        # trajectory is the one already built: each used to be built twice per case.
        aligned = align(recording.trajectory.steps, trajectory.steps)
        run.wrong_turns = aligned_wrong_turns(aligned)
        try:
            candidate = Recording(list(spans), trajectory, "candidate")
            report = diff_recordings(recording, candidate, aligned=aligned)
            run.diff_summary = report.headline
        except Exception as exc:  # a diff that cannot be built never fails the case
            run.diff_summary = f"no diff: {type(exc).__name__}: {exc}"

    def _failed(self, case: Case, position: int, repeat: int, status: str, reason: str) -> CaseRun:
        return CaseRun(
            case=case.name,
            position=position,
            repeat=repeat,
            status=status,
            passed=False,
            score=0.0,
            reason=f"{status}: {reason}",
            error=reason,
        )

    # --- the whole suite ----------------------------------------------------------------------

    def run(self, on_run: Callable[[CaseRun, int], None] | None = None) -> EvalRun:
        """Run every case × repeat; ``on_run(run, total)`` is called as each finishes."""
        jobs = [
            _Job(case, position, repeat)
            for repeat in range(self.options.repeat)
            for position, case in enumerate(self.suite.cases)
        ]
        started_ns = time.time_ns()
        done: list[CaseRun] = []
        interrupted = abandoned = False
        pool = ThreadPoolExecutor(
            max_workers=max(1, self.options.concurrency), thread_name_prefix="tracekit-eval"
        )
        futures: dict[Future[CaseRun], _Job] = {}
        harvested: set[Future[CaseRun]] = set()

        def work(job: _Job) -> CaseRun:
            job.started = time.monotonic()
            return self.run_case(job.case, job.position, job.repeat)

        def finish(run: CaseRun) -> None:
            done.append(run)
            if on_run is not None:
                on_run(run, len(jobs))

        try:
            futures = {pool.submit(work, job): job for job in jobs}
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
                for future in finished:
                    error = future.exception()
                    if isinstance(error, KeyboardInterrupt):
                        raise error
                    harvested.add(future)
                    job = futures[future]
                    if error is not None:
                        finish(
                            self._failed(job.case, job.position, job.repeat, "error", str(error))
                        )
                    else:
                        finish(future.result())
                for future in list(pending):
                    job = futures[future]
                    limit = self.options.timeout_s
                    started = job.started
                    if limit is not None and started >= 0 and time.monotonic() - started > limit:
                        abandoned = True
                        pending.discard(future)
                        finish(
                            self._failed(
                                job.case,
                                job.position,
                                job.repeat,
                                "timeout",
                                f"timed out after {limit:g} s",
                            )
                        )
        except KeyboardInterrupt:
            interrupted = True
            for future in futures:
                future.cancel()
            # Runs that finished while Ctrl-C arrived (not yet collected) are kept too.
            for future in futures:
                if future in harvested or not future.done() or future.cancelled():
                    continue
                if future.exception() is None:
                    finish(future.result())
        finally:
            # A timed-out run cannot be killed: it is left to finish in the background.
            pool.shutdown(wait=not (interrupted or abandoned), cancel_futures=True)
        done.sort(key=lambda r: (r.position, r.repeat))
        return EvalRun(done, interrupted, started_ns, time.time_ns(), len(jobs))


def eval_telemetry(store: Path) -> tuple[Telemetry, TraceCollector]:
    """Telemetry that records into ``store`` and keeps each run's spans for the harness."""
    collector = TraceCollector()
    telemetry = Telemetry.recording_to(store, processors=[collector], service_name="tracekit-eval")
    return telemetry, collector
