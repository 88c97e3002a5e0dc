"""What ``tracekit traces`` and ``show`` run (their arguments are in
:mod:`tracekit.cli.query_commands`): read-only views of the store.

Everything shown comes from traces, which are untrusted text (a model's output can contain
Rich markup or terminal escape sequences): every value is wrapped in ``rich.text.Text`` after
control characters are made visible, so nothing in a trace can style or drive the terminal.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from rich.console import Console
from rich.text import Text
from rich.tree import Tree

from tracekit import semconv as sc
from tracekit.display import (
    STATUS_STYLES,
    UNKNOWN,
    format_cost,
    format_duration,
    format_partial_cost,
    inert_json,
    literal,
    unpriced_note,
)
from tracekit.store import (
    HandoffEnds,
    SpanOutline,
    SpanRecord,
    TraceDetail,
    TraceOutline,
    TraceStore,
    TraceSummary,
    trace_handoffs,
)

_SHORT_ID = 12


# --- handlers -------------------------------------------------------------------------------------


def run_traces(args: argparse.Namespace) -> int:
    """List traces."""
    page = TraceStore(args.store).page_traces(args.filter, order=args.sort, limit=args.limit)
    summaries = page.traces
    if args.json:
        return _print_json(summaries)
    from rich.table import Table  # here: `show` imports this module and draws no table

    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("time", "trace", "workflow", "status"):
        table.add_column(column, no_wrap=column != "workflow")
    for column in ("duration", "steps", "tokens in/out", "cost"):
        table.add_column(column, justify="right", no_wrap=True)
    for summary in summaries:
        table.add_row(
            literal(_local_time(summary.start_ns)),
            literal(summary.trace_id[:_SHORT_ID]),
            _workflow_text(summary),
            _status_text(summary),
            literal(format_duration(summary.duration_ns)),
            literal(str(summary.steps)),
            literal(_token_pair(summary.input_tokens, summary.output_tokens)),
            literal(format_partial_cost(summary.cost_usd, summary.unpriced_spans)),
        )
    console = _console()
    if not summaries:
        console.print(
            Text("no traces match the filter" if page.query else "no traces in the store yet")
        )
        return 0
    console.print(table)
    print_note(console, sum(summary.unpriced_spans for summary in summaries))
    return 0


# --- rendering ------------------------------------------------------------------------------------


def _local_time(start_ns: int) -> str:
    return datetime.fromtimestamp(start_ns / 1e9).strftime("%Y-%m-%d %H:%M:%S")


def _workflow_text(summary: TraceSummary) -> Text:
    if summary.parent_trace_id is None:
        return literal(summary.workflow)
    fork = f" ⑂ fork of {summary.parent_trace_id[:_SHORT_ID]} at {summary.fork_at or '?'}"
    return Text.assemble(literal(summary.workflow), literal(fork, "magenta"))


def _status_text(summary: TraceSummary) -> Text:
    label: str = summary.status
    if summary.stop_reason:
        label = f"{label} ({summary.stop_reason})"
    return literal(label, STATUS_STYLES.get(summary.status, ""))


def trace_tree(detail: TraceDetail | TraceOutline) -> Tree:
    """The trace as a Rich tree: one node per span, guardrail events under their span."""
    summary = detail.summary
    header = Text.assemble(
        literal(summary.workflow, "bold"),
        "  ",
        literal(summary.trace_id),
        "  ",
        _status_text(summary),
        literal(
            f"  {format_duration(summary.duration_ns)} · {summary.span_count} spans · "
            f"{summary.steps} steps · "
            f"{_token_pair(summary.input_tokens, summary.output_tokens)} tokens · "
            f"{format_partial_cost(summary.cost_usd, summary.unpriced_spans)}"
        ),
    )
    if summary.parent_trace_id is not None:
        header.append("\n")
        header.append_text(
            literal(
                f"⑂ fork of {summary.parent_trace_id} at step {summary.fork_at or '?'}", "magenta"
            )
        )
    tree = Tree(header)
    parents: list[Tree] = [tree]
    handoffs = trace_handoffs(detail.spans)
    for span in detail.spans:
        depth = min(span.depth, len(parents) - 1)
        node = parents[depth].add(span_label(span, handoffs.get(span.span_id)))
        del parents[depth + 1 :]
        parents.append(node)
        for event in span.events:
            if event.name in sc.GUARDRAIL_EVENTS:
                node.add(_event_label(event.name, event.attributes))
    return tree


def span_label(span: SpanRecord | SpanOutline, handoff: HandoffEnds | None = None) -> Text:
    """One span's line: name, who handed off to whom (for a handoff: ``handoff``, see
    :func:`~tracekit.store.handoffs.trace_handoffs`), duration, tokens, cost (``— unpriced``
    for a model call without a price) and, for an error, why."""
    is_error = span.status_code == "ERROR"
    parts: list[Text | str] = [literal(span.name, "bold red" if is_error else "bold")]
    if handoff is not None:
        parts.append(literal(f"  ⇢ {handoff.label()}", "cyan"))
    details = [format_duration(span.duration_ns)]
    if span.input_tokens is not None or span.output_tokens is not None:
        details.append(f"{_token_pair(span.input_tokens, span.output_tokens)} tokens")
    if span.cost_usd is not None:
        details.append(format_cost(span.cost_usd))
    elif span.operation in sc.LLM_OPERATIONS:
        details.append(f"{UNKNOWN} unpriced")
    parts.append(literal("  " + " · ".join(details), "dim"))
    if is_error:
        reason = span.error_type or "error"
        if span.status_message:
            reason = f"{reason}: {span.status_message}"
        parts.append(literal(f"  ✗ {reason}", "bold red"))
    return Text.assemble(*parts)


def _event_label(name: str, attributes: dict[str, Any]) -> Text:
    shown = " ".join(f"{key}={value}" for key, value in attributes.items())
    return Text.assemble(literal(f"⚠ {name}", "yellow"), literal(f"  {shown}" if shown else ""))


def _token_pair(tokens_in: int | None, tokens_out: int | None) -> str:
    def shown(count: int | None) -> str:
        return UNKNOWN if count is None else f"{count:,}"

    return f"{shown(tokens_in)}/{shown(tokens_out)}"


def print_note(console: Console, unpriced_spans: int) -> None:
    """The footnote under a total that leaves unpriced model calls out (nothing if none)."""
    note = unpriced_note(unpriced_spans)
    if note:
        console.print(literal(note, "dim"))


# --- output ---------------------------------------------------------------------------------------


def _console() -> Console:
    # Piped output gets a fixed, generous width so columns are not squeezed to 80.
    width = None if sys.stdout.isatty() else 160
    return Console(file=sys.stdout, highlight=False, width=width)


def _print_json(value: BaseModel | Sequence[BaseModel]) -> int:
    if isinstance(value, BaseModel):
        document: Any = value.model_dump(mode="json")
    else:
        document = [item.model_dump(mode="json") for item in value]
    sys.stdout.write(inert_json(json.dumps(document, indent=2, ensure_ascii=False)) + "\n")
    return 0
