"""A run's trajectory: its agent calls, model calls and tool calls as one ordered list of steps.

The order is deterministic even when agents ran in parallel: the span tree is walked depth
first, siblings in start order, except that calls of one agent from one call site (a fan-out)
are ordered by their per-agent sequence number, which follows payload order, not thread timing.

Each step has a *key* that says where it sits in the trajectory — ``planner#0`` for the first
call of the agent at path ``planner``, ``planner#0/llm[1]`` for that call's second model call,
``planner#0/tool[0]`` for its first tool call — and the *request* fields a replay compares.
The TUI's diff screen and the replay engine's divergence report both align trajectories with
:func:`align`.
"""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from replay.canonical import canonical_json, canonical_messages, normalize
from tracekit import semconv as sc
from tracekit.otlp import OtlpSpan
from tracekit.otlp.values import float_value, int_value, parse_json

StepKind = Literal["agent", "llm", "tool"]
StepStatus = Literal["same", "changed", "missing", "extra", "moved"]

_TOOL_ERROR_PREFIX = "tool {!r} failed: "


@dataclass(frozen=True)
class Step:
    """One agent call, model call or tool call of a run."""

    kind: StepKind
    key: str
    agent_path: str
    sequence: int
    """The agent call's number among the calls of the agent at ``agent_path``."""
    index: int
    """The model or tool call's number within its agent call (-1 for an agent call)."""
    name: str
    """Agent name, model name or tool name."""
    request: dict[str, Any]
    """What the step was asked: the fields a replay compares."""
    answer: dict[str, Any]
    """What it answered: output messages, tool result, error."""
    span_id: str
    status: str
    depth: int
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    duration_ms: float = 0.0
    span: OtlpSpan | None = field(default=None, compare=False, repr=False)
    """The span the step was read from (the report reads its events: retries, fallbacks)."""

    @property
    def agent(self) -> str:
        """The agent's name (last part of its path)."""
        return self.agent_path.rsplit("/", 1)[-1]

    @property
    def label(self) -> str:
        """A short human name: ``agent planner #0``, ``llm call 1 of planner #0``."""
        if self.kind == "agent":
            return f"agent {self.agent_path} #{self.sequence}"
        what = "model call" if self.kind == "llm" else f"tool call {self.name}"
        return f"{what} {self.index} of agent {self.agent_path} #{self.sequence}"


@dataclass(frozen=True)
class FieldDiff:
    """One field that differs between a recorded and a replayed step."""

    field: str
    recorded: Any
    replayed: Any


@dataclass(frozen=True)
class AlignedStep:
    """A recorded step and a replayed step side by side (either may be absent)."""

    status: StepStatus
    recorded: Step | None
    replayed: Step | None
    diffs: tuple[FieldDiff, ...] = ()

    @property
    def step(self) -> Step:
        """Whichever side is present (the replayed one first)."""
        step = self.replayed or self.recorded
        assert step is not None
        return step


@dataclass
class Trajectory:
    """The ordered steps of one run, and the root span's facts."""

    steps: list[Step] = field(default_factory=list)
    root: OtlpSpan | None = None

    @property
    def trace_id(self) -> str:
        """The run's trace id ("" when it had no spans)."""
        return self.root.trace_id if self.root else ""

    def totals(self) -> dict[str, Any]:
        """Model and tool steps, tokens and cost, summed over the trajectory."""
        work = [s for s in self.steps if s.kind != "agent"]
        return {
            "steps": len(work),
            "input_tokens": sum(s.input_tokens for s in work),
            "output_tokens": sum(s.output_tokens for s in work),
            "cost_usd": round(sum(s.cost_usd for s in work), 10),
        }


def trajectory_from_spans(spans: Iterable[OtlpSpan]) -> Trajectory:
    """Build the trajectory of one trace's spans (any order; foreign spans are skipped)."""
    spans = list(spans)
    by_id = {span.span_id: span for span in spans}
    children: dict[str | None, list[OtlpSpan]] = defaultdict(list)
    roots: list[OtlpSpan] = []
    for span in spans:
        parent = span.parent_span_id
        if parent is None or parent not in by_id:
            roots.append(span)
        else:
            children[parent].append(span)
    roots.sort(key=lambda s: s.start_ns)
    trajectory = Trajectory(root=roots[0] if roots else None)
    counters: Counter[str] = Counter()
    stack: list[tuple[OtlpSpan, str, int, int]] = [
        (root, "", -1, 0) for root in reversed(_ordered(roots))
    ]
    # Iterative depth-first walk: deep traces must not hit the recursion limit.
    while stack:
        span, invocation, sequence, depth = stack.pop()
        step = _step(span, invocation, sequence, depth, counters, children)
        if step is not None:
            trajectory.steps.append(step)
            if step.kind == "agent":
                invocation, sequence = step.key, step.sequence
        for child in reversed(_ordered(children.get(span.span_id, []))):
            stack.append((child, invocation, sequence, depth + 1))
    return trajectory


