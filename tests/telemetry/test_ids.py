"""Span ids: tracekit's own random ids leave the ``random`` module's generator alone (a run
seeds it for its code), and a forked child never repeats its parent's ids."""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tracekit.telemetry import Telemetry


def test_starting_spans_draws_nothing_from_the_random_module() -> None:
    exporter = InMemorySpanExporter()
    telemetry = Telemetry(processors=[SimpleSpanProcessor(exporter)])
    random.seed(1234)
    expected = random.random()
    random.seed(1234)
    for _ in range(5):
        with telemetry.tracer.start_as_current_span("step"):
            pass
    assert random.random() == expected
    spans = exporter.get_finished_spans()
    assert len({s.context.span_id for s in spans}) == 5
    assert all(s.context.span_id and s.context.trace_id for s in spans)
    telemetry.shutdown()


#: Run in a process of its own: forking a process with threads (pytest's) is deprecated.
_FORK = """
import os
from tracekit.telemetry import RandomIds
ids = RandomIds()
ids.generate_span_id()
read, write = os.pipe()
pid = os.fork()
if pid == 0:
    os.close(read)
    os.write(write, b" ".join(b"%d" % ids.generate_span_id() for _ in range(4)))
    os._exit(0)
os.close(write)
with os.fdopen(read, "rb") as pipe:
    child = pipe.read().decode()
os.waitpid(pid, 0)
print(child)
print(" ".join(str(ids.generate_span_id()) for _ in range(4)))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_draws_other_ids_than_its_parent() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _FORK], capture_output=True, text=True, timeout=60, check=True
    )
    child, parent = (set(line.split()) for line in result.stdout.splitlines())
    assert len(child) == len(parent) == 4
    assert not child & parent
