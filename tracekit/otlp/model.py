"""One span as plain values: what OTLP carries, in the spelling the store uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class OtlpEvent:
    """A span event: name, time (ns since the epoch) and attributes."""

    name: str
    time_ns: int
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OtlpLink:
    """A link to another span: its ids (lower-case hex) and the link's attributes."""

    trace_id: str
    span_id: str
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OtlpSpan:
    """A finished span as plain values.

    Ids are lower-case hex (32 digits for a trace, 16 for a span); ``kind`` and
    ``status_code`` are the OTel enum names (``"CLIENT"``, ``"ERROR"``). ``attributes`` holds
    content attributes too (messages, tool arguments and results) when the source had them.

    Attribute values are what OTLP's ``AnyValue`` can carry: ``str``, ``bool``, ``int``,
    ``float``, ``bytes``, ``None`` (an empty value), lists of values (arrays) and
    ``dict[str, value]`` (key-value lists).
    """

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    kind: str
    start_ns: int
    end_ns: int
    status_code: str = "UNSET"
    status_message: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    resource: dict[str, Any] = field(default_factory=dict)
    scope_name: str | None = None
    scope_version: str | None = None
    events: tuple[OtlpEvent, ...] = ()
    links: tuple[OtlpLink, ...] = ()
