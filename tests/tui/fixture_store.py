"""A fixed store for the TUI tests: six runs with frozen ids, clocks and content.

Spans go in through the same path as every ingest (``SegmentBuilder`` -> spool segment ->
fold), so the store is real; only the ids and times are fixed, which keeps SVG snapshots
stable across machines.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tracekit import semconv as sc
from tracekit.store.convert import SegmentBuilder
from tracekit.store.fold import fold_pending
from tracekit.store.paths import StorePaths
from tracekit.store.spool import write_segment

MS = 1_000_000
#: 2025-06-15 10:00:00 UTC.
T0 = 1_749_981_600_000 * MS
#: Model output that tries to style the terminal and to clear it.
HOSTILE_TEXT = "[bold red]x[/] then \x1b[2J cleared?"


def trace_id(n: int) -> str:
    """The fixed trace id of run ``n``."""
    return hashlib.md5(f"trace-{n}".encode()).hexdigest()


def _span_id(n: int, index: int) -> str:
    return hashlib.md5(f"span-{n}-{index}".encode()).hexdigest()[:16]


def _text(role: str, text: str) -> dict[str, Any]:
    return {"role": role, "parts": [{"type": "text", "content": text}]}


class _Run:
    """Spans of one run, added parent-first on a millisecond clock."""

    def __init__(self, builder: SegmentBuilder, n: int, workflow: str) -> None:
        self.builder, self.n, self.workflow = builder, n, workflow
        self.start = T0 + n * 60_000 * MS
        self.count = 0

    def span(
        self,
        name: str,
        parent: str | None,
        start_ms: float,
        end_ms: float,
        attributes: Mapping[str, Any],
        *,
        kind: str = "INTERNAL",
        error: str | None = None,
        events: list[tuple[str, float, dict[str, Any]]] | None = None,
    ) -> str:
        span_id = _span_id(self.n, self.count)
        self.count += 1
        attrs = dict(attributes)
        if error:
            attrs[sc.ERROR_TYPE] = error.split(":")[0]
        self.builder.add(
            trace_id=trace_id(self.n),
            span_id=span_id,
            parent_span_id=parent,
            name=name,
            kind=kind,
            start_ns=self.start + int(start_ms * MS),
            end_ns=self.start + int(end_ms * MS),
            status_code="ERROR" if error else "UNSET",
            status_message=error.split(":", 1)[1].strip() if error and ":" in error else None,
            attributes=attrs,
            resource={sc.SERVICE_NAME: "fixture"},
            scope_name="tracekit",
            events=[
                (event, self.start + int(at_ms * MS), event_attrs)
                for event, at_ms, event_attrs in events or []
            ],
        )
        return span_id

    def workflow_span(self, end_ms: float, **extra: Any) -> str:
        return self.span(
            sc.workflow_span_name(self.workflow),
            None,
            0,
            end_ms,
            {
                sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW,
                sc.GEN_AI_WORKFLOW_NAME: self.workflow,
                sc.TRACEKIT_WORKFLOW_INPUT: json.dumps({"doc": "Q2 report"}),
                **extra.pop("attributes", {}),
            },
            **extra,
        )

    def agent(self, name: str, parent: str, start_ms: float, end_ms: float, **extra: Any) -> str:
        return self.span(
            sc.agent_span_name(name),
            parent,
            start_ms,
            end_ms,
            {
                sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT,
                sc.GEN_AI_AGENT_NAME: name,
                sc.TRACEKIT_AGENT_PATH: name,
                **extra.pop("attributes", {}),
            },
            **extra,
        )

    def chat(
        self,
        agent: str,
        parent: str,
        start_ms: float,
        end_ms: float,
        *,
        model: str = "claude-haiku-4-5",
        messages: list[dict[str, Any]],
        output: list[dict[str, Any]],
        tokens: tuple[int, int] = (120, 30),
        cost: float = 0.0021,
        **extra: Any,
    ) -> str:
        return self.span(
            sc.chat_span_name(model),
            parent,
            start_ms,
            end_ms,
            {
                sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
                sc.GEN_AI_PROVIDER_NAME: "anthropic",
                sc.GEN_AI_REQUEST_MODEL: model,
                sc.GEN_AI_USAGE_INPUT_TOKENS: tokens[0],
                sc.GEN_AI_USAGE_OUTPUT_TOKENS: tokens[1],
                sc.TRACEKIT_COST_USD: cost,
                sc.TRACEKIT_AGENT_PATH: agent,
                sc.GEN_AI_SYSTEM_INSTRUCTIONS: json.dumps(
                    [{"type": "text", "content": f"You are the {agent}."}]
                ),
                sc.GEN_AI_INPUT_MESSAGES: json.dumps(messages),
                sc.GEN_AI_OUTPUT_MESSAGES: json.dumps(output),
            },
            kind="CLIENT",
            **extra,
        )

    def tool(
        self, agent: str, parent: str, start_ms: float, end_ms: float, name: str, args: Any
    ) -> str:
        return self.span(
            sc.tool_span_name(name),
            parent,
            start_ms,
            end_ms,
            {
                sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL,
                sc.GEN_AI_TOOL_NAME: name,
                sc.GEN_AI_TOOL_CALL_ID: f"call_{self.n}",
                sc.TRACEKIT_AGENT_PATH: agent,
                sc.GEN_AI_TOOL_CALL_ARGUMENTS: json.dumps(args),
                sc.GEN_AI_TOOL_CALL_RESULT: json.dumps({"hits": 3, "top": "Revenue rose 12%"}),
            },
        )


def _doc_pipeline(
    builder: SegmentBuilder,
    n: int,
    *,
    query: str = "revenue",
    fail: bool = False,
    answer: str = "Revenue rose 12% in Q2.",
) -> None:
    run = _Run(builder, n, "doc-pipeline")
    root = run.workflow_span(2400, error="ModelError: writer failed" if fail else None)
    planner = run.agent("planner", root, 10, 1200)
    call = {"type": "tool_call", "id": f"call_{n}", "name": "search", "arguments": {"q": query}}
    run.chat(
        "planner",
        planner,
        20,
        600,
        messages=[_text("user", "Summarise the Q2 report.")],
        output=[{"role": "assistant", "parts": [call]}],
    )
    run.tool("planner", planner, 610, 800, "search", {"q": query})
    run.chat(
        "planner",
        planner,
        810,
        1190,
        messages=[
            _text("user", "Summarise the Q2 report."),
            {"role": "assistant", "parts": [call]},
            {
                "role": "tool",
                "parts": [
                    {"type": "tool_call_response", "id": f"call_{n}", "response": {"hits": 3}}
                ],
            },
        ],
        output=[_text("assistant", "Plan: one section on revenue.")],
    )
    writer = run.agent(
        "writer", root, 1210, 2390, error="ModelError: model failed" if fail else None
    )
    run.chat(
        "writer",
        writer,
        1220,
        2380,
        model="claude-sonnet-4-5",
        tokens=(900, 240),
        cost=0.0063,
        messages=[_text("user", "Write the revenue section.")],
        output=[_text("assistant", answer)],
        error="TransientModelError: overloaded" if fail else None,
        events=[(sc.EVENT_RETRY, 1500, {sc.EVENT_RETRY_ATTEMPT: 1, sc.EVENT_RETRY_DELAY_S: 0.5})]
        if fail
        else None,
    )


def _support_router(builder: SegmentBuilder, n: int) -> None:
    run = _Run(builder, n, "support-router")
    root = run.workflow_span(900)
    router = run.agent("router", root, 5, 890)
    run.chat(
        "router",
        router,
        10,
        300,
        messages=[_text("user", "My invoice is wrong.")],
        output=[_text("assistant", "billing")],
        tokens=(80, 5),
        cost=0.0004,
    )
    billing = run.agent(
        "billing",
        router,
        310,
        880,
        attributes={sc.TRACEKIT_HANDOFF_FROM: "router", sc.TRACEKIT_HANDOFF_TO: "billing"},
    )
    run.chat(
        "billing",
        billing,
        320,
        870,
        messages=[_text("user", "My invoice is wrong.")],
        output=[_text("assistant", "I have opened a refund for invoice 42.")],
        tokens=(200, 40),
        cost=0.0012,
    )


def _guarded_research(builder: SegmentBuilder, n: int) -> None:
    run = _Run(builder, n, "guarded-research")
    root = run.workflow_span(
        1500,
        attributes={
            sc.TRACEKIT_WORKFLOW_STATUS: "stopped",
            sc.TRACEKIT_WORKFLOW_STOP_REASON: "limit:max_steps",
        },
        events=[(sc.EVENT_LIMIT_EXCEEDED, 1490, {sc.EVENT_LIMIT_NAME: "max_steps"})],
    )
    researcher = run.agent("researcher", root, 10, 1480)
    for step in range(3):
        run.tool("researcher", researcher, 20 + step * 400, 380 + step * 400, "search", {"q": "x"})
    run.span(
        "loop guard",
        researcher,
        1300,
        1310,
        {sc.TRACEKIT_AGENT_PATH: "researcher"},
        events=[(sc.EVENT_LOOP_DETECTED, 1305, {sc.EVENT_REASON: "search x repeated"})],
    )


def _hostile_names(builder: SegmentBuilder, n: int) -> None:
    run = _Run(builder, n, "[bold red]evil[/]\x1b[2J")
    root = run.workflow_span(100)
    run.agent("[blink]agent[/]", root, 1, 99)


def build_fixture_store(path: Path, *, hostile_names: bool = False) -> Path:
    """Write the six fixed runs into a new store at ``path`` and fold them; returns ``path``.

    Runs (oldest first): 0 doc-pipeline ok, 1 doc-pipeline error, 2 support-router ok,
    3 guarded-research stopped, 4 doc-pipeline ok whose answer is :data:`HOSTILE_TEXT`,
    5 doc-pipeline ok searching a different query (diverges from run 0 at the tool call);
    with ``hostile_names`` also 6, whose workflow and agent names hold markup and escapes.
    """
    builder = SegmentBuilder()
    _doc_pipeline(builder, 0)
    _doc_pipeline(builder, 1, fail=True)
    _support_router(builder, 2)
    _guarded_research(builder, 3)
    _doc_pipeline(builder, 4, answer=HOSTILE_TEXT)
    _doc_pipeline(builder, 5, query="profit")
    if hostile_names:
        _hostile_names(builder, 6)
    paths = StorePaths.for_store(path)
    write_segment(paths, builder.to_table())
    assert fold_pending(paths, wait_s=10.0) is not None
    return path
