"""A run's trajectory: its agent calls, model calls and tool calls as one ordered list of steps.

The order is deterministic even when agents ran in parallel: the span tree is walked depth
first, siblings in start order, except that agent calls are put in the order their parent
reserved them (a fan-out's by payload position; a fallback right after the call that failed),
whatever the threads' timing.

Each step has a *key* that says where it sits in the run tree — ``planner#0`` for the first call
of ``planner`` by the entrypoint, ``supervisor#0/billing#1`` for the second call of ``billing``
made (through a tool) by that call of ``supervisor``, ``writer#2/fallback:editor#0`` for the
fallback of a failed call, ``planner#0/llm[1]`` for a call's second model call,
``planner#0/tool[0]`` for its first tool call — and the *request* fields a replay compares.
Recordings made before structural keys (no ``tracekit.call.key``) keep their old keys:
``path#sequence``, the sequence counted per agent path over the run.

The call site and the caller's name are *hints* (shown, never compared), so a refactor that
moves a call into a helper, or a renamed workflow, replays.
The TUI's diff screen and the replay engine's divergence report both align trajectories with
:func:`align`.
"""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from replay.canonical import (
    both_nan,
    canonical_json,
    canonical_messages,
    canonical_messages_text,
    normalize,
    normalize_text,
)
from tracekit import semconv as sc
from tracekit.otlp import OtlpSpan
from tracekit.otlp.conventions import Message, NormalisedSpan, normalise_otlp
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
    """What it answered and decided: output, tool result, error, approval, state changes."""
    span_id: str
    status: str
    depth: int
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = 0.0
    """A model call's cost; None when unknown (its model had no price), never 0."""
    duration_ms: float = 0.0
    hints: dict[str, Any] = field(default_factory=dict)
    """Shown in reports, never compared: the call site and who handed off."""
    span: OtlpSpan | None = field(default=None, compare=False, repr=False)
    """The span the step was read from (the report reads its events: retries, fallbacks)."""

    @property
    def call_key(self) -> str:
        """The key of the agent call this step belongs to (the step's own for an agent)."""
        return self.key if self.kind == "agent" else self.key.rsplit("/", 1)[0]

    @property
    def agent(self) -> str:
        """The agent's name (last part of its path)."""
        return self.agent_path.rsplit("/", 1)[-1]

    @property
    def label(self) -> str:
        """A short human name: ``agent planner #0``, ``llm call 1 of planner #0``."""
        call = self.call_key
        if call == f"{self.agent_path}#{self.sequence}":
            call = f"{self.agent_path} #{self.sequence}"
        if self.kind == "agent":
            return f"agent {call}"
        what = "model call" if self.kind == "llm" else f"tool call {self.name}"
        return f"{what} {self.index} of agent {call}"


#: What a difference is about: the request, or a decision the step made.
DiffKind = Literal["request", "approval", "state", "tool_result", "tool_arguments", "stop", "check"]


@dataclass(frozen=True)
class FieldDiff:
    """One field that differs between a recorded and a replayed step."""

    field: str
    recorded: Any
    replayed: Any
    kind: DiffKind = "request"


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
    structural: bool = True
    """Whether agent calls are keyed structurally (recordings before that: per-path counters)."""
    canon: dict[tuple[bool, str], Any] = field(default_factory=dict, compare=False, repr=False)
    """Canonical request values by the attribute text they were read from (see
    :func:`trajectory_from_spans`)."""
    parsed: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """Answer values (outputs, tool results) by the attribute text they were parsed from, when
    the trajectory was built with a ``parsed`` memo (see :func:`trajectory_from_spans`)."""

    @property
    def trace_id(self) -> str:
        """The run's trace id ("" when it had no spans)."""
        return self.root.trace_id if self.root else ""

    def totals(self) -> dict[str, Any]:
        """Model and tool steps, tokens and cost, summed over the trajectory.

        Unknown is not zero, as in the store: ``cost_usd`` sums the model calls with a known
        cost, ``unpriced_steps`` counts those without one (the sum is then partial), and it
        is None when no model call has a cost although some ran (a run without model calls
        cost nothing)."""
        # One pass, summing in step order from int 0 as sum() did (the same floats).
        steps = input_tokens = output_tokens = priced = unpriced = 0
        cost: float = 0
        for s in self.steps:
            kind = s.kind
            if kind == "agent":
                continue
            steps += 1
            input_tokens += s.input_tokens
            output_tokens += s.output_tokens
            step_cost = s.cost_usd
            cost += step_cost or 0.0
            if kind == "llm":
                if step_cost is None:
                    unpriced += 1
                else:
                    priced += 1
        return {
            "steps": steps,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cost_usd": round(cost, 10) if priced or not unpriced else None,
            "unpriced_steps": unpriced,
        }


