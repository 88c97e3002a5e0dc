"""What the divergence report marks on a step: retries, failed calls, fallbacks, breaker decisions,
cache hits, approvals, live tools, failed checks and guardrail stops, read from the step's span.

Marks are short words (``retry 1``, ``failed``, ``fallback → writer``, ``breaker open``,
``cache hit``, ``denied``) shown beside a step in the aligned table and carried in the JSON
report. The decisions are the attributes and events the orchestrator records
(:mod:`tracekit.semconv`: ``TRACEKIT_CIRCUIT_STATE``, ``TRACEKIT_CACHE_HIT``, ``EVENT_APPROVAL``
…). Span events tracekit does not know by name still show, by their name without the
``tracekit.`` prefix, so a new kind of recorded event is marked without a change here.

>>> from replay.marks import trajectory_marks
>>> trajectory_marks([])
{}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from replay.trajectory import Step
from tracekit import semconv as sc

#: Events shown another way: state changes are compared on their own, a retry marks the next
#: model call, an OTel exception event is the step's failure.
_UNMARKED = frozenset({sc.EVENT_STATE_CHANGED, sc.EVENT_RETRY, "exception"})
#: What a breaker's recorded state (at the call's start) is marked as; closed is the usual case.
_BREAKER_MARKS = {"open": "breaker open", "half_open": "breaker half-open"}


def trajectory_marks(steps: Sequence[Step]) -> dict[str, list[str]]:
    """The marks of each step of a trajectory, by span id (steps without marks are left out)."""
    marks: dict[str, list[str]] = {}
    failed_attempts: dict[tuple[str, int], int] = {}
    for step in steps:
        found = _span_marks(step)
        if step.kind == "llm":
            call = (step.agent_path, step.sequence)
            retries = failed_attempts.get(call, 0)
            if retries:
                found.insert(0, f"retry {retries}")
            failed_attempts[call] = retries + 1 if step.status == "ERROR" else 0
        if step.status == "ERROR":
            found.append(_failure(step))
        if found:
            # An open breaker is both a recorded state and an event: marked once.
            marks[step.span_id] = list(dict.fromkeys(found))
    return marks


def _failure(step: Step) -> str:
    error_type = step.answer.get("error_type") or (
        step.span.attributes.get(sc.ERROR_TYPE) if step.span is not None else None
    )
    short = str(error_type).rsplit(".", 1)[-1] if error_type else ""
    return f"failed ({short})" if short else "failed"


def _span_marks(step: Step) -> list[str]:
    span = step.span
    if span is None:
        return []
    found: list[str] = []
    for event in span.events:
        if event.name in _UNMARKED:
            continue
        found.append(_event_mark(event.name, event.attributes))
    attrs = span.attributes
    breaker = _BREAKER_MARKS.get(str(attrs.get(sc.TRACEKIT_CIRCUIT_STATE)))
    if breaker is not None:
        found.insert(0, breaker)
    if attrs.get(sc.TRACEKIT_CACHE_HIT) is True:
        found.append("cache hit")
    if attrs.get(sc.TRACEKIT_TOOL_LIVE) is True:
        found.append("live")
    return found


def _event_mark(name: str, attributes: dict[str, Any]) -> str:
    if name == sc.EVENT_FALLBACK:
        return f"fallback → {attributes.get(sc.EVENT_FALLBACK_TO, '?')}"
    if name == sc.EVENT_CIRCUIT_OPEN:
        return "breaker open"
    if name == sc.EVENT_APPROVAL:
        decision = str(attributes.get(sc.EVENT_APPROVAL_DECISION) or "approval")
        # Replay could not ask an interactive approver: the decision is the recording's.
        if attributes.get(sc.EVENT_APPROVAL_SOURCE) == "recording":
            return f"{decision} (recorded)"
        return decision
    if name == sc.EVENT_LIMIT_EXCEEDED:
        return f"limit {attributes.get(sc.EVENT_LIMIT_NAME, '?')}"
    if name == sc.EVENT_LOOP_DETECTED:
        return "loop"
    if name == sc.EVENT_CHECK:
        check = attributes.get(sc.EVENT_CHECK_NAME, "?")
        return f"check {check} failed → {attributes.get(sc.EVENT_CHECK_ACTION, '?')}"
    return name.removeprefix("tracekit.")
