"""pytest plugin (entry point ``pytest11``, name ``tracekit_testing``): deterministic telemetry
for tests of code that tracekit instruments.

Installing tracekit makes these fixtures available in every test, with no import or
``conftest.py`` needed:

- ``captured``: a :class:`Captured` -- a :class:`~tracekit.telemetry.Telemetry` whose spans and
  metrics are kept in memory, with helpers to find them (:meth:`Captured.one`,
  :meth:`Captured.named`, :meth:`Captured.events`, :meth:`Captured.metric_points`).
- ``sequential_ids``: an id generator that hands out span and trace ids 1, 2, 3, … (the one
  replay uses), so ids are the same on every run.
- ``frozen_clock``: the wall clock stopped at :data:`FROZEN_AT` (2026-01-01 00:00 UTC) for the
  test, span timestamps included; ``frozen_clock.shift(1.5)`` moves it on by 1.5 s. It uses
  `time-machine <https://github.com/adamchainz/time-machine>`_ (a dependency of tracekit).
  Monotonic clocks keep running, so timeouts and limits still work.

A test::

    from tracekit import Agent, Context, ModelRouter, ScriptedModel, Workflow
    from tracekit.testing import Captured

    echo = Agent("echo")
    wf = Workflow("hello", models=ModelRouter({}, default=ScriptedModel()))

    @wf.entrypoint
    def run(ctx: Context[None], text: str) -> str:
        return ctx.call(echo, text)

    def test_the_agent_call_is_recorded(captured: Captured) -> None:
        wf.run("hi there", telemetry=captured.telemetry)
        assert captured.one("invoke_agent echo").attributes["gen_ai.agent.name"] == "echo"

Fixtures combine. Deterministic ids *and* timestamps in every captured span, by overriding
``captured`` in a ``conftest.py``::

    import pytest
    from tracekit.testing import capture_telemetry

    @pytest.fixture
    def captured(sequential_ids, frozen_clock):
        with capture_telemetry(id_generator=sequential_ids) as captured:
            yield captured

The plugin is loaded in every pytest session of anyone who installs tracekit, so it imports
the in-memory exporters and time-machine only when a fixture asks for them. ``-p
no:tracekit_testing`` turns it off.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import time_machine
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.sdk.trace.id_generator import IdGenerator

    from tracekit.pricing import PriceTable
    from tracekit.telemetry import SequentialIds, Telemetry

__all__ = [
    "FROZEN_AT",
    "Captured",
    "capture_telemetry",
    "captured",
    "frozen_clock",
    "json_attr",
    "sequential_ids",
    "span_tree",
]

#: Where ``frozen_clock`` stops the wall clock.
FROZEN_AT = datetime(2026, 1, 1, tzinfo=timezone.utc)


@dataclass
class Captured:
    """Telemetry plus what it recorded: its finished spans and its metrics."""

    telemetry: Telemetry
    exporter: InMemorySpanExporter
    metrics: InMemoryMetricReader

    @property
    def spans(self) -> list[ReadableSpan]:
        """Every finished span, in the order they ended."""
        return list(self.exporter.get_finished_spans())

    def named(self, prefix: str) -> list[ReadableSpan]:
        """The finished spans whose name starts with ``prefix`` (``"chat "``, say)."""
        return [s for s in self.spans if s.name.startswith(prefix)]

    def one(self, name: str) -> ReadableSpan:
        """The one finished span called ``name``; fails the test unless there is exactly one."""
        matches = [s for s in self.spans if s.name == name]
        assert len(matches) == 1, f"expected one span {name!r}, got {[s.name for s in self.spans]}"
        return matches[0]

    def events(self, name: str) -> list[tuple[ReadableSpan, dict[str, Any]]]:
        """Every span event called ``name``, with the span it is on and its attributes."""
        return [
            (s, dict(e.attributes or {})) for s in self.spans for e in s.events if e.name == name
        ]

    def metric_points(self, metric: str) -> list[Any]:
        """The data points recorded so far for ``metric`` (``gen_ai.client.token.usage``)."""
        data = self.metrics.get_metrics_data()
        points: list[Any] = []
        for rm in data.resource_metrics if data else []:
            for sm in rm.scope_metrics:
                for m in sm.metrics:
                    if m.name == metric:
                        points.extend(m.data.data_points)
        return points


def json_attr(span: ReadableSpan, key: str) -> Any:
    """A JSON-valued attribute (``gen_ai.input.messages``, say), parsed."""
    value = (span.attributes or {})[key]
    assert isinstance(value, str)
    return json.loads(value)


def span_tree(spans: Iterable[ReadableSpan], *, ignore: Iterable[str] = ()) -> list[Any]:
    """The spans as a tree with no timings and no ids: what to compare two runs on.

    Each node is ``{"name", "kind", "status", "attributes", "events", "children"}``;
    ``ignore`` names attributes to leave out (a call site, a conversation id). Siblings are
    sorted by their content, so parallel calls compare equal whichever finished first. Two
    runs with equal trees made the same calls, with the same parentage, attributes and events:

    >>> span_tree([])
    []
    """
    dropped = set(ignore)
    spans = list(spans)
    children: dict[int | None, list[ReadableSpan]] = {}
    for span in spans:
        children.setdefault(span.parent.span_id if span.parent else None, []).append(span)

    def node(span: ReadableSpan) -> dict[str, Any]:
        kids = [node(child) for child in children.get(span.context.span_id, [])]
        return {
            "name": span.name,
            "kind": span.kind.name,
            "status": [span.status.status_code.name, span.status.description],
            "attributes": {
                k: list(v) if isinstance(v, tuple) else v
                for k, v in sorted((span.attributes or {}).items())
                if k not in dropped
            },
            "events": [
                [
                    e.name,
                    {k: v for k, v in sorted((e.attributes or {}).items()) if k not in dropped},
                ]
                for e in span.events
            ],
            "children": sorted(kids, key=_canonical),
        }

    known = {span.context.span_id for span in spans}
    roots = [s for s in spans if s.parent is None or s.parent.span_id not in known]
    return sorted((node(root) for root in roots), key=_canonical)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


@contextmanager
def capture_telemetry(
    *,
    id_generator: IdGenerator | None = None,
    prices: PriceTable | None = None,
    service_name: str = "tracekit",
) -> Iterator[Captured]:
    """Telemetry that keeps its spans and metrics in memory, shut down when the block ends.

    >>> with capture_telemetry() as captured:
    ...     with captured.telemetry.tracer.start_as_current_span("step"):
    ...         pass
    >>> [span.name for span in captured.spans]
    ['step']
    """
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from tracekit.telemetry import Telemetry

    exporter = InMemorySpanExporter()
    reader = InMemoryMetricReader()
    telemetry = Telemetry(
        processors=[SimpleSpanProcessor(exporter)],
        metric_readers=[reader],
        prices=prices,
        service_name=service_name,
        id_generator=id_generator,
    )
    try:
        yield Captured(telemetry, exporter, reader)
    finally:
        telemetry.shutdown()


@pytest.fixture
def captured() -> Iterator[Captured]:
    """Telemetry whose spans and metrics the test can read (see :class:`Captured`)."""
    with capture_telemetry() as capture:
        yield capture


@pytest.fixture
def sequential_ids() -> SequentialIds:
    """An id generator handing out span and trace ids 1, 2, 3, …; pass it as
    ``Telemetry(id_generator=...)`` or ``capture_telemetry(id_generator=...)``."""
    from tracekit.telemetry import SequentialIds

    return SequentialIds()


@pytest.fixture
def frozen_clock() -> Iterator[time_machine.Traveller]:
    """The wall clock stopped at :data:`FROZEN_AT` for the test; ``.shift(seconds)`` moves it."""
    import time_machine

    with time_machine.travel(FROZEN_AT, tick=False) as clock:
        yield clock
