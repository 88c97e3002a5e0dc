"""Build a divergence report from a recording and another trajectory of the same workflow.

The replay engine uses it for a re-run; ``tracekit diff`` uses it for two recorded traces.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from replay.canonical import mask
from replay.compare import compare, divergence_kind, summarize
from replay.player import ToolArgsMode, TrajectoryMode
from replay.recording import Recording
from replay.report import Divergence, DivergenceReport, FieldChange, StepView, Totals, report_step
from replay.trajectory import (
    AlignedStep,
    FieldDiff,
    Step,
    Trajectory,
    diff_requests,
    diff_value,
    root_state_changes,
    similarity,
)


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
    ignore: Sequence[re.Pattern[str]] = (),
    stop_reason: str | None = None,
) -> DivergenceReport:
    """Align ``replayed`` with the recording and say whether (and where) they diverge.

    ``ignore`` masks are applied to both sides' requests and decisions before comparing.
    """
    recorded_steps = [_masked(s, ignore) for s in recording.trajectory.steps]
    replayed_steps = [_masked(s, ignore) for s in replayed.steps]
    aligned, divergent = compare(recorded_steps, replayed_steps, mode=mode, tool_args=tool_args)
    state_diffs: list[FieldDiff] = []
    diff_value(
        "state",
        mask(root_state_changes(recording.trajectory.root), ignore),
        mask(root_state_changes(replayed.root), ignore),
        state_diffs,
        "state",
    )
    matched = not divergent and not unmatched and status == recording.status
    matched = matched and not state_diffs and stop_reason == recording.stop_reason
    if mode == "strict":
        matched = matched and output_matches
    divergent_set = set(divergent)
    first_position = _cause(aligned, divergent)
    first = (
        _first_divergence(first_position, aligned[first_position], recorded_steps)
        if first_position is not None
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
        steps=[
            report_step(i, a, i in divergent_set, divergence_kind(a)) for i, a in enumerate(aligned)
        ],
        unmatched_calls=list(unmatched),
        recorded=Totals(**recording.trajectory.totals()),
        replayed=Totals(**replayed.totals()),
        run_status=status,
        recorded_status=recording.status,
        run_error=error if status == "error" else None,
        output_matches=output_matches,
        ignore=[p.pattern for p in ignore],
        notes=_notes(replayed_steps),
        state_changes=[
            FieldChange(field=d.field, recorded=d.recorded, replayed=d.replayed, kind=d.kind)
            for d in state_diffs
        ],
        stop_reason=stop_reason,
        recorded_stop_reason=recording.stop_reason,
    )


def _cause(aligned: Sequence[AlignedStep], divergent: Sequence[int]) -> int | None:
    """The divergence to name first: the first one, except that an agent call's changed
    state writes are known only when it ends, so a divergence inside that call (a tool
    result that changed what was written) is named instead."""
    if not divergent:
        return None
    position = divergent[0]
    while divergence_kind(aligned[position]) == "state":
        prefix = aligned[position].step.key + "/"
        inner = next(
            (i for i in divergent if i > position and aligned[i].step.key.startswith(prefix)),
            None,
        )
        if inner is None:
            break
        position = inner
    return position


def _masked(step: Step, ignore: Sequence[re.Pattern[str]]) -> Step:
    if not ignore:
        return step
    return dataclasses.replace(
        step, request=mask(step.request, ignore), answer=mask(step.answer, ignore)
    )


def _notes(replayed: Sequence[Step]) -> list[str]:
    notes: list[str] = []
    for step in replayed:
        source = step.answer.get("approval_source") if step.kind == "tool" else None
        if source == "recording":
            verdict = "approved" if step.answer.get("approved") else "denied"
            notes.append(
                f"{step.label}: the workflow's approver is interactive; replay used the "
                f"recorded decision ({verdict})"
            )
        elif source == "replay":
            notes.append(
                f"{step.label}: the workflow's approver is interactive and nothing was "
                "recorded; replay denied, as an unattended run would"
            )
    return notes


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
        stop_reason=other.stop_reason,
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
        call_site=step.hints.get("call_site"),
        divergence_kind=divergence_kind(aligned),
        changes=[
            FieldChange(field=d.field, recorded=d.recorded, replayed=d.replayed, kind=d.kind)
            for d in aligned.diffs
        ],
        nearest=nearest,
        nearest_changes=nearest_changes,
    )