def trajectory_from_spans(
    spans: Iterable[OtlpSpan],
    *,
    structural: bool | None = None,
    canon: dict[tuple[bool, str], Any] | None = None,
    parsed: dict[str, Any] | None = None,
) -> Trajectory:
    """Build the trajectory of one trace's spans (any order; foreign spans are skipped).

    ``structural`` picks the keys (default: structural when the spans carry them). ``canon``
    is another trajectory's :attr:`Trajectory.canon`: a request attribute spelt as it is there
    (a replay's, mostly) is not parsed and canonicalised again, and its value is the same
    object (so comparing the two is quick). ``parsed`` does the same for answer values
    (outputs, tool results): answers spelt as one already in it are that value (a recording
    passes a dict of its own; its replays pass :attr:`Trajectory.parsed`). Without it every
    answer is parsed on its own. Request and answer values are never modified.
    """
    spans = list(spans)
    if structural is None:
        structural = any(sc.TRACEKIT_CALL_KEY in span.attributes for span in spans)
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
    trajectory = Trajectory(root=roots[0] if roots else None, structural=structural)
    if canon is not None:
        trajectory.canon = canon
    if parsed is not None:
        trajectory.parsed = parsed
    counters: Counter[str] = Counter()
    # The agent path of each agent call by key: a structural key is not a path plus a number.
    paths: dict[str, str] = {}
    stack: list[tuple[OtlpSpan, str, int, int]] = [
        (root, "", -1, 0) for root in reversed(_ordered(roots, structural))
    ]
    # Iterative depth-first walk: deep traces must not hit the recursion limit.
    while stack:
        span, invocation, sequence, depth = stack.pop()
        step = _step(
            span, invocation, sequence, depth, counters, children, structural, paths,
            trajectory.canon, parsed,
        )  # fmt: skip
        if step is not None:
            trajectory.steps.append(step)
            if step.kind == "agent":
                invocation, sequence = step.key, step.sequence
                paths[step.key] = step.agent_path
        for child in reversed(_ordered(children.get(span.span_id, []), structural)):
            stack.append((child, invocation, sequence, depth + 1))
    return trajectory


def _ordered(siblings: list[OtlpSpan], structural: bool = False) -> list[OtlpSpan]:
    if len(siblings) < 2:
        return siblings  # most spans (every model and tool call) have no children
    ordered = sorted(siblings, key=lambda s: (s.start_ns, s.span_id))
    if structural:
        # Agent calls take the places agent calls had, in the order their parent reserved
        # them; a fallback (same order, longer key) right after the call that failed.
        places = [i for i, s in enumerate(ordered) if sc.TRACEKIT_CALL_ORDER in s.attributes]
        calls = sorted((ordered[i] for i in places), key=_call_order)
        for place, span in zip(places, calls, strict=True):
            ordered[place] = span
        return ordered
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


def _call_order(span: OtlpSpan) -> tuple[int, int, str]:
    order = span.attributes.get(sc.TRACEKIT_CALL_ORDER)
    key = str(span.attributes.get(sc.TRACEKIT_CALL_KEY) or "")
    return (order if isinstance(order, int) else 0, len(key), key)


