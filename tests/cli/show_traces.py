"""Stores whose traces exercise every part of ``tracekit show``'s output, built from fixed
ids and times so the output is the same on every run (the golden files pin it).

Built through the store's real ingest (a segment folded into a real DuckDB file), not
recorded through the SDK: the SDK draws random ids, and a golden file needs fixed ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.hostile import EVIL
from tracekit import semconv as sc
from tracekit.store.convert import SegmentBuilder
from tracekit.store.fold import fold_pending
from tracekit.store.paths import StorePaths
from tracekit.store.spool import write_segment

MS = 1_000_000
T0 = 1_750_000_000_000 * MS

#: Trace ids of the traces in :func:`build_show_store`, by what they show.
TRACES = {
    "everything": "a1" * 16,
    "hostile": "b2" * 16,
    "wide": "c3" * 16,
    "stopped": "d4" * 16,
    "big": "f6" * 16,
}


def _span_id(number: int) -> str:
    return f"{number:016x}"


class _Trace:
    def __init__(self, builder: SegmentBuilder, trace_id: str) -> None:
        self.builder, self.trace_id, self.next_id = builder, trace_id, 1

    def span(
        self,
        name: str,
        parent: str | None,
        start_ms: float,
        duration_ms: float,
        *,
        status: str = "UNSET",
        message: str | None = None,
        attributes: dict[str, Any] | None = None,
        events: tuple[tuple[str, int, dict[str, Any]], ...] = (),
        kind: str = "INTERNAL",
    ) -> str:
        span_id = _span_id(self.next_id)
        self.next_id += 1
        start = T0 + int(start_ms * MS)
        self.builder.add(
            trace_id=self.trace_id,
            span_id=span_id,
            parent_span_id=parent,
            name=name,
            kind=kind,
            start_ns=start,
            end_ns=start + int(duration_ms * MS),
            status_code=status,
            status_message=message,
            attributes=attributes or {},
            resource={sc.SERVICE_NAME: "golden", "host.name": "box"},
            scope_name="tracekit",
            events=events,
        )
        return span_id


def _workflow(trace: _Trace, name: str, duration_ms: float, **kwargs: Any) -> str:
    attributes = {sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW, sc.GEN_AI_WORKFLOW_NAME: name}
    attributes.update(kwargs.pop("attributes", {}))
    return trace.span(
        sc.workflow_span_name(name), None, 0, duration_ms, attributes=attributes, **kwargs
    )


def _agent(trace: _Trace, name: str, parent: str, start_ms: float, duration_ms: float) -> str:
    attributes = {sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT, sc.GEN_AI_AGENT_NAME: name}
    return trace.span(
        sc.agent_span_name(name), parent, start_ms, duration_ms, attributes=attributes
    )


def _chat(
    trace: _Trace,
    parent: str,
    start_ms: float,
    duration_ms: float,
    tokens: tuple[int, int],
    **kw: Any,
) -> str:
    attributes = {
        sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
        sc.GEN_AI_PROVIDER_NAME: "anthropic",
        sc.GEN_AI_REQUEST_MODEL: "claude-haiku-4-5",
        sc.GEN_AI_USAGE_INPUT_TOKENS: tokens[0],
        sc.GEN_AI_USAGE_OUTPUT_TOKENS: tokens[1],
    }
    attributes.update(kw.pop("attributes", {}))
    return trace.span(
        sc.chat_span_name("claude-haiku-4-5"),
        parent,
        start_ms,
        duration_ms,
        attributes=attributes,
        kind="CLIENT",
        **kw,
    )


def _tool(
    trace: _Trace, name: str, parent: str, start_ms: float, duration_ms: float, **kw: Any
) -> str:
    attributes = {sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL, sc.GEN_AI_TOOL_NAME: name}
    return trace.span(
        sc.tool_span_name(name), parent, start_ms, duration_ms, attributes=attributes, **kw
    )


def _everything(builder: SegmentBuilder) -> None:
    trace = _Trace(builder, TRACES["everything"])
    root = _workflow(
        trace,
        "doc-pipeline",
        2_500.5,
        attributes={"tracekit.seed": 7, "ratio": 1e-06, "big": 1.5e300, "nested": [1, 2.5, "x"]},
    )
    planner = _agent(trace, "planner", root, 1, 400)
    _chat(
        trace,
        planner,
        2,
        300,
        (1234, 56),
        attributes={sc.TRACEKIT_COST_USD: 3.5e-05, "gen_ai.request.temperature": 0.7},
        events=(
            (sc.EVENT_RETRY, T0 + 5 * MS, {"attempt": 2, "error": "overloaded", "delay_s": 0.25}),
            ("log", T0 + 6 * MS, {"message": "not a guardrail: not shown"}),
        ),
    )
    _tool(trace, "search", planner, 310, 0.25)
    writer = _agent(trace, "writer", root, 500, 1900)
    deep = _agent(trace, "researcher", writer, 510, 900)
    deeper = _agent(trace, "summariser", deep, 520, 800)
    _chat(trace, deeper, 530, 700, (999_999, 12_345), attributes={sc.TRACEKIT_COST_USD: 1234.5})
    _chat(
        trace,
        writer,
        1500,
        850,
        (10, 0),
        status="ERROR",
        message="upstream overloaded: 529",
        attributes={sc.ERROR_TYPE: "TransientModelError"},
    )
    _tool(trace, "fail_silently", writer, 2400, 1, status="ERROR")
    _tool(trace, "名前-ツール 👩‍💻 wide", writer, 2401, 65_000)
    _tool(trace, "long-" + "x" * 220, writer, 2402, 1)
    _agent(trace, "critic", root, 2450, 125_000)
    trace.span(
        "limits",
        root,
        2460,
        2,
        events=(
            (sc.EVENT_LIMIT_EXCEEDED, T0 + 2461 * MS, {"limit": "max_steps", "value": 15}),
            (sc.EVENT_LOOP_DETECTED, T0 + 2462 * MS, {}),
        ),
    )
    trace.span("orphan: parent never recorded", _span_id(999), 2470, 3)


def _hostile(builder: SegmentBuilder) -> None:
    trace = _Trace(builder, TRACES["hostile"])
    root = _workflow(trace, f"wf{EVIL}", 20, attributes={f"key{EVIL}": f"value{EVIL}"})
    agent = _agent(trace, f"agent{EVIL}", root, 1, 15)
    _chat(
        trace,
        agent,
        2,
        10,
        (100, 20),
        status="ERROR",
        message=f"boom{EVIL}",
        attributes={sc.ERROR_TYPE: f"Err{EVIL}"},
        events=((sc.EVENT_FALLBACK, T0 + 3 * MS, {f"to{EVIL}": f"[bold]x[/bold]{EVIL}"}),),
    )
    _tool(trace, f"tool[red]{EVIL}[/red]", agent, 13, 2)
    _tool(trace, "tab\there\nnewline", agent, 14, 1)


def _wide(builder: SegmentBuilder) -> None:
    trace = _Trace(builder, TRACES["wide"])
    root = _workflow(trace, "fan-out", 1_000)
    for worker in range(12):
        agent = _agent(trace, f"worker{worker}", root, worker * 10, 9)
        for step in range(worker % 4 + 1):
            if step % 2:
                _tool(trace, "search", agent, worker * 10 + step, 0.5)
            else:
                _chat(trace, agent, worker * 10 + step, 0.9, (100 + step, 10))


def _stopped(builder: SegmentBuilder) -> None:
    trace = _Trace(builder, TRACES["stopped"])
    root = _workflow(
        trace,
        "triage",
        30,
        attributes={
            sc.TRACEKIT_WORKFLOW_STOP_REASON: "limit:max_steps",
            sc.TRACEKIT_WORKFLOW_STATUS: "stopped",
        },
    )
    _agent(trace, "router", root, 1, 20)


def _big(builder: SegmentBuilder) -> None:
    # About 700 spans of every kind the tree draws, varied the way a long run varies:
    # fan-out, nesting, handoffs (tracekit's own and foreign), guardrail events, errors,
    # unpriced calls, wide and hostile names, durations from µs to minutes, orphans and a
    # parent cycle. Fixed arithmetic, not random: the same trace on every Python.
    trace = _Trace(builder, TRACES["big"])
    root = _workflow(trace, "big-fan-out", 190_000)
    for worker in range(24):
        start = worker * 4_000.0
        name = f"worker{worker}"
        if worker % 9 == 4:
            name = f"worker{worker}{EVIL}"
        elif worker % 11 == 5:
            name = f"工作者{worker} 👩‍💻"
        attributes: dict[str, Any] = {
            sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT,
            sc.GEN_AI_AGENT_NAME: name,
        }
        if worker % 7 == 3:  # tracekit's own handoff: an agent span naming both ends
            attributes[sc.TRACEKIT_HANDOFF_FROM] = f"worker{worker - 1}"
            attributes[sc.TRACEKIT_HANDOFF_TO] = name
        agent = trace.span(
            sc.agent_span_name(name), root, start, 3_000 + worker * 37.5, attributes=attributes
        )
        for step in range(24):
            at = start + step * 90 + (step * worker) % 7 / 8
            duration = ((worker * 31 + step * 17) % 997) * (0.001 if step % 5 == 0 else 1.3)
            kind = (worker + step) % 6
            if kind in (0, 2, 4):
                events: tuple[tuple[str, int, dict[str, Any]], ...] = ()
                if step % 13 == 7:
                    events = ((sc.EVENT_RETRY, T0 + int(at * MS), {"attempt": step % 3 + 1}),)
                if kind == 4 and worker % 5 == 1:  # an unpriced model
                    trace.span(
                        "chat mystery-model",
                        agent,
                        at,
                        duration,
                        attributes={
                            sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
                            sc.GEN_AI_REQUEST_MODEL: "mystery-model",
                            sc.GEN_AI_USAGE_INPUT_TOKENS: 40 + step,
                        },
                        kind="CLIENT",
                        events=events,
                    )
                    continue
                extra: dict[str, Any] = {}
                if step % 10 == 3:
                    extra[sc.GEN_AI_INPUT_MESSAGES] = json.dumps(
                        [{"role": "user", "parts": [{"type": "text", "content": f"q{step}"}]}]
                    )
                if (worker + step) % 23 == 0:
                    extra[sc.TRACEKIT_COST_USD] = [3.5e-05, 1e-06, 12.5, 0.0][step % 4]
                failed = (worker * step) % 29 == 11
                _chat(
                    trace,
                    agent,
                    at,
                    duration,
                    (100 * (step + 1) + worker, (step * 7) % 50),
                    attributes=extra,
                    events=events,
                    **({"status": "ERROR", "message": f"overloaded {step}"} if failed else {}),
                )
            elif kind == 1:
                _tool(trace, ["search", "fetch", "名前-ツール"][step % 3], agent, at, duration)
            elif kind == 3:
                sub = _agent(trace, f"helper{worker}-{step}", agent, at, duration + 5)
                _chat(trace, sub, at + 0.1, duration / 2, (10, 1))
                inner = _agent(trace, f"inner{step}", sub, at + 0.2, duration / 3)
                _tool(trace, "leaf", inner, at + 0.3, 0.01)
                if step % 4 == 1:
                    trace.span(
                        "transfer_to_billing",
                        inner,
                        at + 0.4,
                        0.02,
                        attributes={
                            sc.GEN_AI_OPERATION_NAME: sc.OP_HANDOFF,
                            sc.TRACEKIT_HANDOFF_TO: "billing",
                        },
                    )
            else:
                _tool(
                    trace,
                    "fail" if step % 2 else "long-" + "z" * (60 + worker),
                    agent,
                    at,
                    duration,
                    **({"status": "ERROR"} if step % 2 else {}),
                )
        if worker % 8 == 6:
            trace.span(
                "limits",
                agent,
                start + 2_900,
                1,
                events=(
                    (sc.EVENT_LIMIT_EXCEEDED, T0 + int(start * MS), {"limit": "max_cost"}),
                    ("log", T0 + int(start * MS), {"message": "not a guardrail"}),
                ),
            )
    trace.span("long wait", root, 180_000, 125_000.25)
    trace.span("orphan", _span_id(99_999), 185_000, 3)
    first = _span_id(trace.next_id)
    trace.span("cycle a", _span_id(trace.next_id + 1), 186_000, 1)
    trace.span("cycle b", first, 186_001, 1)


#: A chain of agents deeper than a terminal is wide (not in the golden files: its tree is
#: compared with Rich's own Tree, which draws what does not fit).
DEEP = "e5" * 16


def _deep(builder: SegmentBuilder) -> None:
    trace = _Trace(builder, DEEP)
    parent = _workflow(trace, "deep", 100)
    for level in range(45):
        parent = _agent(trace, f"level{level}", parent, level + 1, 50 - level)
    _tool(trace, "bottom " + "y" * 30, parent, 60, 1)


def build_show_store(path: Path) -> dict[str, str]:
    """A store at ``path`` holding the traces of :data:`TRACES`; returns :data:`TRACES`."""
    builder = SegmentBuilder()
    for add in (_everything, _hostile, _wide, _stopped, _big, _deep):
        add(builder)
    paths = StorePaths.for_store(path)
    write_segment(paths, builder.to_table())
    fold_pending(paths, wait_s=30.0)
    return TRACES
