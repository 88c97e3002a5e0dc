"""Build a divergence report from a recording and another trajectory of the same workflow.

The replay engine uses it for a re-run; ``tracekit diff`` uses it for two recorded traces.
Besides the aligned steps it compares the run as a whole, from the two workflow spans: the
input (when the replay was given one), the shared-state changes, the output, the status and
the stop reason. Masks (``ignore=``) apply before every comparison.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from typing import Any

from replay.canonical import mask, normalize
from replay.changes import FieldChange, named_items, value_changes
from replay.compare import (
    compare,
    divergence_category,
    divergence_kind,
    divergent_positions,
    summarize,
)
from replay.marks import trajectory_marks
from replay.modes import ToolArgsMode, TrajectoryMode
from replay.recording import Recording
from replay.report import (
    Divergence,
    DivergenceReport,
    RunOutcome,
    StepView,
    Totals,
    report_step_fields,
    report_steps,
)
from replay.trajectory import (
    AlignedStep,
    FieldDiff,
    Step,
    Trajectory,
    diff_requests,
    root_state_changes,
    similarity,
)
from tracekit import semconv as sc
from tracekit.otlp import OtlpSpan
from tracekit.otlp.values import parse_json


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
    check_input: bool = False,
    divergences: Sequence[Divergence] = (),
    aligned: Sequence[AlignedStep] | None = None,
) -> DivergenceReport:
    """Align ``replayed`` with the recording and say whether (and where) they diverge.

    ``ignore`` masks are applied to both sides' requests, decisions, inputs, outputs and
    state before comparing. ``stop_reason`` is why the replayed run stopped (default: what its
    workflow span says). ``check_input`` compares the workflow inputs too (the replay was given
    an input of its own); ``divergences`` are more of them found elsewhere, reported as they
    are. ``aligned`` is the two trajectories' steps as :func:`~replay.trajectory.align`
    already paired them, which saves aligning again; it is used only when nothing is masked
    and tool arguments compare ``exact``-ly (else the steps are aligned here).
    """
    recorded_steps = [_masked(s, ignore) for s in recording.trajectory.steps]
    replayed_steps = [_masked(s, ignore) for s in replayed.steps]
    if aligned is not None and not ignore and tool_args == "exact":
        aligned = list(aligned)
        divergent = divergent_positions(aligned, mode=mode, tool_args=tool_args)
    else:
        aligned, divergent = compare(recorded_steps, replayed_steps, mode=mode, tool_args=tool_args)
    marks = (trajectory_marks(recorded_steps), trajectory_marks(replayed_steps))
    recorded_outcome = _outcome(recording.trajectory, recording.status)
    replayed_outcome = _outcome(replayed, status, stop_reason)
    # A step's state or stop divergence already says where the run's state or stop changed.
    named: set[str] = {d.kind for i in divergent for d in aligned[i].diffs}
    run_level = _run_divergences(
        recording.trajectory.root,
        replayed.root,
        (recorded_outcome.stop_reason, replayed_outcome.stop_reason),
        check_input=check_input,
        ignore=ignore,
        skip=named & {"state", "stop"},
    )
    if not output_matches and not any(d.divergence_kind == "output" for d in run_level):
        run_level.append(_run_divergence("output", _RUN_SUMMARIES["output"]))
    if mode != "strict":
        run_level = [d for d in run_level if d.divergence_kind != "output"]
    run_level.extend(divergences)
    matched = not divergent and not unmatched and status == recording.status and not run_level
    divergent_set = set(divergent)
    changes = [_changes(a) for a in aligned]
    first_position = _cause(aligned, divergent)
    first = (
        _first_divergence(
            first_position, aligned[first_position], changes[first_position], recorded_steps
        )
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
        divergences=len(divergent) + len(run_level),
        first=first,
        run_divergences=run_level,
        steps=report_steps(
            [
                report_step_fields(i, a, i in divergent_set, marks, changes[i], divergence_kind(a))
                for i, a in enumerate(aligned)
            ]
        ),
        unmatched_calls=list(unmatched),
        recorded=Totals(**recording.trajectory.totals()),
        replayed=Totals(**replayed.totals()),
        run_status=status,
        recorded_status=recording.status,
        run_error=error if status == "error" else None,
        output_matches=output_matches and not any(d.divergence_kind == "output" for d in run_level),
        recorded_outcome=recorded_outcome,
        replayed_outcome=replayed_outcome,
        ignore=[p.pattern for p in ignore],
        notes=_notes(replayed_steps),
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
    aligned: Sequence[AlignedStep] | None = None,
) -> DivergenceReport:
    """Two recorded runs aligned step by step (``other`` in the "replayed" column);
    ``aligned``: their steps already aligned (see :func:`build_report`)."""
    report = build_report(
        recorded,
        other.trajectory,
        mode=mode,
        tool_args=tool_args,
        status=other.status,
        check_input=True,
        stop_reason=other.stop_reason,
        aligned=aligned,
    )
    return report.model_copy(update={"kind": "diff", "other_trace_id": other.trace_id})


def _changes(aligned: AlignedStep) -> list[FieldChange]:
    """The step's field diff, with lists of named items (tool definitions) compared by name."""
    if aligned.recorded is None or aligned.replayed is None:
        return [_change(d) for d in aligned.diffs]
    return _request_changes(aligned.diffs, aligned.recorded, aligned.replayed)