def _ordered(siblings: list[OtlpSpan]) -> list[OtlpSpan]:
    ordered = sorted(siblings, key=lambda s: (s.start_ns, s.span_id))
    # A fan-out's calls start in thread order; within a run of calls of one agent from one
    # call site, the per-agent sequence (payload order) decides.
    result: list[OtlpSpan] = []
    run: list[OtlpSpan] = []
    for span in ordered:
        if run and _fan_out_group(run[0]) != _fan_out_group(span):
            result.extend(sorted(run, key=_sequence_of))
            run = []
        run.append(span)
    result.extend(sorted(run, key=_sequence_of))
    return result


def _fan_out_group(span: OtlpSpan) -> tuple[Any, ...]:
    attrs = span.attributes
    if attrs.get(sc.GEN_AI_OPERATION_NAME) != sc.OP_INVOKE_AGENT:
        return (span.span_id,)  # never grouped
    return (attrs.get(sc.TRACEKIT_AGENT_PATH), attrs.get(sc.TRACEKIT_CALL_SITE))


def _sequence_of(span: OtlpSpan) -> int:
    value = span.attributes.get(sc.TRACEKIT_AGENT_SEQUENCE)
    return value if isinstance(value, int) else 0


def _operation(span: OtlpSpan) -> str | None:
    operation = span.attributes.get(sc.GEN_AI_OPERATION_NAME)
    if span.name == sc.ANTHROPIC_SPAN_NAME:
        return sc.OP_CHAT
    return operation if isinstance(operation, str) else None


def _step(
    span: OtlpSpan,
    invocation: str,
    sequence: int,
    depth: int,
    counters: Counter[str],
    children: dict[str | None, list[OtlpSpan]],
) -> Step | None:
    operation = _operation(span)
    attrs = span.attributes
    common: dict[str, Any] = {
        "span_id": span.span_id,
        "span": span,
        "status": span.status_code,
        "depth": depth,
        "duration_ms": max(0, span.end_ns - span.start_ns) / 1e6,
    }
    if operation == sc.OP_INVOKE_AGENT:
        path = str(attrs.get(sc.TRACEKIT_AGENT_PATH) or attrs.get(sc.GEN_AI_AGENT_NAME) or "?")
        seq = _sequence_of(span)
        return Step(
            kind="agent",
            key=f"{path}#{seq}",
            agent_path=path,
            sequence=seq,
            index=-1,
            name=str(attrs.get(sc.GEN_AI_AGENT_NAME) or path.rsplit("/", 1)[-1]),
            request={
                "agent": attrs.get(sc.GEN_AI_AGENT_NAME),
                "call_site": attrs.get(sc.TRACEKIT_CALL_SITE),
                "handoff_from": attrs.get(sc.TRACEKIT_HANDOFF_FROM),
                "input": normalize(parse_json(attrs.get(sc.TRACEKIT_AGENT_INPUT))),
            },
            answer={
                "output": parse_json(attrs.get(sc.TRACEKIT_AGENT_OUTPUT)),
                "error": _error(span),
            },
            **common,
        )
    if operation in sc.LLM_OPERATIONS:
        index = _next(counters, f"{invocation}/llm")
        path = invocation.split("#", 1)[0]
        request = {
            "model": attrs.get(sc.GEN_AI_REQUEST_MODEL),
            "system": normalize(parse_json(attrs.get(sc.GEN_AI_SYSTEM_INSTRUCTIONS))),
            "messages": canonical_messages(parse_json(attrs.get(sc.GEN_AI_INPUT_MESSAGES))),
            "max_tokens": attrs.get(sc.GEN_AI_REQUEST_MAX_TOKENS),
            "temperature": attrs.get(sc.GEN_AI_REQUEST_TEMPERATURE),
        }
        if sc.GEN_AI_TOOL_DEFINITIONS in attrs:
            request["tools"] = normalize(parse_json(attrs[sc.GEN_AI_TOOL_DEFINITIONS]))
        finish = attrs.get(sc.GEN_AI_RESPONSE_FINISH_REASONS)
        return Step(
            kind="llm",
            key=f"{invocation}/llm[{index}]",
            agent_path=path,
            sequence=sequence,
            index=index,
            name=str(attrs.get(sc.GEN_AI_REQUEST_MODEL) or span.name),
            request=request,
            answer={
                "provider": attrs.get(sc.GEN_AI_PROVIDER_NAME),
                "response_model": attrs.get(sc.GEN_AI_RESPONSE_MODEL),
                "response_id": attrs.get(sc.GEN_AI_RESPONSE_ID),
                "finish_reasons": list(finish) if isinstance(finish, list | tuple) else [],
                "output": parse_json(attrs.get(sc.GEN_AI_OUTPUT_MESSAGES)),
                "cache_read_tokens": int_value(attrs.get(sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS))
                or 0,
                "cache_creation_tokens": int_value(
                    attrs.get(sc.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS)
                    or attrs.get(sc.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS)
                )
                or 0,
                "error": _error(span),
                "error_type": attrs.get(sc.ERROR_TYPE),
            },
            input_tokens=int_value(attrs.get(sc.GEN_AI_USAGE_INPUT_TOKENS)) or 0,
            output_tokens=int_value(attrs.get(sc.GEN_AI_USAGE_OUTPUT_TOKENS)) or 0,
            cost_usd=float_value(attrs.get(sc.TRACEKIT_COST_USD)) or 0.0,
            **common,
        )
    if operation == sc.OP_EXECUTE_TOOL:
        index = _next(counters, f"{invocation}/tool")
        name = str(attrs.get(sc.GEN_AI_TOOL_NAME) or span.name)
        error = _error(span)
        prefix = _TOOL_ERROR_PREFIX.format(name)
        if error is not None and error.startswith(prefix):
            error = error[len(prefix) :]
        return Step(
            kind="tool",
            key=f"{invocation}/tool[{index}]",
            agent_path=invocation.split("#", 1)[0],
            sequence=sequence,
            index=index,
            name=name,
            request={
                "tool": name,
                "arguments": normalize(parse_json(attrs.get(sc.GEN_AI_TOOL_CALL_ARGUMENTS))),
            },
            answer={
                "result": parse_json(attrs.get(sc.GEN_AI_TOOL_CALL_RESULT)),
                "has_result": sc.GEN_AI_TOOL_CALL_RESULT in attrs,
                "error": error,
                "approved": _approval(span),
                "runs_code": _hands_off(span, children),
            },
            **common,
        )
    return None


