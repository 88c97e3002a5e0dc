"""One span as plain values: what OTLP carries, in the spelling the store uses."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
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


def new_span(
    trace_id: str,
    span_id: str,
    parent_span_id: str | None,
    name: str,
    kind: str,
    start_ns: int,
    end_ns: int,
    status_code: str,
    status_message: str | None,
    attributes: dict[str, Any],
    resource: dict[str, Any],
    scope_name: str | None,
    scope_version: str | None,
    events: tuple[OtlpEvent, ...],
    links: tuple[OtlpLink, ...],
) -> OtlpSpan:
    """``OtlpSpan(...)`` with every field given, in order, for the paths that build spans by
    the thousand (a trace file's decoder, replay's capture): the frozen dataclass's
    ``__init__`` sets each field through ``object.__setattr__`` and the type's attribute
    lookup; this sets the slots directly (about 40% less a span)."""
    span: OtlpSpan = _new(OtlpSpan)
    (s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14) = _SPAN_SETTERS
    s0(span, trace_id)
    s1(span, span_id)
    s2(span, parent_span_id)
    s3(span, name)
    s4(span, kind)
    s5(span, start_ns)
    s6(span, end_ns)
    s7(span, status_code)
    s8(span, status_message)
    s9(span, attributes)
    s10(span, resource)
    s11(span, scope_name)
    s12(span, scope_version)
    s13(span, events)
    s14(span, links)
    return span


_new = object.__new__
_SPAN_FIELDS = tuple(f.name for f in fields(OtlpSpan))
_SPAN_SETTERS = tuple(getattr(OtlpSpan, name).__set__ for name in _SPAN_FIELDS)
# new_span's parameters are the fields, in order: a field added to OtlpSpan must be added there.
assert new_span.__code__.co_varnames[: new_span.__code__.co_argcount] == _SPAN_FIELDS
