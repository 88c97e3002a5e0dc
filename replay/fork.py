"""Fork a recorded run at any step: replay the prefix exactly, then go live with overrides.

Every call before the fork step is answered from the recording (no model or tool traffic);
from the step on, the workflow runs live — its own ``models=``, a router you give, or Claude
with ``ANTHROPIC_API_KEY`` — with the overrides applied (a model, instructions or temperature
per agent or for all, or another workflow input, which forks at step 0). Tools run for real
after the fork point unless ``recorded_tools=True``. Calls the fork did not reach (the other
items of a fan-out) keep their recorded answers. The fork is recorded as a new trace linked to
its parent (see :mod:`replay.lineage`).

>>> from replay import fork
>>> from tracekit import ModelRouter, ScriptedModel
>>> result = fork(  # doctest: +SKIP
...     "run.trace.jsonl",
...     at="writer#2",
...     models=ModelRouter({}, default=ScriptedModel(seed=7)),
...     overrides={"models": {"writer": "claude-opus-4-1"}, "temperature": {"*": 0.2}},
...     store="tracekit.duckdb",
... )
>>> result.status, result.trace_id  # doctest: +SKIP
('ok', '4bf92f3577b34da6a3ce929d0e0e4736')
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from replay.collector import older_objects_frozen
from replay.fork_answers import ForkAnswers
from replay.lineage import LineageProcessor
from replay.overrides import ForkOverrides
from replay.recording import Recording
from replay.spans import otlp_spans
from replay.step_names import StepRef, agents_of, resolve_step
from tracekit import settings
from tracekit.exceptions import ForkError
from tracekit.models.routing import ModelRouter
from tracekit.orchestrator.approval import Approver
from tracekit.orchestrator.workflow import RunResult, Workflow
from tracekit.store.lineage import FORK_SERVICE_PREFIX
from tracekit.telemetry import Telemetry

#: What ``fork`` takes as the run to fork: a recording, a trace file, or a trace id (with
#: ``store=``).
Forkable = Recording | str | Path


@dataclass
class ForkRun:
    """One fork: its result, its recording (the new trace) and how its calls were answered."""

    result: RunResult[Any]
    recording: Recording
    parent: Recording
    at: StepRef
    overrides: ForkOverrides
    recorded_calls: int
    """Model and tool calls answered from the parent's recording."""
    live_calls: int
    """Model and tool calls answered live (models, real tools)."""
    prefix_live_calls: int
    """Live calls before the fork point: 0 (the prefix is the recording)."""

    @property
    def trace_id(self) -> str:
        """The fork's trace id."""
        return self.result.trace_id


def load_recording(target: Forkable, store: str | Path | None = None) -> Recording:
    """The recording ``target`` names: itself, a trace file, or a trace id in ``store``."""
    if isinstance(target, Recording):
        return target
    path = Path(target)
    if path.is_file():
        return Recording.from_file(path)
    if isinstance(target, Path) or path.suffix in (".jsonl", ".json") or "/" in str(target):
        raise ForkError(
            f"no such trace file: {path} (give a trace file, or a trace id from `tracekit traces`)"
        )
    return Recording.from_store(store, str(target))


def live_models(workflow: Workflow, models: ModelRouter | None) -> ModelRouter:
    """What answers after the fork point: ``models``, the workflow's own, or Claude with a key.

    ForkError when there is none of them (checked before anything runs).
    """
    if models is not None:
        return models
    if workflow.models is not None:
        return workflow.models
    if not settings.anthropic_api_key_set():
        raise ForkError(
            f"no models to run {workflow.name!r} live after the fork point: the workflow has "
            "no models=, ANTHROPIC_API_KEY is not set and no --models module:attribute was given"
        )
    from tracekit.models.anthropic_model import AnthropicModel

    return ModelRouter({"claude-*": AnthropicModel()})


