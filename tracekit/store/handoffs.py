"""Handoffs of a trace, whichever convention recorded them: who passed control to whom.

tracekit's own handoff is an ``invoke_agent`` span carrying ``tracekit.handoff.from`` /
``.to``. Foreign handoffs (the OpenAI Agents SDK's handoff spans through OpenInference and
OpenLLMetry, ``transfer_to_{agent}`` handoff tools) are stored with operation ``handoff`` and
the same two attributes where the span names them (see :mod:`tracekit.store.normalise`).

A span that does not name the agent handing off (a handoff tool only knows its target) was
run by the agent it ran under: :func:`trace_handoffs` reads that from the span's nearest
ancestor naming an agent. A target that no span names stays unknown (None), never guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from tracekit import semconv as sc
from tracekit.otlp.values import text_value

if TYPE_CHECKING:
    # Only named here: ``tracekit show`` draws handoffs without loading pydantic.
    from tracekit.store.models import SpanOutline, SpanRecord

#: How an unknown end is shown: ``tracekit.display.UNKNOWN``, without importing Rich here.
_UNKNOWN = "—"


class HandoffEnds(NamedTuple):
    """The agent handing off and the one taking over; None where unknown."""

    source: str | None
    target: str | None

    def label(self) -> str:
        """``from → to``, an unknown end shown as ``—``.

        >>> HandoffEnds("triage_agent", None).label()
        'triage_agent → —'
        """
        return f"{self.source or _UNKNOWN} → {self.target or _UNKNOWN}"


def is_handoff(span: SpanOutline | SpanRecord) -> bool:
    """Whether the span is a handoff: a foreign one (operation ``handoff``) or one of
    tracekit's own (an ``invoke_agent`` span that hands off)."""
    operation = span.operation
    if operation == sc.OP_HANDOFF:
        return True
    if operation != sc.OP_INVOKE_AGENT:
        return False
    if isinstance(span, tuple):  # a SpanOutline (a named tuple), which knows already
        return span.is_handoff
    return sc.TRACEKIT_HANDOFF_TO in span.attributes


def trace_handoffs(spans: Sequence[SpanOutline | SpanRecord]) -> dict[str, HandoffEnds]:
    """Each handoff span of a trace (``spans`` in tree order, with depths) by span id, with
    its ends; the agent handing off read from the span's ancestry when it names none.

    Only handoff spans have their attributes parsed, so a trace of 10,000 spans costs one
    pass over plain fields.
    """
    found: dict[str, HandoffEnds] = {}
    # The agent named at each depth of the path from the root to the current span.
    path: list[str | None] = []
    for span in spans:
        depth = span.depth
        del path[depth:]
        path.extend([None] * (depth - len(path)))
        if is_handoff(span):
            attributes = span.attributes
            source = text_value(attributes.get(sc.TRACEKIT_HANDOFF_FROM))
            if source is None:
                source = next((agent for agent in reversed(path) if agent), None)
            found[span.span_id] = HandoffEnds(
                source, text_value(attributes.get(sc.TRACEKIT_HANDOFF_TO))
            )
        path.append(span.agent)
    return found
