"""A trace read for drawing its span tree, one line per span: the SQL and the row decoding
behind :meth:`TraceStore.get_trace_lines` (what ``tracekit show`` prints).

One query reads only the columns a line shows, sorted by start time. The JSON columns come
back only where a line may need them, decided in SQL: a span's attributes only for a
handoff (to name who handed off to whom), its events only when it has any (a guardrail
event is drawn under its span). One pass puts the rows in tree order
(:func:`~tracekit.store.tree.tree_order`); nothing is validated per span, so a
10,000-span trace reads in about the time DuckDB takes to hand over its rows.

:func:`span_lines` gives the same lines from a :class:`SpanOutline` list (what a browser
holds), so every reader draws a span's line from the same fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from tracekit import semconv as sc
from tracekit.otlp.values import text_value
from tracekit.store.handoffs import HandoffEnds, trace_handoffs
from tracekit.store.trace_rows import TraceRow
from tracekit.store.tree import tree_order

if TYPE_CHECKING:
    # The models (pydantic) load only for a span with a guardrail event: a trace's lines
    # and its summary (the store's own row) are plain tuples.
    from tracekit.store.models import SpanEvent, SpanOutline

__all__ = ["SpanLine", "TraceLines", "read_span_lines", "span_lines"]


class SpanLine(NamedTuple):
    """One span as a line of a trace's span tree: what the line shows, and its depth.

    ``handoff`` holds the ends of a handoff span (None for any other span); ``guardrails``
    the guardrail events fired on the span, in order, drawn as lines under it.
    """

    span_id: str
    name: str
    duration_ns: int
    status_code: str
    status_message: str | None
    operation: str | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    error_type: str | None
    depth: int
    handoff: HandoffEnds | None
    guardrails: tuple[SpanEvent, ...]


class TraceLines(NamedTuple):
    """A trace as ``tracekit show`` draws it: its summary (the store's own row, with the
    fields of :class:`~tracekit.store.TraceSummary`) and its spans as :class:`SpanLine` in
    tree order (the order of :meth:`TraceStore.get_trace`)."""

    summary: TraceRow
    spans: list[SpanLine]


# The columns of SpanLine up to error_type, then what the line is worked out from.
_LINES_SQL = """
SELECT span_id, name, duration_ns, status_code, status_message, operation, input_tokens,
       output_tokens, cost_usd, error_type, parent_span_id, agent,
       CASE WHEN operation = $handoff
              OR (operation = $invoke_agent AND contains(attributes, $handoff_to))
            THEN attributes END AS handoff_attributes,
       events
FROM spans
WHERE trace_id = $trace_id
ORDER BY start_ns, span_id
"""
_PARAMETERS = {
    "handoff": sc.OP_HANDOFF,
    "invoke_agent": sc.OP_INVOKE_AGENT,
    # A superset (the key as text anywhere in the JSON); the parsed attributes decide.
    "handoff_to": f'"{sc.TRACEKIT_HANDOFF_TO}"',
}
_SHOWN = 10  # the columns of SpanLine before depth
_PARENT, _AGENT, _HANDOFF, _EVENTS = 10, 11, 12, 13
_make = SpanLine._make


def read_span_lines(con: Any, trace_id: str) -> list[SpanLine]:
    """The spans of ``trace_id`` as lines, in tree order (see
    :func:`~tracekit.store.tree.tree_order`), with the handoff ends
    :func:`~tracekit.store.handoffs.trace_handoffs` gives and the guardrail events."""
    rows = con.execute(_LINES_SQL, {**_PARAMETERS, "trace_id": trace_id}).fetchall()
    ordered = tree_order(rows, id_at=0, parent_at=_PARENT)
    lines: list[SpanLine] = []
    append = lines.append
    shown = _SHOWN
    for index, (row, depth) in enumerate(ordered):
        if row[_HANDOFF] is None and row[_EVENTS] is None:
            append(_make((*row[:shown], depth, None, ())))
            continue
        handoff = None
        if row[_HANDOFF] is not None:
            handoff = _handoff(row, ordered, index)
        guardrails = _guardrails(row[_EVENTS]) if row[_EVENTS] is not None else ()
        append(_make((*row[:shown], depth, handoff, guardrails)))
    return lines


def _handoff(
    row: tuple[Any, ...], ordered: list[tuple[tuple[Any, ...], int]], index: int
) -> HandoffEnds | None:
    # As trace_handoffs reads it: a foreign handoff always is one; tracekit's own is an
    # agent span whose attributes name the agent taking over.
    import pydantic_core

    parsed = pydantic_core.from_json(row[_HANDOFF])
    attributes: dict[str, Any] = parsed if isinstance(parsed, dict) else {}
    if row[5] != sc.OP_HANDOFF and sc.TRACEKIT_HANDOFF_TO not in attributes:
        return None
    source = text_value(attributes.get(sc.TRACEKIT_HANDOFF_FROM))
    if source is None:
        source = _ancestor_agent(ordered, index)
    return HandoffEnds(source, text_value(attributes.get(sc.TRACEKIT_HANDOFF_TO)))


def _ancestor_agent(ordered: list[tuple[tuple[Any, ...], int]], index: int) -> str | None:
    # The nearest ancestor naming an agent: in tree order, a span's ancestors are the last
    # span before it at each smaller depth.
    wanted = ordered[index][1] - 1
    for position in range(index - 1, -1, -1):
        if wanted < 0:
            break
        row, depth = ordered[position]
        if depth <= wanted:
            if row[_AGENT]:
                return row[_AGENT]  # type: ignore[no-any-return]
            wanted = depth - 1
    return None


def _guardrails(events_json: str) -> tuple[SpanEvent, ...]:
    # Events are validated only on a span with a guardrail event, as SpanOutline does.
    import pydantic_core

    parsed = pydantic_core.from_json(events_json) if events_json else []
    if not isinstance(parsed, list) or not any(
        isinstance(event, dict) and event.get("name") in sc.GUARDRAIL_EVENTS for event in parsed
    ):
        return ()
    from tracekit.store.models import SpanEvent

    return tuple(
        event
        for event in (SpanEvent.model_validate(item) for item in parsed)
        if event.name in sc.GUARDRAIL_EVENTS
    )


def span_lines(spans: Sequence[SpanOutline]) -> list[SpanLine]:
    """``spans`` (a trace's outline, in tree order) as the lines :func:`read_span_lines`
    reads from the store."""
    handoffs = trace_handoffs(spans)
    return [
        SpanLine(
            span.span_id,
            span.name,
            span.duration_ns,
            span.status_code,
            span.status_message,
            span.operation,
            span.input_tokens,
            span.output_tokens,
            span.cost_usd,
            span.error_type,
            span.depth,
            handoffs.get(span.span_id),
            tuple(event for event in span.events if event.name in sc.GUARDRAIL_EVENTS)
            if span.has_guardrail
            else (),
        )
        for span in spans
    ]
