"""Controlled stores for the analytics tests: runs described as data, written as real spool
segments through the store's Arrow batch writer (SegmentBuilder) and folded, or left in the
spool to show that readers see spans not yet folded."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

from tracekit import semconv as sc
from tracekit.store.convert import SegmentBuilder
from tracekit.store.fold import fold_pending
from tracekit.store.paths import StorePaths
from tracekit.store.spool import write_segment

MS = 1_000_000
HOUR = 3_600_000 * MS
#: 2026-01-01T00:00:00Z.
T0 = 1_767_225_600 * 1_000_000_000
UNPRICED_MODEL = "house-model-7"
_LIMIT_TYPE = "tracekit.exceptions.LimitExceeded"
_LOOP_TYPE = "tracekit.exceptions.LoopDetected"


@dataclass
class Call:
    """One agent call with one LLM call under it (and a tool call when ``tool`` is set)."""

    agent: str
    model: str = "claude-haiku-4-5"
    ms: int = 100
    #: ok, error, stopped (a max_steps limit), loop (stopped by loop detection), interrupted
    outcome: str = "ok"
    error_type: str = "tracekit.exceptions.ModelError"
    retries: int = 0
    fallback: bool = False
    tokens: tuple[int, int] = (100, 10)
    cost: float | None = 0.001
    tool: str | None = None


@dataclass
class Run:
    workflow: str
    start_ns: int
    calls: list[Call] = field(default_factory=list)
    service: str = "svc-a"


_ids = count(1)


def _hex(width: int) -> str:
    return f"{next(_ids):0{width}x}"


def add_run(builder: SegmentBuilder, run: Run) -> str:
    """Add ``run``'s spans to ``builder``; returns its trace id."""
    trace_id, root = _hex(32), _hex(16)
    t = run.start_ns
    status, stop_reason, root_error = "ok", None, None
    for call in run.calls:
        if call.outcome == "stopped":
            status, stop_reason, root_error = "stopped", "limit:max_steps", _LIMIT_TYPE
        elif call.outcome == "loop":
            status, stop_reason, root_error = "stopped", "loop", _LOOP_TYPE
        elif call.outcome == "error" and status == "ok":
            status, root_error = "error", call.error_type
        elif call.outcome == "interrupted" and status == "ok":
            status, root_error = "interrupted", "KeyboardInterrupt"
    end = t + sum(call.ms for call in run.calls) * MS + MS
    root_attributes: dict[str, object] = {
        sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW,
        sc.GEN_AI_WORKFLOW_NAME: run.workflow,
        sc.TRACEKIT_WORKFLOW_STATUS: status,
    }
    if stop_reason:
        root_attributes[sc.TRACEKIT_WORKFLOW_STOP_REASON] = stop_reason
    if root_error:
        root_attributes[sc.ERROR_TYPE] = root_error
    builder.add(
        trace_id=trace_id,
        span_id=root,
        parent_span_id=None,
        name=sc.workflow_span_name(run.workflow),
        kind="INTERNAL",
        start_ns=t,
        end_ns=end,
        status_code="ERROR" if root_error else "OK",
        attributes=root_attributes,
        resource={sc.SERVICE_NAME: run.service},
    )
    for call in run.calls:
        _add_call(builder, trace_id, root, t, call, run.service)
        t += call.ms * MS
    return trace_id


def _add_call(
    builder: SegmentBuilder, trace_id: str, root: str, t: int, call: Call, service: str
) -> None:
    agent_id = _hex(16)
    error_type, message = {
        "ok": (None, None),
        "error": (call.error_type, "it failed"),
        "stopped": (_LIMIT_TYPE, "limit max_steps exceeded: 13 > 12"),
        "loop": (_LOOP_TYPE, "loop detected: x repeated tool:y 3 times"),
        "interrupted": ("KeyboardInterrupt", ""),
    }[call.outcome]
    events = [
        (sc.EVENT_RETRY, t + MS, {sc.EVENT_RETRY_ATTEMPT: attempt + 1})
        for attempt in range(call.retries)
    ]
    if call.fallback:
        events.append((sc.EVENT_FALLBACK, t + 2 * MS, {sc.EVENT_FALLBACK_TO: "backup"}))
    attributes: dict[str, object] = {
        sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT,
        sc.GEN_AI_AGENT_NAME: call.agent,
        sc.TRACEKIT_AGENT_PATH: call.agent,
        sc.GEN_AI_REQUEST_MODEL: call.model,
    }
    if error_type:
        attributes[sc.ERROR_TYPE] = error_type
    builder.add(
        trace_id=trace_id,
        span_id=agent_id,
        parent_span_id=root,
        name=sc.agent_span_name(call.agent),
        kind="INTERNAL",
        start_ns=t,
        end_ns=t + call.ms * MS,
        status_code="ERROR" if error_type else "UNSET",
        status_message=message,
        attributes=attributes,
        resource={sc.SERVICE_NAME: service},
        events=events,
    )
    chat: dict[str, object] = {
        sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
        sc.GEN_AI_PROVIDER_NAME: "anthropic",
        sc.GEN_AI_REQUEST_MODEL: call.model,
        sc.TRACEKIT_AGENT_PATH: call.agent,
        sc.GEN_AI_USAGE_INPUT_TOKENS: call.tokens[0],
        sc.GEN_AI_USAGE_OUTPUT_TOKENS: call.tokens[1],
    }
    if call.cost is not None:
        chat[sc.TRACEKIT_COST_USD] = call.cost
    builder.add(
        trace_id=trace_id,
        span_id=_hex(16),
        parent_span_id=agent_id,
        name=sc.chat_span_name(call.model),
        kind="CLIENT",
        start_ns=t + MS,
        end_ns=t + call.ms * MS // 2,
        status_code="UNSET",
        attributes=chat,
        resource={sc.SERVICE_NAME: service},
    )
    if call.tool:
        builder.add(
            trace_id=trace_id,
            span_id=_hex(16),
            parent_span_id=agent_id,
            name=sc.tool_span_name(call.tool),
            kind="INTERNAL",
            start_ns=t + call.ms * MS // 2,
            end_ns=t + call.ms * MS - MS,
            status_code="UNSET",
            attributes={
                sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL,
                sc.GEN_AI_TOOL_NAME: call.tool,
                sc.TRACEKIT_AGENT_PATH: call.agent,
            },
            resource={sc.SERVICE_NAME: service},
        )


def write_store(path: Path, runs: list[Run], *, fold: bool = True) -> list[str]:
    """Write ``runs`` into the store at ``path`` (one segment), folded unless ``fold`` is
    false; returns their trace ids."""
    builder = SegmentBuilder()
    ids = [add_run(builder, run) for run in runs]
    paths = StorePaths.for_store(path)
    write_segment(paths, builder.to_table())
    if fold:
        assert fold_pending(paths, wait_s=10.0) is not None
    return ids
