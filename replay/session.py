"""Replay one recorded run: run its workflow again with the world answered from the recording.

>>> from replay import ReplaySession
>>> report = ReplaySession.from_file("run.trace.jsonl").run()  # doctest: +SKIP
>>> report.matched  # doctest: +SKIP
True
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from replay.canonical import compile_masks, mask, normalize, same_value
from replay.capture import CaptureTelemetry
from replay.collector import older_objects_frozen
from replay.diff import build_report
from replay.modes import TOOL_ARGS_MODES, TRAJECTORY_MODES, ToolArgsMode, TrajectoryMode
from replay.player import ALL_TOOLS, RecordedAnswers
from replay.recording import Recording
from replay.report import DivergenceReport
from replay.spans import otlp_spans
from replay.trajectory import Trajectory, trajectory_from_spans
from tracekit import settings
from tracekit.exceptions import ConfigError
from tracekit.models.routing import ModelRouter
from tracekit.orchestrator.runner import payload_json
from tracekit.orchestrator.workflow import RunResult, Workflow
from tracekit.otlp.values import parse_json
from tracekit.pricing import PriceTable
from tracekit.telemetry import SequentialIds, Telemetry

#: The seed replay gives a recording made before runs recorded theirs.
FROZEN_SEED = 0
#: The default ``input`` of a session: the recorded one.
RECORDED_INPUT: Any = object()


def _no_sleep(_: float) -> None:
    pass


def _frozen_clock() -> float:
    return 0.0


@contextmanager
def _recorded_world(started_at: float | None) -> Iterator[None]:
    """The wall-clock frozen at the recorded run's start.

    ``random`` needs nothing here: the run itself seeds it with the seed it is given (the
    recorded one) around the entrypoint and puts the caller's state back after (see
    :meth:`~tracekit.orchestrator.workflow.Workflow.run`); seeding it around the whole run
    too swapped two 625-word states more per replay, for code (input validation) that the
    recorded run had not run under that seed either.
    """
    if started_at is None:
        yield
        return
    # Imported here: importing time_machine imports pytest, which replay must not.
    import time_machine

    # time-machine moves time.time, datetime.now and the rest at the C level, in every
    # thread; the monotonic clock the limits use is left alone. Time ticks on from the
    # recorded start (code that waits on the clock must not hang, and the replayed spans
    # keep their durations).
    with time_machine.travel(started_at, tick=True):
        yield


class ReplaySession:
    """Re-runs a recorded workflow and compares its trajectory with the recording.

    Model and tool calls are answered from the recording by trajectory position. ``live``
    answers model calls with real models instead (re-recording: tools still replay), and
    ``processors`` receive the replayed run's spans too (e.g. a store, to keep the new run).
    ``input`` runs the workflow on another input than the recorded one; a different input
    is a divergence (``input changed``).

    ``ignore`` is a list of regexes whose matches are masked (``‹ignored›``) in both the
    recorded and the replayed requests before they are compared: ids nothing can reproduce.
    ``live_tools`` (``"all"`` or tool names) run for real, and their results are compared
    with the recorded ones. User code sees the recorded seed in ``random`` and the recorded
    start time in ``time.time``, ``datetime.now`` and the rest. Both are process-wide, so
    run one replay at a time per process (pytest-xdist runs one per worker process).
    """

    def __init__(
        self,
        recording: Recording,
        *,
        mode: TrajectoryMode = "strict",
        tool_args: ToolArgsMode = "exact",
        live: ModelRouter | None = None,
        processors: Sequence[SpanProcessor] = (),
        ignore: Sequence[str] = (),
        live_tools: str | Iterable[str] | None = None,
        input: Any = RECORDED_INPUT,
    ) -> None:
        if mode not in TRAJECTORY_MODES:
            raise ConfigError(f"unknown replay mode {mode!r}: choose {', '.join(TRAJECTORY_MODES)}")
        if tool_args not in TOOL_ARGS_MODES:
            raise ConfigError(
                f"unknown tool-argument mode {tool_args!r}: choose {', '.join(TOOL_ARGS_MODES)}"
            )
        if isinstance(ignore, str):
            ignore = [ignore]
        try:
            self.ignore = compile_masks(ignore)
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        if isinstance(live_tools, str) and live_tools != ALL_TOOLS:
            live_tools = [name.strip() for name in live_tools.split(",") if name.strip()]
        self.live_tools = live_tools
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
        """Run the workflow again and return the divergence report.

        An ``async def`` entrypoint is driven through ``Workflow.arun`` on a fresh event
        loop (inside a running loop, ``await`` :meth:`arun`).
        """
        with older_objects_frozen():
            replay = self._start()
            with _recorded_world(self.recording.started_at):
                if replay.workflow.is_async:
                    result = asyncio.run(replay.workflow.arun(**replay.options))
                else:
                    result = replay.workflow.run(**replay.options)
            return self._finish(replay, result)

    async def arun(self) -> DivergenceReport:
        """``await`` form of :meth:`run` (a sync entrypoint runs in a worker thread)."""
        replay = self._start()
        with _recorded_world(self.recording.started_at):
            result = await replay.workflow.arun(**replay.options)
        return self._finish(replay, result)

    def _start(self) -> _Replay:
        recording = self.recording
        workflow = recording.load_workflow()
        answers = RecordedAnswers(
            recording.trajectory,
            mode=self.mode,
            live_tools=self.live_tools,
            live_models=self.live is not None,
        )
        service_name = f"tracekit-replay:{recording.workflow_name}"
        exporter: InMemorySpanExporter | None = None
        telemetry: Telemetry
        if self.processors or self.live is not None:
            # Span processors take SDK spans; live models' SDK spans need the whole enricher.
            exporter = InMemorySpanExporter()
            telemetry = Telemetry(
                processors=[SimpleSpanProcessor(exporter), *self.processors],
                prices=_price_table(),
                service_name=service_name,
                id_generator=SequentialIds(),
            )
        else:
            # The spans are only needed as the replayed trajectory: captured as plain values.
            telemetry = CaptureTelemetry(prices=_price_table(), service_name=service_name)
        router = self.live or ModelRouter({}, default=answers.model)
        seed = recording.seed if recording.seed is not None else FROZEN_SEED
        # The workflow's own approver is asked (an interactive one defers to the recording).
        options: dict[str, Any] = {
            "input": recording.input if self.input is RECORDED_INPUT else self.input,
            "telemetry": telemetry,
            "models": router,
            "sleep": _no_sleep,
            "raise_errors": False,
            "conversation_id": recording.conversation_id,
            "clock": _frozen_clock,
            "tool_answers": answers,
            "seed": seed,
        }
        return _Replay(workflow, answers, exporter, telemetry, seed, options)

    def _finish(self, replay: _Replay, result: RunResult[Any]) -> DivergenceReport:
        replay.telemetry.flush()
        telemetry = replay.telemetry
        spans = (
            telemetry.capture.spans
            if isinstance(telemetry, CaptureTelemetry)
            else otlp_spans(replay.exporter.get_finished_spans() if replay.exporter else ())
        )
        recorded = self.recording.trajectory
        self.replayed = trajectory_from_spans(
            spans, structural=recorded.structural, canon=recorded.canon, parsed=recorded.parsed
        )
        self.output = result.output
        replay.telemetry.shutdown()
        return build_report(
            self.recording,
            self.replayed,
            mode=self.mode,
            tool_args=self.tool_args,
            status=result.status,
            error=result.error,
            output_matches=same_value(
                mask(_output_json(result.output), self.ignore),
                mask(normalize(self.recording.output), self.ignore),
            ),
            unmatched=replay.answers.unmatched,
            ignore=self.ignore,
            stop_reason=result.stop_reason,
            check_input=self.input is not RECORDED_INPUT,
        )


@dataclass(frozen=True)
class _Replay:
    """One replay under way: the workflow, its answers, where its spans go, its options."""

    workflow: Workflow
    answers: RecordedAnswers
    exporter: InMemorySpanExporter | None
    """Where the SDK path's spans go (None: the spans are captured, see :mod:`replay.capture`)."""
    telemetry: Telemetry
    seed: int
    options: dict[str, Any]


def _price_table() -> PriceTable:
    """The price table, built once per process per ``TRACEKIT_PRICES`` file (and its version):
    a table per replay would start every replay with an empty lookup cache."""
    path = settings.prices_path()
    if path is None:
        return _cached_price_table(None, 0, 0)
    try:
        stat = path.stat()
    except OSError:
        return PriceTable.default()  # let it say what is wrong with the file
    return _cached_price_table(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _cached_price_table(path: str | None, mtime_ns: int, size: int) -> PriceTable:
    return PriceTable.default()


def _output_json(output: Any) -> Any:
    # As the run's span records it (payload_json), parsed back as the recording's was: a
    # JSON of its own would spell some values otherwise (NaN as null, a datetime in ISO
    # form where the span has its str()) and call an unchanged output changed.
    return normalize(parse_json(payload_json(output)))