def _sequence_of(span: OtlpSpan) -> int:
    value = span.attributes.get(sc.TRACEKIT_AGENT_SEQUENCE)
    return value if isinstance(value, int) else 0


def _operation(span: OtlpSpan) -> str | None:
    operation = span.attributes.get(sc.GEN_AI_OPERATION_NAME)
    if span.name == sc.ANTHROPIC_SPAN_NAME:
        return sc.OP_CHAT
    if isinstance(operation, str):
        return operation
    # A span of another convention (OpenInference, OpenLLMetry, the older semconv): model
    # and tool calls are steps too, so two foreign traces diff like two of ours.
    return _FOREIGN_OPERATIONS.get(normalise_otlp(span).role or "")


_FOREIGN_OPERATIONS = {"llm": sc.OP_CHAT, "tool": sc.OP_EXECUTE_TOOL}


def _cost(attrs: Mapping[str, Any], foreign: NormalisedSpan | None) -> float | None:
    """A model call's recorded cost (tracekit's, or another convention's such as
    OpenInference ``llm.cost.total``); None when the recording has none."""
    cost = float_value(attrs.get(sc.TRACEKIT_COST_USD))
    if cost is None and foreign is not None:
        cost = foreign.cost_usd
    return cost


def _semconv_messages(messages: list[Message]) -> list[dict[str, Any]]:
    """Normalised messages in the semconv JSON schema, as tracekit's own spans record them."""
    return [
        message.model_dump(mode="json", exclude_none=True, exclude={"output"})
        for message in messages
    ]