def _request_changes(
    diffs: Sequence[FieldDiff], recorded: Step, replayed: Step
) -> list[FieldChange]:
    out: list[FieldChange] = []
    regrouped: set[str] = set()
    for diff in diffs:
        top = diff.field.split(".", 1)[0].split("[", 1)[0]
        old, new = recorded.request.get(top), replayed.request.get(top)
        if diff.kind == "request" and named_items(old) is not None and named_items(new) is not None:
            if top not in regrouped:
                regrouped.add(top)
                out.extend(value_changes(top, old, new))
            continue
        out.append(_change(diff))
    return out


def _change(diff: FieldDiff) -> FieldChange:
    return FieldChange(
        field=diff.field, recorded=diff.recorded, replayed=diff.replayed, kind=diff.kind
    )


def _root_value(root: OtlpSpan | None, key: str) -> Any:
    if root is None:
        return None
    return normalize(parse_json(root.attributes.get(key)))


def _run_divergence(kind: str, summary: str, changes: Sequence[FieldChange] = ()) -> Divergence:
    return Divergence(
        position=-1,
        category=divergence_category(kind),
        divergence_kind=kind,
        summary=summary,
        changes=list(changes),
    )


#: What a run-level divergence of each kind says.
_RUN_SUMMARIES = {
    "input": "the workflow's input differs from the recorded one",
    "state": "the run's shared-state changes differ from the recorded ones",
    "output": "the workflow's output differs from the recorded one",
}


def _run_divergences(
    recorded: OtlpSpan | None,
    replayed: OtlpSpan | None,
    stop: tuple[str | None, str | None],
    *,
    check_input: bool,
    ignore: Sequence[re.Pattern[str]],
    skip: set[str],
) -> list[Divergence]:
    """The run as a whole, from the two workflow spans: input, state, output, stop reason
    (in that order: each can explain the next). Kinds in ``skip`` are left out."""
    found: list[Divergence] = []
    if recorded is None or replayed is None:
        return found
    # Each side is read only when compared (the input mostly is not).
    compared: dict[str, Callable[[OtlpSpan], Any]] = {
        "input": lambda root: _root_value(root, sc.TRACEKIT_WORKFLOW_INPUT),
        "state": root_state_changes,
        "output": lambda root: _root_value(root, sc.TRACEKIT_WORKFLOW_OUTPUT),
    }
    if not check_input:
        skip = skip | {"input"}
    for kind, read in compared.items():
        if kind in skip:
            continue
        old, new = read(recorded), read(replayed)
        changes = value_changes(kind, mask(old, ignore), mask(new, ignore), kind)
        if changes:
            found.append(_run_divergence(kind, _RUN_SUMMARIES[kind], changes))
    if stop[0] != stop[1] and "stop" not in skip:
        found.append(
            _run_divergence(
                "stop",
                f"the run stopped for {stop[1] or 'no reason'}, recorded {stop[0] or 'no stop'}",
                [FieldChange(field="stop_reason", recorded=stop[0], replayed=stop[1], kind="stop")],
            )
        )
    return found


def _outcome(trajectory: Trajectory, status: str, stop_reason: str | None = None) -> RunOutcome:
    """How the run ended; ``stop_reason`` (the run's own word) over what its span says."""
    root = trajectory.root
    reason = root.attributes.get(sc.TRACEKIT_WORKFLOW_STOP_REASON) if root is not None else None
    if stop_reason is not None:
        reason = stop_reason
    limits: list[str] = []
    spans = [s.span for s in trajectory.steps if s.span is not None]
    if root is not None:
        spans.insert(0, root)
    for span in spans:
        for event in span.events:
            if event.name in (sc.EVENT_LIMIT_EXCEEDED, sc.EVENT_LOOP_DETECTED):
                attrs = event.attributes
                name = attrs.get(sc.EVENT_LIMIT_NAME, "loop")
                limits.append(
                    f"{name} {attrs.get(sc.EVENT_LIMIT_OBSERVED, '?')} > "
                    f"{attrs.get(sc.EVENT_LIMIT_VALUE, '?')}"
                )
    return RunOutcome(
        status=status, stop_reason=reason if isinstance(reason, str) else None, limits=limits
    )


def _hint(step: Step, name: str) -> str | None:
    value = step.hints.get(name) if step.kind == "agent" else None
    return value if isinstance(value, str) else None


def _first_divergence(
    position: int,
    aligned: AlignedStep,
    changes: list[FieldChange],
    recorded_steps: Sequence[Any],
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
            nearest_changes = _request_changes(diff_requests(best, replayed), best, replayed)
    kind = divergence_kind(aligned)
    return Divergence(
        position=position,
        status=aligned.status,
        category=divergence_category(kind),
        agent=step.agent,
        agent_path=step.agent_path,
        kind=step.kind,
        key=step.key,
        sequence=step.sequence,
        index=step.index,
        summary=summarize(aligned),
        call_site=_hint(step, "call_site"),
        divergence_kind=kind,
        changes=changes,
        nearest=nearest,
        nearest_changes=nearest_changes,
    )
