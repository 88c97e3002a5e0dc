"""The normalised ``messages`` ``tracekit show --json`` puts on each model-call span, added to
the plain document :meth:`TraceStore.get_trace_document` builds: no Rich and no model per
span, the same document :func:`tracekit.cli.conversation_view.trace_document` gives."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from tracekit.otlp.conventions import normalise_attributes

__all__ = ["add_messages"]


class _Event(NamedTuple):
    # What normalise_attributes reads of an event: its name and attributes.
    name: str
    attributes: dict[str, Any]


def add_messages(document: dict[str, Any], content: Mapping[str, dict[str, Any]]) -> None:
    """Give each model-call span of ``document`` (in place) its conversation as ``messages``
    (the GenAI semconv message schema), read whichever convention recorded it; ``content``
    is the trace's content attributes by span id (:meth:`TraceStore.get_trace_content`)."""
    for span in document["spans"]:
        found = normalise_attributes(
            span["name"],
            span["attributes"] or {},
            content.get(span["span_id"]),
            [_Event(event["name"], event["attributes"] or {}) for event in span["events"]],
            span["scope_name"],
        )
        if found.is_llm:
            span["messages"] = [
                message.model_dump(mode="json", exclude_none=True) for message in found.messages
            ]