def _step(
    span: OtlpSpan,
    invocation: str,
    sequence: int,
    depth: int,
    counters: Counter[str],
    children: dict[str | None, list[OtlpSpan]],
    structural: bool = False,
    paths: dict[str, str] | None = None,
    canon: dict[tuple[bool, str], Any] | None = None,
    parsed: dict[str, Any] | None = None,
) -> Step | None:
    operation = _operation(span)
    canon = {} if canon is None else canon
    caller_path = (paths or {}).get(invocation) or invocation.split("#", 1)[0]
    attrs = span.attributes
    get = attrs.get
    if operation == sc.OP_INVOKE_AGENT:
        path = str(get(sc.TRACEKIT_AGENT_PATH) or get(sc.GEN_AI_AGENT_NAME) or "?")
        seq = _sequence_of(span)
        key = f"{path}#{seq}"
        call_key = get(sc.TRACEKIT_CALL_KEY)
        if structural and isinstance(call_key, str) and call_key:
            key = call_key
            seq = int(key.rsplit("#", 1)[-1]) if key.rsplit("#", 1)[-1].isdigit() else seq
        return _new_step(
            "agent",
            key,
            path,
            seq,
            -1,
            str(get(sc.GEN_AI_AGENT_NAME) or path.rsplit("/", 1)[-1]),
            {
                "agent": get(sc.GEN_AI_AGENT_NAME),
                "input": _canonical(canon, get(sc.TRACEKIT_AGENT_INPUT)),
            },
            {
                "output": _parsed(parsed, get(sc.TRACEKIT_AGENT_OUTPUT)),
                "error": _error(span),
                "breaker": _breaker(span),
                "state": _state_changes(span),
                "stop": _stops(span),
                "checks": _checks(span),
            },
            span,
            depth,
            hints={
                "call_site": get(sc.TRACEKIT_CALL_SITE),
                "handoff_from": get(sc.TRACEKIT_HANDOFF_FROM),
            },
        )
    if operation in sc.LLM_OPERATIONS:
        index = _next(counters, f"{invocation}/llm")
        request = {
            "model": get(sc.GEN_AI_REQUEST_MODEL),
            "system": _canonical(canon, get(sc.GEN_AI_SYSTEM_INSTRUCTIONS)),
            "messages": _canonical(canon, get(sc.GEN_AI_INPUT_MESSAGES), messages=True),
            "max_tokens": get(sc.GEN_AI_REQUEST_MAX_TOKENS),
            "temperature": get(sc.GEN_AI_REQUEST_TEMPERATURE),
        }
        foreign = None
        if sc.GEN_AI_INPUT_MESSAGES not in attrs:
            # Another convention's conversation, read by its normaliser into the same shape.
            foreign = normalise_otlp(span)
            request["model"] = request["model"] or foreign.model
            request["messages"] = canonical_messages(
                _semconv_messages([m for m in foreign.messages if not m.output])
            )
        if sc.GEN_AI_TOOL_DEFINITIONS in attrs:
            request["tools"] = _canonical(canon, attrs[sc.GEN_AI_TOOL_DEFINITIONS])
        finish = get(sc.GEN_AI_RESPONSE_FINISH_REASONS)
        return _new_step(
            "llm",
            f"{invocation}/llm[{index}]",
            caller_path,
            sequence,
            index,
            str(get(sc.GEN_AI_REQUEST_MODEL) or span.name),
            request,
            {
                "provider": get(sc.GEN_AI_PROVIDER_NAME),
                "response_model": get(sc.GEN_AI_RESPONSE_MODEL),
                "response_id": get(sc.GEN_AI_RESPONSE_ID),
                "finish_reasons": list(finish) if isinstance(finish, list | tuple) else [],
                "output": _parsed(parsed, get(sc.GEN_AI_OUTPUT_MESSAGES))
                if foreign is None
                else _semconv_messages([m for m in foreign.messages if m.output]),
                "cache_read_tokens": int_value(get(sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS)) or 0,
                "cache_creation_tokens": int_value(
                    get(sc.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS)
                    or get(sc.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS)
                )
                or 0,
                "error": _error(span),
                "error_type": get(sc.ERROR_TYPE),
                "cache_hit": get(sc.TRACEKIT_CACHE_HIT) is True,
                "deltas": get(sc.TRACEKIT_STREAM_DELTAS),
            },
            span,
            depth,
            int_value(get(sc.GEN_AI_USAGE_INPUT_TOKENS))
            or (foreign.input_tokens if foreign else None)
            or 0,
            int_value(get(sc.GEN_AI_USAGE_OUTPUT_TOKENS))
            or (foreign.output_tokens if foreign else None)
            or 0,
            _cost(attrs, foreign),
        )
    if operation == sc.OP_EXECUTE_TOOL:
        index = _next(counters, f"{invocation}/tool")
        name = str(get(sc.GEN_AI_TOOL_NAME) or span.name)
        error = _error(span)
        prefix = _TOOL_ERROR_PREFIX.format(name)
        if error is not None and error.startswith(prefix):
            error = error[len(prefix) :]
        return _new_step(
            "tool",
            f"{invocation}/tool[{index}]",
            caller_path,
            sequence,
            index,
            name,
            {
                "tool": name,
                "arguments": _canonical(canon, get(sc.GEN_AI_TOOL_CALL_ARGUMENTS)),
            },
            {
                "result": _parsed(parsed, get(sc.GEN_AI_TOOL_CALL_RESULT)),
                "has_result": sc.GEN_AI_TOOL_CALL_RESULT in attrs,
                "error": error,
                "approved": _approval(span),
                "approval_source": _approval_source(span),
                "runs_code": _hands_off(span, children),
                "live": get(sc.TRACEKIT_TOOL_LIVE) is True,
            },
            span,
            depth,
        )
    return None


