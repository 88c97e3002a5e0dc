"""The normalised ``messages`` ``tracekit show --json`` puts on each model-call span, added to
the plain document :meth:`TraceStore.get_trace_document` builds: no Rich and no model per
span, the same document :func:`tracekit.cli.conversation_view.trace_document` gives.

Only the conversation is read (:func:`~tracekit.otlp.conventions.normalise_messages`), not
the whole normalised span: a tool, agent or workflow span of tracekit's own is settled by its
operation name before any attribute is read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tracekit.otlp.conventions import SpanEvent, SpanInput, normalise_messages

__all__ = ["add_messages"]


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