def _next(counters: Counter[str], key: str) -> int:
    index = counters[key]
    counters[key] += 1
    return index


def _error(span: OtlpSpan) -> str | None:
    if span.status_code != "ERROR":
        return None
    return span.status_message or str(span.attributes.get(sc.ERROR_TYPE) or "error")


def _approval(span: OtlpSpan) -> bool | None:
    for event in span.events:
        if event.name == sc.EVENT_APPROVAL:
            return event.attributes.get(sc.EVENT_APPROVAL_DECISION) == "approved"
    return None


def _hands_off(span: OtlpSpan, children: dict[str | None, list[OtlpSpan]]) -> bool:
    pending = list(children.get(span.span_id, []))
    while pending:
        child = pending.pop()
        if _operation(child) == sc.OP_INVOKE_AGENT:
            return True
        pending.extend(children.get(child.span_id, []))
    return False


# --- alignment ------------------------------------------------------------------------------


def align(recorded: Sequence[Step], replayed: Sequence[Step]) -> list[AlignedStep]:
    """Pair the steps of two trajectories by key, keeping both orders.

    Steps with the same kind and key are paired; a pair whose requests differ is
    ``changed``. A step only one side has is ``missing`` (recorded only) or ``extra``
    (replayed only) — unless the other side has it elsewhere, then both are ``moved``.
    """
    left = [(s.kind, s.key) for s in recorded]
    right = [(s.kind, s.key) for s in replayed]
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    aligned: list[AlignedStep] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for a, b in zip(recorded[i1:i2], replayed[j1:j2], strict=True):
                diffs = diff_requests(a, b)
                aligned.append(AlignedStep("changed" if diffs else "same", a, b, diffs))
            continue
        # Where one run did something else, what it did comes first: that is the divergence.
        aligned.extend(AlignedStep("extra", None, b) for b in replayed[j1:j2])
        aligned.extend(AlignedStep("missing", a, None) for a in recorded[i1:i2])
    left_only = Counter(
        (a.recorded.kind, a.recorded.key) for a in aligned if a.recorded and not a.replayed
    )
    right_only = Counter(
        (a.replayed.kind, a.replayed.key) for a in aligned if a.replayed and not a.recorded
    )
    moved = set(left_only) & set(right_only)
    if moved:
        aligned = [
            AlignedStep("moved", a.recorded, a.replayed, a.diffs)
            if a.status in ("missing", "extra") and (a.step.kind, a.step.key) in moved
            else a
            for a in aligned
        ]
    return aligned


def diff_requests(recorded: Step, replayed: Step) -> tuple[FieldDiff, ...]:
    """The request fields that differ, each down to the innermost differing value.

    A field the recording does not have at all (tool definitions from a source that does not
    record them) is not compared.
    """
    diffs: list[FieldDiff] = []
    keys = sorted(recorded.request)
    for key in keys:
        _diff_value(key, recorded.request.get(key), replayed.request.get(key), diffs)
    return tuple(diffs)


def _diff_value(path: str, a: Any, b: Any, out: list[FieldDiff]) -> None:
    if a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            _diff_value(f"{path}.{key}", a.get(key), b.get(key), out)
        return
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diff_value(f"{path}[{i}]", x, y, out)
        return
    out.append(FieldDiff(path, a, b))


def similarity(a: Step, b: Step) -> float:
    """How alike two steps' requests are (0–1): the nearest-candidate measure."""
    if a.kind != b.kind:
        return 0.0
    ratio = difflib.SequenceMatcher(
        a=canonical_json(a.request), b=canonical_json(b.request), autojunk=False
    ).quick_ratio()
    return ratio + (0.5 if a.agent_path == b.agent_path else 0.0)
