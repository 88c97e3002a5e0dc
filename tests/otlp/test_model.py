"""Span values: the fast constructor builds exactly what the dataclass builds."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from tracekit.otlp import OtlpEvent, OtlpLink, OtlpSpan
from tracekit.otlp.model import new_span

VALUES = {
    "trace_id": "5b8efff798038103d269b633813fc60c",
    "span_id": "eee19b7ec3c1b174",
    "parent_span_id": "00f067aa0ba902b7",
    "name": "chat claude-haiku-4-5",
    "kind": "CLIENT",
    "start_ns": 1_700_000_000_000_000_000,
    "end_ns": 1_700_000_000_500_000_000,
    "status_code": "ERROR",
    "status_message": "boom",
    "attributes": {"gen_ai.operation.name": "chat", "n": 3, "xs": ("a", "b")},
    "resource": {"service.name": "svc"},
    "scope_name": "tracekit",
    "scope_version": "1.0",
    "events": (OtlpEvent("retry", 5, {"attempt": 1}),),
    "links": (OtlpLink("5b8efff798038103d269b633813fc60d", "eee19b7ec3c1b175", {}),),
}


def test_new_span_takes_every_field_in_order() -> None:
    assert list(inspect.signature(new_span).parameters) == [
        f.name for f in dataclasses.fields(OtlpSpan)
    ]


def test_new_span_is_the_dataclass_span() -> None:
    fast, slow = new_span(**VALUES), OtlpSpan(**VALUES)
    assert type(fast) is OtlpSpan
    assert fast == slow
    assert repr(fast) == repr(slow)
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    assert all(getattr(fast, name) is value for name, value in VALUES.items())
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.name = "other"  # type: ignore[misc]