def _new_step(
    kind: StepKind,
    key: str,
    agent_path: str,
    sequence: int,
    index: int,
    name: str,
    request: dict[str, Any],
    answer: dict[str, Any],
    span: OtlpSpan,
    depth: int,
    input_tokens: int = 0,
    output_tokens: int = 0,
    cost_usd: float | None = 0.0,
    hints: dict[str, Any] | None = None,
) -> Step:
    """The step read from ``span``, built without the frozen dataclass's ``__init__`` (one
    ``object.__setattr__`` per field: a third of a replayed step list's time went there) and
    without keyword dicts merged per step: its fields as one dict, in field order."""
    step: Step = _new(Step)
    elapsed = span.end_ns - span.start_ns
    _setattr(
        step,
        "__dict__",
        {
            "kind": kind,
            "key": key,
            "agent_path": agent_path,
            "sequence": sequence,
            "index": index,
            "name": name,
            "request": request,
            "answer": answer,
            "span_id": span.span_id,
            "status": span.status_code,
            "depth": depth,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cost_usd": cost_usd,
            "duration_ms": (elapsed if elapsed > 0 else 0) / 1e6,
            "hints": {} if hints is None else hints,
            "span": span,
        },
    )
    return step


_new = object.__new__
_setattr = object.__setattr__


def _parsed(parsed: dict[str, Any] | None, raw: Any) -> Any:
    """``parse_json(raw)``, remembered in ``parsed`` by the attribute's text: a replay answers
    with the recorded answers, so its spans mostly spell them as the recording did."""
    if parsed is None or raw.__class__ is not str:
        return parse_json(raw)
    found = parsed.get(raw, _MISSING)
    if found is _MISSING:
        found = parsed[raw] = parse_json(raw)
    return found


def _canonical(canon: dict[tuple[bool, str], Any], raw: Any, *, messages: bool = False) -> Any:
    """``normalize(parse_json(raw))`` (``canonical_messages`` for ``messages``), remembered in
    ``canon`` by the attribute's text: a replay spells most requests as its recording did."""
    if not isinstance(raw, str):
        value = parse_json(raw)
        return canonical_messages(value) if messages else normalize(value)
    key = (messages, raw)
    found = canon.get(key, _MISSING)
    if found is _MISSING:
        found = canon[key] = canonical_messages_text(raw) if messages else normalize_text(raw)
    return found


_MISSING: Any = object()


def _next(counters: Counter[str], key: str) -> int:
    index = counters.get(key, 0)  # a missing key without Counter.__missing__'s call
    counters[key] = index + 1
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


def _approval_source(span: OtlpSpan) -> str | None:
    for event in span.events:
        if event.name == sc.EVENT_APPROVAL:
            source = event.attributes.get(sc.EVENT_APPROVAL_SOURCE)
            return source if isinstance(source, str) else None
    return None


def _breaker(span: OtlpSpan) -> str | None:
    state = span.attributes.get(sc.TRACEKIT_CIRCUIT_STATE)
    if isinstance(state, str):
        return state
    # Recorded before breaker states were: an open breaker shows as its CircuitOpen failure.
    if str(span.attributes.get(sc.ERROR_TYPE) or "").endswith("CircuitOpen"):
        return "open"
    return None


def _state_changes(span: OtlpSpan) -> Any:
    """The shared-state changes the call made: its own, and its fan-outs' (one per fan-out)."""
    own = parse_json(span.attributes.get(sc.TRACEKIT_STATE_CHANGES))
    fan_outs = [
        parse_json(event.attributes.get(sc.TRACEKIT_STATE_CHANGES))
        for event in span.events
        if event.name == sc.EVENT_STATE_CHANGED
    ]
    if own is None and not fan_outs:
        return None
    return normalize({"changes": own, "fan_outs": fan_outs} if fan_outs else own)


def _stops(span: OtlpSpan) -> list[str]:
    """The guardrails that fired on this span (limit or loop), as ``event:limit``."""
    stops: list[str] = []
    for event in span.events:
        if event.name == sc.EVENT_LIMIT_EXCEEDED:
            stops.append(f"limit exceeded: {event.attributes.get(sc.EVENT_LIMIT_NAME)}")
        elif event.name == sc.EVENT_LOOP_DETECTED:
            stops.append(f"loop detected: {event.attributes.get(sc.EVENT_REASON)}")
    return stops


