"""The normalised ``messages`` ``tracekit show --json`` puts on each model-call span, added to
the plain document :meth:`TraceStore.get_trace_document` builds: no Rich and no model per
span, the same document :func:`tracekit.cli.conversation_view.trace_document` gives.

Only the conversation is read (:func:`~tracekit.otlp.conventions.normalise_messages`), not
the whole normalised span: a tool, agent or workflow span of tracekit's own is settled by its
operation name before any attribute is read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from tracekit.otlp.conventions import SpanEvent, SpanInput, normalise_messages

__all__ = ["add_messages", "finite_floats"]


def add_messages(document: dict[str, Any], content: Mapping[str, dict[str, Any]]) -> None:
    """Give each model-call span of ``document`` (in place) its conversation as ``messages``
    (the GenAI semconv message schema), read whichever convention recorded it; ``content``
    is the trace's content attributes by span id (:meth:`TraceStore.get_trace_content`)."""
    for span in document["spans"]:
        attributes = span["attributes"] or {}
        extra = content.get(span["span_id"])
        found = normalise_messages(
            SpanInput(
                name=span["name"],
                attributes={**attributes, **extra} if extra else attributes,
                events=[
                    SpanEvent(event["name"], event["attributes"] or {}) for event in span["events"]
                ],
                scope_name=span["scope_name"],
            )
        )
        if found is not None:
            span["messages"] = [
                message.model_dump(mode="json", exclude_none=True) for message in found
            ]


def finite_floats(document: dict[str, Any]) -> bool:
    """Whether every float in ``document`` (a trace document with its messages) is finite,
    so it can be written by orjson (see :func:`~tracekit.cli.json_text.indented_json`).

    Only the float fields can hold an infinity or NaN: the summary's and each span's cost
    (``model_dump(mode="json")`` writes one as it is), and whatever the messages hold. The
    parsed JSON of a span's attributes, resource and events cannot: a span whose text says
    ``Infinity`` or ``NaN`` was written through the models, which write those as ``null``.
    """
    summary_cost = document["summary"]["cost_usd"]
    if summary_cost is not None and not math.isfinite(summary_cost):
        return False
    isfinite = math.isfinite
    for span in document["spans"]:
        cost = span["cost_usd"]
        if cost is not None and not isfinite(cost):
            return False
        messages = span.get("messages")
        if messages and not _finite(messages):
            return False
    return True


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(item) for item in value.values())
    if isinstance(value, list):
        return all(_finite(item) for item in value)
    return True
