"""Span and trace id generators: random ones that leave the ``random`` module alone, and
sequential ones for runs whose ids must be the same every time.

The OpenTelemetry SDK's default generator draws every id from the ``random`` module's global
generator. A workflow run seeds that generator with its recorded seed so that the values its
code draws can be drawn again by a replay; with the SDK's ids, each span started in the run
drew 64 bits from it first, so the code's draws depended on how many spans came before, and a
replay (whose spans take no ids from there) drew other values and diverged. :class:`RandomIds`
draws from a generator of its own instead.
"""

from __future__ import annotations

import os
import random

from opentelemetry.sdk.trace.id_generator import IdGenerator
from opentelemetry.trace import INVALID_SPAN_ID, INVALID_TRACE_ID

#: The generator behind :class:`RandomIds`, seeded from the OS; reseeded in a forked child
#: (as the ``random`` module reseeds its own), whose ids must not repeat its parent's.
_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)


class RandomIds(IdGenerator):
    """Random span and trace ids, as the SDK's ``RandomIdGenerator`` makes them (64 and 128
    random bits, never the invalid all-zero id), from a generator that is not the ``random``
    module's: a run's span ids never change what its code draws from ``random``.

    >>> ids = RandomIds()
    >>> 0 < ids.generate_span_id() < 2**64 and 0 < ids.generate_trace_id() < 2**128
    True
    """

    def generate_span_id(self) -> int:
        """64 random bits, not all zero."""
        span_id = _ids.getrandbits(64)
        while span_id == INVALID_SPAN_ID:
            span_id = _ids.getrandbits(64)
        return span_id

    def generate_trace_id(self) -> int:
        """128 random bits, not all zero."""
        trace_id = _ids.getrandbits(128)
        while trace_id == INVALID_TRACE_ID:
            trace_id = _ids.getrandbits(128)
        return trace_id


class SequentialIds(IdGenerator):
    """Span and trace ids 1, 2, 3, …: a run's ids are the same every time (replay, tests).

    >>> ids = SequentialIds()
    >>> ids.generate_trace_id(), ids.generate_span_id(), ids.generate_span_id()
    (1, 2, 3)
    """

    def __init__(self) -> None:
        self._next = 0

    def generate_span_id(self) -> int:
        """The next span id."""
        self._next += 1
        return self._next

    def generate_trace_id(self) -> int:
        """The next trace id."""
        self._next += 1
        return self._next