def _checks(span: OtlpSpan) -> list[list[Any]]:
    """The checks that failed on this agent call, in order: ``[name, reason, action]``."""
    return [
        [
            event.attributes.get(sc.EVENT_CHECK_NAME),
            event.attributes.get(sc.EVENT_REASON),
            event.attributes.get(sc.EVENT_CHECK_ACTION),
        ]
        for event in span.events
        if event.name == sc.EVENT_CHECK
    ]


def root_state_changes(root: OtlpSpan | None) -> Any:
    """The shared-state changes the entrypoint itself made (and its fan-outs)."""
    return _state_changes(root) if root is not None else None


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
    # A replay that made the recorded calls in the recorded order (the usual case) is one
    # run of equal steps: the matcher's search would only find that.
    opcodes = (
        [("equal", 0, len(left), 0, len(right))]
        if left == right
        else difflib.SequenceMatcher(a=left, b=right, autojunk=False).get_opcodes()
    )
    aligned: list[AlignedStep] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            for a, b in zip(recorded[i1:i2], replayed[j1:j2], strict=True):
                diffs = diff_steps(a, b)
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
    request, other = recorded.request, replayed.request
    if request == other:
        return ()  # mostly the very same values (see trajectory_from_spans's canon)
    diffs: list[FieldDiff] = []
    for key in sorted(request):
        diff_value(key, request.get(key), other.get(key), diffs)
    return tuple(diffs)


def diff_steps(recorded: Step, replayed: Step) -> tuple[FieldDiff, ...]:
    """The request fields that differ, then the decisions that differ.

    Decisions compared: a tool call's approval (asked again of the workflow's approver), its
    error (a recorded answer still has to fit the tool's signature), its result when the tool
    ran live; an agent call's shared-state changes, the checks that failed on its output
    and the guardrails that stopped it.
    """
    diffs = list(diff_requests(recorded, replayed))
    a, b = recorded.answer, replayed.answer
    if recorded.name != replayed.name:
        return tuple(diffs)  # another tool or agent: its decisions are not comparable
    if recorded.kind == "tool":
        if a.get("approved") != b.get("approved"):
            diffs.append(FieldDiff("approval", a.get("approved"), b.get("approved"), "approval"))
        error_a, error_b = a.get("error"), b.get("error")
        if error_a != error_b and str(error_b or "").startswith("invalid arguments"):
            diffs.append(FieldDiff("arguments (signature)", error_a, error_b, "tool_arguments"))
        elif b.get("live"):
            diff_value("result", a.get("result"), b.get("result"), diffs, "tool_result")
            diff_value("error", error_a, error_b, diffs, "tool_result")
        elif error_a != error_b:
            diffs.append(FieldDiff("error", error_a, error_b, "tool_result"))
    elif recorded.kind == "agent":
        diff_value("state", a.get("state"), b.get("state"), diffs, "state")
        checks_a, checks_b = a.get("checks") or [], b.get("checks") or []
        if checks_a != checks_b:  # compared whole: which check failed how often, and why
            diffs.append(FieldDiff("checks", checks_a, checks_b, "check"))
        diff_value("stop", a.get("stop") or [], b.get("stop") or [], diffs, "stop")
    return tuple(diffs)


def diff_value(path: str, a: Any, b: Any, out: list[FieldDiff], kind: DiffKind = "request") -> None:
    """Append to ``out`` a FieldDiff for each innermost value where ``a`` and ``b`` differ."""
    if a == b or both_nan(a, b):
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            diff_value(f"{path}.{key}", a.get(key), b.get(key), out, kind)
        return
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            diff_value(f"{path}[{i}]", x, y, out, kind)
        return
    out.append(FieldDiff(path, a, b, kind))


def similarity(a: Step, b: Step) -> float:
    """How alike two steps' requests are (0–1): the nearest-candidate measure."""
    if a.kind != b.kind:
        return 0.0
    ratio = difflib.SequenceMatcher(
        a=canonical_json(a.request), b=canonical_json(b.request), autojunk=False
    ).quick_ratio()
    return ratio + (0.5 if a.agent_path == b.agent_path else 0.0)
