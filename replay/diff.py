"""Build a divergence report from a recording and another trajectory of the same workflow.

The replay engine uses it for a re-run; ``tracekit diff`` uses it for two recorded traces.
Besides the aligned steps it compares the run as a whole, from the two workflow spans: the
input (when the replay was given one), the output, the status and stop reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from replay.canonical import normalize
from replay.changes import FieldChange, named_items, value_changes
from replay.compare import compare, summarize
from replay.marks import trajectory_marks
from replay.player import ToolArgsMode, TrajectoryMode
from replay.recording import Recording
from replay.report import (
    Divergence,
    DivergenceReport,
    RunOutcome,
    StepView,
    Totals,
    report_step,
)
from replay.trajectory import AlignedStep, FieldDiff, Step, Trajectory, diff_requests, similarity
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
    check_input: bool = False,
    divergences: Sequence[Divergence] = (),
) -> DivergenceReport:
    """Align ``replayed`` with the recording and say whether (and where) they diverge.

    ``check_input`` compares the workflow inputs too (the replay was given an input of its
    own); ``divergences`` are more of them found elsewhere, reported as they are.
    """
    recorded_steps = recording.trajectory.steps
    aligned, divergent = compare(recorded_steps, replayed.steps, mode=mode, tool_args=tool_args)
    marks = (trajectory_marks(recorded_steps), trajectory_marks(replayed.steps))
    run_level = _run_divergences(recording.trajectory.root, replayed.root, check_input=check_input)
    if not output_matches and not any(d.category == "output changed" for d in run_level):
        run_level.append(
            Divergence(
                position=-1,
                category="output changed",
                summary="the workflow's output differs from the recorded one",
            )
        )
    if mode != "strict":
        run_level = [d for d in run_level if d.category != "output changed"]
    run_level.extend(divergences)
    matched = not divergent and not unmatched and status == recording.status and not run_level
    divergent_set = set(divergent)
    changes = [_changes(a) for a in aligned]
    first = (
        _first_divergence(
            divergent[0], aligned[divergent[0]], changes[divergent[0]], recorded_steps
        )
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
        divergences=len(divergent) + len(run_level),
        first=first,
        run_divergences=run_level,
        steps=[
            report_step(i, a, i in divergent_set, marks, changes[i]) for i, a in enumerate(aligned)
        ],
        unmatched_calls=list(unmatched),
        recorded=Totals(**recording.trajectory.totals()),
        replayed=Totals(**replayed.totals()),
        run_status=status,
        recorded_status=recording.status,
        run_error=error if status == "error" else None,
        output_matches=output_matches
        and not any(d.category == "output changed" for d in run_level),
        recorded_outcome=_outcome(recording.trajectory, recording.status),
        replayed_outcome=_outcome(replayed, status),
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
        check_input=True,
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
        if named_items(old) is not None and named_items(new) is not None:
            if top not in regrouped:
                regrouped.add(top)
                out.extend(value_changes(top, old, new))
            continue
        out.append(_change(diff))
    return out


def _change(diff: FieldDiff) -> FieldChange:
    return FieldChange(field=diff.field, recorded=diff.recorded, replayed=diff.replayed)


def _root_value(root: OtlpSpan | None, key: str) -> Any:
    if root is None:
        return None
    return normalize(parse_json(root.attributes.get(key)))


def _run_divergences(
    recorded: OtlpSpan | None, replayed: OtlpSpan | None, *, check_input: bool
) -> list[Divergence]:
    found: list[Divergence] = []
    if recorded is None or replayed is None:
        return found
    checks = [(sc.TRACEKIT_WORKFLOW_OUTPUT, "output", "output changed")]
    if check_input:
        checks.insert(0, (sc.TRACEKIT_WORKFLOW_INPUT, "input", "input changed"))
    for key, field, category in checks:
        if key not in recorded.attributes and key not in replayed.attributes:
            continue
        changes = value_changes(field, _root_value(recorded, key), _root_value(replayed, key))
        if changes:
            found.append(
                Divergence(
                    position=-1,
                    category=category,
                    summary=f"the workflow's {field} differs from the recorded one",
                    changes=changes,
                )
            )
    stop = (
        recorded.attributes.get(sc.TRACEKIT_WORKFLOW_STOP_REASON),
        replayed.attributes.get(sc.TRACEKIT_WORKFLOW_STOP_REASON),
    )
    if stop[0] != stop[1]:
        found.append(
            Divergence(
                position=-1,
                category="stop reason changed",
                summary=f"the run stopped for {stop[1] or 'no reason'}, "
                f"recorded {stop[0] or 'no stop'}",
                changes=[FieldChange(field="stop_reason", recorded=stop[0], replayed=stop[1])],
            )
        )
    return found


def _outcome(trajectory: Trajectory, status: str) -> RunOutcome:
    root = trajectory.root
    reason = root.attributes.get(sc.TRACEKIT_WORKFLOW_STOP_REASON) if root is not None else None
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
    call_site = step.request.get("call_site") if step.kind == "agent" else None
    return Divergence(
        position=position,
        status=aligned.status,
        category=aligned.status,
        agent=step.agent,
        agent_path=step.agent_path,
        kind=step.kind,
        key=step.key,
        sequence=step.sequence,
        index=step.index,
        summary=summarize(aligned),
        changes=changes,
        nearest=nearest,
        nearest_changes=nearest_changes,
        call_site=call_site if isinstance(call_site, str) else None,
    )
