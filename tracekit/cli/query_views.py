"""How ``tracekit show`` draws a trace (a Rich tree of spans) and prints models as JSON;
``tracekit traces`` is :mod:`tracekit.cli.traces_view`.

Everything shown comes from traces, which are untrusted text (a model's output can contain
Rich markup or terminal escape sequences): every value is wrapped in ``rich.text.Text`` after
control characters are made visible, so nothing in a trace can style or drive the terminal.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from rich.tree import Tree

from tracekit import semconv as sc
from tracekit.cli.traces_view import print_note as print_note
from tracekit.cli.traces_view import status_text, stdout_console, token_pair
from tracekit.display import (
    UNKNOWN,
    format_cost,
    format_duration,
    format_partial_cost,
    literal,
)
from tracekit.store import (
    HandoffEnds,
    SpanOutline,
    SpanRecord,
    TraceDetail,
    TraceOutline,
    trace_handoffs,
)

# --- rendering ------------------------------------------------------------------------------------

#: show_view prints through these (they moved to traces_view with ``traces``).
_console = stdout_console


def trace_tree(detail: TraceDetail | TraceOutline) -> Tree:
    """The trace as a Rich tree: one node per span, guardrail events under their span."""
    summary = detail.summary
    header = Text.assemble(
        literal(summary.workflow, "bold"),
        "  ",
        literal(summary.trace_id),
        "  ",
        status_text(summary),
        literal(
            f"  {format_duration(summary.duration_ns)} · {summary.span_count} spans · "
            f"{summary.steps} steps · "
            f"{token_pair(summary.input_tokens, summary.output_tokens)} tokens · "
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
        details.append(f"{token_pair(span.input_tokens, span.output_tokens)} tokens")
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


# --- output ---------------------------------------------------------------------------------------