class ForkSession:
    """Prepares one fork of a recording (checks the step, the overrides and the models up
    front, so a mistake is one ForkError before anything runs) and runs it (:meth:`run`)."""

    def __init__(
        self,
        recording: Recording,
        *,
        at: str | int | None = None,
        models: ModelRouter | None = None,
        overrides: ForkOverrides | Mapping[str, Any] | None = None,
        recorded_tools: bool = False,
        processors: Sequence[SpanProcessor] = (),
        approver: Approver | None = None,
    ) -> None:
        self.recording = recording
        self.overrides = ForkOverrides.of(overrides)
        if self.overrides.has_input and at not in (None, 0, "0"):
            raise ForkError("an --input override forks at step 0: leave out --at or give --at 0")
        if at is None and not self.overrides.has_input:
            raise ForkError(
                "say where to fork: --at STEP (a position, writer#2 or writer#2/llm[1])"
            )
        self.at = resolve_step(recording.trajectory, 0 if at is None else at)
        self.overrides.check_agents(agents_of(recording.trajectory))
        self.workflow = recording.load_workflow()
        self.live = live_models(self.workflow, models)
        self.recorded_tools = recorded_tools
        self.processors = list(processors)
        self.approver = approver

    def run(self, processors: Sequence[SpanProcessor] = ()) -> ForkRun:
        """Run the fork; its spans go to the session's ``processors``, to ``processors`` (this
        run's own: they are shut down when it ends, as a store's is) and into the result."""
        with older_objects_frozen():
            return self._run(processors)

    def _run(self, processors: Sequence[SpanProcessor]) -> ForkRun:
        recording, workflow = self.recording, self.workflow
        answers = ForkAnswers(
            recording.trajectory,
            fork_position=self.at.position,
            live=self.live,
            overrides=self.overrides,
            recorded_tools=self.recorded_tools,
        )
        root = recording.trajectory.root
        exporter = InMemorySpanExporter()
        lineage = LineageProcessor(
            parent_trace_id=recording.trace_id,
            parent_span_id=root.span_id if root is not None else None,
            at=self.at.name,
            overrides_json=self.overrides.attribute_json(),
        )
        telemetry = Telemetry(
            processors=[lineage, SimpleSpanProcessor(exporter), *self.processors, *processors],
            service_name=f"{FORK_SERVICE_PREFIX}{recording.workflow_name}",
        )

        def sleep(seconds: float) -> None:
            # A recorded retry in the prefix is not waited for; a live one is.
            if answers.went_live.is_set():
                time.sleep(seconds)

        try:
            result = workflow.run(
                self.overrides.input if self.overrides.has_input else recording.input,
                telemetry=telemetry,
                models=ModelRouter({}, default=answers.model),
                approver=self.approver,
                sleep=sleep,
                raise_errors=False,
                tool_answers=answers,
                seed=recording.seed,
            )
            telemetry.flush()
            spans = [
                s
                for s in otlp_spans(exporter.get_finished_spans())
                if s.trace_id == result.trace_id
            ]
        finally:
            telemetry.shutdown()
        return ForkRun(
            result=result,
            recording=Recording.from_spans(spans, source=f"fork {result.trace_id[:12]}"),
            parent=recording,
            at=self.at,
            overrides=self.overrides,
            recorded_calls=answers.recorded_calls,
            live_calls=answers.live_calls,
            prefix_live_calls=answers.prefix_live_calls,
        )


def fork_runs(
    trace_or_path: Forkable,
    *,
    at: str | int | None = None,
    models: ModelRouter | None = None,
    overrides: ForkOverrides | Mapping[str, Any] | None = None,
    recorded_tools: bool = False,
    store: str | Path | None = None,
    record: bool = False,
    repeat: int = 1,
    processors: Sequence[SpanProcessor] = (),
    approver: Approver | None = None,
) -> list[ForkRun]:
    """``repeat`` forks of one run (see :func:`fork`); ``record`` keeps them in ``store``."""
    if repeat < 1:
        raise ForkError(f"--repeat must be at least 1, got {repeat}")
    recording = load_recording(trace_or_path, store)
    session = ForkSession(
        recording,
        at=at,
        models=models,
        overrides=overrides,
        recorded_tools=recorded_tools,
        processors=processors,
        approver=approver,
    )
    return [session.run(store_processors(store) if record else ()) for _ in range(repeat)]


def store_processors(store: str | Path | None) -> list[SpanProcessor]:
    """A processor recording one fork into ``store`` (default store rules apply)."""
    from tracekit.store import StoreSpanProcessor, resolve_store_path

    return [StoreSpanProcessor(resolve_store_path(store))]


def fork(
    trace_or_path: Forkable,
    at: str | int | None = None,
    *,
    models: ModelRouter | None = None,
    overrides: ForkOverrides | Mapping[str, Any] | None = None,
    recorded_tools: bool = False,
    store: str | Path | None = None,
    record: bool = True,
    approver: Approver | None = None,
) -> RunResult[Any]:
    """Fork a recorded run at step ``at`` and return the fork's result.

    ``trace_or_path`` is a :class:`Recording`, a trace file, or a trace id of ``store``. ``at``
    names a step as the replay report does: a position, an agent call (``writer#2``) or a model
    call (``writer#2/llm[1]``). ``models`` answers live calls (default: the workflow's own
    ``models=``, else Claude with ``ANTHROPIC_API_KEY``). ``overrides`` is a
    :class:`ForkOverrides` or a mapping with ``models``, ``instructions``, ``temperature``
    (agent name or ``"*"`` → value) and ``input``. The fork is recorded into ``store`` (the
    default store rules apply) unless ``record=False``.

    Raises ForkError (before anything runs) for a step that does not exist, an override for an
    agent the trace does not have, or no models to go live with.
    """
    (run,) = fork_runs(
        trace_or_path,
        at=at,
        models=models,
        overrides=overrides,
        recorded_tools=recorded_tools,
        store=store,
        record=record,
        approver=approver,
    )
    return run.result
