"""The span a normaliser reads, and the small readers every normaliser shares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tracekit.otlp.values import int_value, text_value


@dataclass(frozen=True)
class SpanEvent:
    """A span event as a normaliser sees it: a name and attributes."""

    name: str
    attributes: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SpanInput:
    """What a normaliser reads of one span: its name, its attributes with its content
    attributes merged in (messages, tool payloads), its events and instrumentation scope."""

    name: str
    attributes: Mapping[str, Any]
    events: Sequence[SpanEvent] = ()
    scope_name: str | None = None


def first_text(attributes: Mapping[str, Any], *keys: str) -> str | None:
    """The first of ``keys`` whose value is non-empty text."""
    for key in keys:
        value = text_value(attributes.get(key))
        if value is not None:
            return value
    return None


def first_int(attributes: Mapping[str, Any], *keys: str) -> int | None:
    """The first of ``keys`` whose value is a number, as an int."""
    for key in keys:
        value = int_value(attributes.get(key))
        if value is not None:
            return value
    return None
