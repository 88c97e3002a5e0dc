"""Build a divergence report from a recording and another trajectory of the same workflow.

The replay engine uses it for a re-run; ``tracekit diff`` uses it for two recorded traces.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from replay.compare import compare, summarize
from replay.player import ToolArgsMode, TrajectoryMode
from replay.recording import Recording
from replay.report import Divergence, DivergenceReport, FieldChange, StepView, Totals, report_step
from replay.trajectory import AlignedStep, Trajectory, diff_requests, similarity


def build_report(
    recording: Recording,
    replayed: Trajectory,
    *,
    mode: TrajectoryMode = "strict",
    tool_args: ToolArgsMode = "exact",
    status: str = "ok",
    error: str | None = None,
    output_matches: bool = True,
    unmatched: Sequence[str] = (),
) -> DivergenceReport:
    """Align ``replayed`` with the recording and say whether (and where) they diverge."""
    recorded_steps = recording.trajectory.steps
    aligned, divergent = compare(recorded_steps, replayed.steps, mode=mode, tool_args=tool_args)
    matched = not divergent and not unmatched and status == recording.status
    if mode == "strict":
        matched = matched and output_matches
    divergent_set = set(divergent)
    first = (
        _first_divergence(divergent[0], aligned[divergent[0]], recorded_steps)
        if divergent
        else None
    )
    return DivergenceReport(
        source=recording.source,
        trace_id=recording.trace_id,
        workflow=recording.workflow_name,
        mode=mode,
        tool_args=tool_args,
        matched=matched,
        divergences=len(divergent),
        first=first,
        steps=[report_step(i, a, i in divergent_set) for i, a in enumerate(aligned)],
        unmatched_calls=list(unmatched),
        recorded=Totals(**recording.trajectory.totals()),
        replayed=Totals(**replayed.totals()),
        run_status=status,
        recorded_status=recording.status,
        run_error=error if status == "error" else None,
        output_matches=output_matches,
    )


def diff_recordings(
    recorded: Recording,
    other: Recording,
    *,
    mode: TrajectoryMode = "strict",
    tool_args: ToolArgsMode = "exact",
) -> DivergenceReport:
    """Two recorded runs aligned step by step (``other`` in the "replayed" column)."""
    report = build_report(
        recorded,
        other.trajectory,
        mode=mode,
        tool_args=tool_args,
        status=other.status,
        output_matches=other.output == recorded.output,
    )
    return report.model_copy(update={"kind": "diff", "other_trace_id": other.trace_id})


def _first_divergence(
    position: int, aligned: AlignedStep, recorded_steps: Sequence[Any]
) -> Divergence:
    step = aligned.step
    nearest = None
    nearest_changes: list[FieldChange] = []
    replayed = aligned.replayed
    if replayed is not None and aligned.status in ("extra", "moved"):
        candidates = [s for s in recorded_steps if s.kind == step.kind]
        if candidates:
            best = max(candidates, key=lambda s: similarity(s, replayed))
            nearest = StepView.of(best)
            nearest_changes = [
                FieldChange(field=d.field, recorded=d.recorded, replayed=d.replayed)
                for d in diff_requests(best, replayed)
            ]
    return Divergence(
        position=position,
        status=aligned.status,
        agent=step.agent,
        agent_path=step.agent_path,
        kind=step.kind,
        sequence=step.sequence,
        index=step.index,
        summary=summarize(aligned),
        changes=[
            FieldChange(field=d.field, recorded=d.recorded, replayed=d.replayed)
            for d in aligned.diffs
        ],
        nearest=nearest,
        nearest_changes=nearest_changes,
    )
