"""What a candidate is compared with: a stored experiment, the latest one, or recorded traces.

``--baseline EXPERIMENT_ID`` (or a unique prefix), ``--baseline latest`` (the newest complete
experiment of the same suite) or ``--baseline recorded:FOLDER`` (one trace file per case,
named after the case: ``FOLDER/<case>.jsonl`` or ``<case>.trace.jsonl``; typically the replay
suite's recordings). Every baseline gives, per case, its graded runs (figures) and the trace
to align the candidate's trajectory with. All traces are read up front, before any case runs,
so the runs never wait on the store.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from replay.recording import Recording
from tracekit.evals.cases import CaseResult, json_ready
from tracekit.evals.process import tools_called
from tracekit.evals.results import CaseRun
from tracekit.evals.suite import Suite
from tracekit.exceptions import ConfigError, TracekitError
from tracekit.store import ExperimentCaseRow, TraceStore

_RECORDED = "recorded:"
_TRACE_SUFFIXES = (".trace.jsonl", ".jsonl", ".trace.json", ".json")


@dataclass
class Baseline:
    """Per case: the baseline's runs, and the recording to diff against."""

    label: str
    """How reports name it: an experiment id or ``recorded:FOLDER``."""
    runs: dict[str, list[CaseRun]]
    recordings: dict[str, Recording] = field(default_factory=dict)
    experiment_id: str | None = None

    def recording_for(self, case: str) -> Recording | None:
        """The baseline trace of ``case`` (its first repeat), if any."""
        return self.recordings.get(case)

    @property
    def all_runs(self) -> list[CaseRun]:
        """Every baseline run, in case order."""
        return [run for runs in self.runs.values() for run in runs]


def _case_run(row: ExperimentCaseRow) -> CaseRun:
    detail = row.detail or {}
    return CaseRun(
        case=row.case_name,
        position=row.position,
        repeat=row.repeat,
        trace_id=row.trace_id,
        status=row.status,
        passed=row.passed,
        score=row.score,
        reason=row.reason or "",
        steps=row.steps,
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        cost_usd=row.cost_usd,
        latency_s=row.latency_s,
        tool_precision=row.tool_precision,
        tool_recall=row.tool_recall,
        wrong_turns=row.wrong_turns,
        tools_called=list(detail.get("tools_called") or []),
        grades=detail.get("grades") or [],
        agents=detail.get("agents") or {},
        judge_cost_usd=row.judge_cost_usd,
    )


def from_experiment(store: Path, reference: str, suite: Suite) -> Baseline:
    """The baseline of a stored experiment (``latest``: the newest complete one of the suite).

    Raises ConfigError when there is no such experiment.
    """
    reader = TraceStore(store)
    if reference == "latest":
        try:
            listed = reader.list_experiments(suite=suite.name, limit=20)
        except TracekitError as exc:
            raise ConfigError(f"--baseline latest: {exc}") from None
        complete = [e for e in listed if not e.partial]
        if not complete:
            raise ConfigError(
                f"--baseline latest: the store {store} has no complete experiment of suite "
                f"{suite.name!r} yet (run `tracekit eval` once without --baseline)"
            )
        reference = complete[0].experiment_id
    try:
        experiment, rows = reader.get_experiment(reference)
    except TracekitError as exc:
        raise ConfigError(f"--baseline {reference}: {exc}") from None
    runs: dict[str, list[CaseRun]] = {}
    recordings: dict[str, Recording] = {}
    for row in rows:
        runs.setdefault(row.case_name, []).append(_case_run(row))
        if row.case_name not in recordings and row.trace_id:
            # A trace that is gone: figures still compare, there is no trajectory diff.
            with contextlib.suppress(TracekitError):
                recordings[row.case_name] = Recording.from_store(store, row.trace_id)
    return Baseline(experiment.experiment_id, runs, recordings, experiment.experiment_id)


def _case_of_file(path: Path) -> str:
    name = path.name
    for suffix in _TRACE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def from_recorded(
    folder: Path, suite: Suite, grade: Callable[[CaseResult, int], CaseRun]
) -> Baseline:
    """The baseline of a folder of trace files, one per case; each recorded run is graded
    with the suite's graders. Raises ConfigError for a missing or empty folder."""
    if not folder.is_dir():
        raise ConfigError(f"--baseline recorded:{folder}: no such folder")
    files = {
        _case_of_file(p): p
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name.endswith(_TRACE_SUFFIXES)
    }
    runs: dict[str, list[CaseRun]] = {}
    recordings: dict[str, Recording] = {}
    for position, case in enumerate(suite.cases):
        path = files.get(case.name)
        if path is None:
            continue
        try:
            recording = Recording.from_file(path)
        except TracekitError as exc:
            raise ConfigError(f"--baseline recorded:{folder}: {exc}") from None
        root = recording.trajectory.root
        totals = recording.trajectory.totals()
        output: Any = recording.output
        result = CaseResult(
            case=case,
            repeat=0,
            status=recording.status,
            output=output,
            output_json=json_ready(output),
            trace_id=recording.trace_id,
            steps=int(totals["steps"]),
            input_tokens=int(totals["input_tokens"]),
            output_tokens=int(totals["output_tokens"]),
            cost_usd=float(totals["cost_usd"]),
            latency_s=(root.end_ns - root.start_ns) / 1e9 if root is not None else 0.0,
            stop_reason=recording.stop_reason,
            tools_called=tools_called(recording.trajectory),
            trajectory=recording.trajectory,
        )
        runs[case.name] = [grade(result, position)]
        recordings[case.name] = recording
    if not runs:
        raise ConfigError(
            f"--baseline recorded:{folder}: no trace file named after a case "
            f"(expected e.g. {folder}/{suite.cases[0].name}.jsonl)"
        )
    return Baseline(f"{_RECORDED}{folder}", runs, recordings)


def load_baseline(
    reference: str,
    store: Path,
    suite: Suite,
    grade: Callable[[CaseResult, int], CaseRun],
) -> Baseline:
    """The baseline ``--baseline`` names."""
    if reference.startswith(_RECORDED):
        return from_recorded(Path(reference[len(_RECORDED) :]), suite, grade)
    return from_experiment(store, reference, suite)
