"""Does a replayed trajectory match the recorded one, under a trajectory and tool-argument mode?

``strict``: the same steps in the same order with the same requests. The looser modes pin
only the shape — the agents handed to and the tools called:

- ``unordered``: the same handoffs and tool calls, in any order;
- ``subset``: every handoff and tool call of the replay was recorded (it may do less);
- ``superset``: every recorded handoff and tool call happens again (it may do more).

Tool arguments compare ``exact``-ly, are ignored (``ignore``), or must be a ``subset`` of the
recorded ones (every argument the replay passes has the recorded value).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from replay.canonical import same_value
from replay.modes import ToolArgsMode, TrajectoryMode
from replay.trajectory import AlignedStep, FieldDiff, Step, align

_ARGUMENTS = "arguments"


def compare(
    recorded: Sequence[Step],
    replayed: Sequence[Step],
    *,
    mode: TrajectoryMode = "strict",
    tool_args: ToolArgsMode = "exact",
) -> tuple[list[AlignedStep], list[int]]:
    """Align the trajectories; return the alignment and the positions that diverge."""
    aligned = [_apply_tool_args(a, tool_args) for a in align(recorded, replayed)]
    return aligned, divergent_positions(aligned, mode=mode, tool_args=tool_args)


def divergent_positions(
    aligned: Sequence[AlignedStep],
    *,
    mode: TrajectoryMode = "strict",
    tool_args: ToolArgsMode = "exact",
) -> list[int]:
    """The positions of an alignment (from :func:`compare`, or :func:`align` when tool
    arguments compare ``exact``-ly) that diverge under ``mode``: one alignment can be judged
    under several modes without aligning again."""
    aligned = list(aligned)
    if mode == "strict":
        return [i for i, a in enumerate(aligned) if a.status != "same"]
    # Decisions (approvals, state, tool results, signatures, stops) count in every mode.
    decided = {
        i
        for i, a in enumerate(aligned)
        if a.status == "changed" and any(d.kind != "request" for d in a.diffs)
    }
    return sorted(decided | set(_shape_divergences(aligned, mode, tool_args)))


def _apply_tool_args(aligned: AlignedStep, tool_args: ToolArgsMode) -> AlignedStep:
    if aligned.status != "changed" or aligned.step.kind != "tool" or tool_args == "exact":
        return aligned
    kept = tuple(
        d
        for d in aligned.diffs
        if d.kind != "request"
        or not d.field.startswith(_ARGUMENTS)
        or (tool_args == "subset" and not _arguments_ok(aligned, tool_args))
    )
    if kept == aligned.diffs:
        return aligned
    return AlignedStep("changed" if kept else "same", aligned.recorded, aligned.replayed, kept)


def _arguments_ok(aligned: AlignedStep, tool_args: ToolArgsMode) -> bool:
    assert aligned.recorded is not None and aligned.replayed is not None
    return arguments_match(
        aligned.recorded.request.get(_ARGUMENTS),
        aligned.replayed.request.get(_ARGUMENTS),
        tool_args,
    )


def arguments_match(recorded: Any, replayed: Any, tool_args: ToolArgsMode) -> bool:
    """Whether replayed tool arguments match the recorded ones under ``tool_args``."""
    if tool_args == "ignore":
        return True
    if tool_args == "subset" and isinstance(recorded, dict) and isinstance(replayed, dict):
        return all(
            key in recorded and same_value(recorded[key], value) for key, value in replayed.items()
        )
    return same_value(recorded, replayed)


def _action(step: Step) -> tuple[str, str]:
    return (step.kind, step.name if step.kind == "tool" else step.agent_path)


def _shape_divergences(
    aligned: list[AlignedStep], mode: TrajectoryMode, tool_args: ToolArgsMode
) -> list[int]:
    """Positions of handoffs and tool calls that break the mode's multiset relation."""
    recorded = [(i, a.recorded) for i, a in enumerate(aligned) if a.recorded is not None]
    replayed = [(i, a.replayed) for i, a in enumerate(aligned) if a.replayed is not None]
    recorded_actions = [(i, s) for i, s in recorded if s.kind != "llm"]
    replayed_actions = [(i, s) for i, s in replayed if s.kind != "llm"]
    unmatched_recorded = list(recorded_actions)
    unmatched_replayed: list[int] = []
    for position, step in replayed_actions:
        match = next(
            (
                k
                for k, (_, candidate) in enumerate(unmatched_recorded)
                if _action(candidate) == _action(step)
                and (
                    step.kind != "tool"
                    or arguments_match(
                        candidate.request.get(_ARGUMENTS), step.request.get(_ARGUMENTS), tool_args
                    )
                )
            ),
            None,
        )
        if match is None:
            unmatched_replayed.append(position)
        else:
            unmatched_recorded.pop(match)
    divergent: set[int] = set()
    if mode in ("unordered", "subset"):
        divergent.update(unmatched_replayed)
    if mode in ("unordered", "superset"):
        divergent.update(position for position, _ in unmatched_recorded)
    return sorted(divergent)


