"""Replay one recorded run: run its workflow again with the world answered from the recording.

>>> from replay import ReplaySession
>>> report = ReplaySession.from_file("run.trace.jsonl").run()  # doctest: +SKIP
>>> report.matched  # doctest: +SKIP
True
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import TypeAdapter

from replay.canonical import normalize
from replay.diff import build_report
from replay.player import (
    TOOL_ARGS_MODES,
    TRAJECTORY_MODES,
    RecordedAnswers,
    ToolArgsMode,
    TrajectoryMode,
)
from replay.recording import Recording
from replay.report import (
    DivergenceReport,
)
from replay.spans import otlp_spans
from replay.trajectory import (
    Trajectory,
    trajectory_from_spans,
)
from tracekit.exceptions import ConfigError
from tracekit.models.routing import ModelRouter
from tracekit.orchestrator.approval import ApprovalRequest
from tracekit.telemetry import SequentialIds, Telemetry

#: Replay seeds Python's global random generator with this, and restores it afterwards.
FROZEN_SEED = 0
#: The default ``input`` of a session: the recorded one.
RECORDED_INPUT: Any = object()


def _deny(_: ApprovalRequest) -> bool:
    # An approval the recording does not answer belongs to a call that was never recorded.
    return False


def _no_sleep(_: float) -> None:
    pass


def _frozen_clock() -> float:
    return 0.0


@contextmanager
def _frozen_random() -> Iterator[None]:
    state = random.getstate()
    random.seed(FROZEN_SEED)
    try:
        yield
    finally:
        random.setstate(state)


class ReplaySession:
    """Re-runs a recorded workflow and compares its trajectory with the recording.

    Model and tool calls are answered from the recording by trajectory position. ``live``
    answers model calls with real models instead (re-recording: tools still replay), and
    ``processors`` receive the replayed run's spans too (e.g. a store, to keep the new run).
    ``input`` runs the workflow on another input than the recorded one; a different input
    is a divergence (``input changed``).
    """

    def __init__(
        self,
        recording: Recording,
        *,
        mode: TrajectoryMode = "strict",
        tool_args: ToolArgsMode = "exact",
        live: ModelRouter | None = None,
        processors: Sequence[SpanProcessor] = (),
        input: Any = RECORDED_INPUT,
    ) -> None:
        if mode not in TRAJECTORY_MODES:
            raise ConfigError(f"unknown replay mode {mode!r}: choose {', '.join(TRAJECTORY_MODES)}")
        if tool_args not in TOOL_ARGS_MODES:
            raise ConfigError(
                f"unknown tool-argument mode {tool_args!r}: choose {', '.join(TOOL_ARGS_MODES)}"
            )
        self.recording = recording
        self.mode: TrajectoryMode = mode
        self.tool_args: ToolArgsMode = tool_args
        self.live = live
        self.processors = list(processors)
        self.input = input
        self.replayed: Trajectory | None = None
        self.output: Any = None

    @classmethod
    def from_file(cls, path: str | Path, **options: Any) -> ReplaySession:
        """A session replaying a trace file."""
        return cls(Recording.from_file(path), **options)

    @classmethod
    def from_store(cls, store: str | Path | None, trace_id: str, **options: Any) -> ReplaySession:
        """A session replaying one trace of a store."""
        return cls(Recording.from_store(store, trace_id), **options)

    def run(self) -> DivergenceReport:
        """Run the workflow again and return the divergence report."""
        recording = self.recording
        workflow = recording.load_workflow()
        answers = RecordedAnswers(recording.trajectory, mode=self.mode)
        exporter = InMemorySpanExporter()
        telemetry = Telemetry(
            processors=[SimpleSpanProcessor(exporter), *self.processors],
            service_name=f"tracekit-replay:{recording.workflow_name}",
            id_generator=SequentialIds(),
        )
        router = self.live or ModelRouter({}, default=answers.model)
        with _frozen_random():
            result = workflow.run(
                recording.input if self.input is RECORDED_INPUT else self.input,
                telemetry=telemetry,
                models=router,
                approver=_deny,
                sleep=_no_sleep,
                raise_errors=False,
                conversation_id=recording.conversation_id,
                clock=_frozen_clock,
                tool_answers=answers,
            )
        telemetry.flush()
        self.replayed = trajectory_from_spans(otlp_spans(exporter.get_finished_spans()))
        self.output = result.output
        telemetry.shutdown()
        return build_report(
            self.recording,
            self.replayed,
            mode=self.mode,
            tool_args=self.tool_args,
            status=result.status,
            error=result.error,
            output_matches=_output_json(result.output) == normalize(self.recording.output),
            unmatched=answers.unmatched,
            check_input=self.input is not RECORDED_INPUT,
        )


_ANY: TypeAdapter[Any] = TypeAdapter(Any)


def _output_json(output: Any) -> Any:
    return normalize(_ANY.dump_python(output, mode="json"))