def summarize(aligned: AlignedStep) -> str:
    """One line saying how a divergent step differs."""
    step = aligned.step
    if aligned.status == "missing":
        return f"{step.label} was recorded but did not happen"
    if aligned.status == "extra":
        return f"{step.label} happened but was not recorded"
    if aligned.status == "moved":
        return f"{step.label} happened in a different order than recorded"
    fields = sorted({_top_field(d) for d in aligned.diffs if d.kind == "request"})
    parts = [f"{', '.join(fields)} changed"] if fields else []
    parts.extend(dict.fromkeys(_decision(d) for d in aligned.diffs if d.kind != "request"))
    return f"{step.label}: {'; '.join(parts) or 'request changed'}"


def divergence_kind(aligned: AlignedStep) -> str:
    """What a divergent step is about: ``missing``/``extra``/``moved``, ``request``, or the
    decision that differs (``approval``, ``state``, ``tool_result``, ``tool_arguments``,
    ``stop``, ``check``)."""
    if aligned.status != "changed":
        return aligned.status
    kinds = [d.kind for d in aligned.diffs]
    return "request" if "request" in kinds or not kinds else kinds[0]


#: How the report names a divergence of each kind (its category); the alignment statuses
#: (missing, extra, moved) name themselves.
_CATEGORIES = {
    "request": "changed",
    "approval": "approval",
    "state": "state",
    "tool_result": "tool result changed",
    "tool_arguments": "tool signature changed",
    "stop": "stop reason changed",
    "check": "check outcome changed",
    "input": "input changed",
    "output": "output changed",
}


def divergence_category(kind: str) -> str:
    """The report's name for a divergence of ``kind`` (``tool_result``: ``tool result
    changed``; ``request``: ``changed``)."""
    return _CATEGORIES.get(kind, kind)


def _decision(diff: FieldDiff) -> str:
    if diff.kind == "approval":
        if diff.recorded is None:
            return f"approval gate added (now {_verdict(diff.replayed)})"
        if diff.replayed is None:
            return f"approval gate removed (recorded {_verdict(diff.recorded)})"
        was, now = _verdict(diff.recorded), _verdict(diff.replayed)
        return f"approval flipped: recorded {was}, now {now}"
    return {
        "state": "state changes differ",
        "tool_result": "tool result changed",
        "tool_arguments": "the recorded arguments no longer fit the tool's signature",
        "stop": "stop reason changed",
        "check": _check_change(diff),
    }[diff.kind]


def _check_change(diff: FieldDiff) -> str:
    """``check long_enough failed 2 times (recorded: 1)``: per check, its failures then and now."""
    was = Counter(_check_names(diff.recorded))
    now = Counter(_check_names(diff.replayed))
    changed = [
        f"check {name} failed {now[name]} times (recorded: {was[name]})"
        for name in sorted(set(was) | set(now))
        if was[name] != now[name]
    ]
    return "; ".join(changed) or "check reasons differ"


def _check_names(checks: Any) -> list[str]:
    if not isinstance(checks, list):
        return []
    return [str(c[0]) for c in checks if isinstance(c, list) and c]


def _verdict(approved: Any) -> str:
    return "approved" if approved else "denied"


def _top_field(diff: FieldDiff) -> str:
    name = diff.field.split(".", 1)[0].split("[", 1)[0]
    return {"system": "system prompt", "tools": "tool definitions"}.get(name, name)
