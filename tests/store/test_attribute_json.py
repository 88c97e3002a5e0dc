"""The attribute JSON the store keeps is the same text, byte for byte, whichever encoder wrote
it: orjson on the hot path, the stdlib for what orjson would spell otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tracekit.store.convert import _dumps, _json_default

SCALARS = (
    st.text()
    | st.integers()
    | st.floats()
    | st.sampled_from([1e-7, 2.5e-5, 1e-4, 1e20, -0.0, 5e-324])
    | st.booleans()
    | st.none()
    | st.binary(max_size=8)
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5), inner, max_size=4)
        | st.dictionaries(st.integers(), inner, max_size=2)
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(VALUES)
def test_attribute_values_are_written_as_the_json_module_writes_them(value: Any) -> None:
    expected = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)

    assert _dumps(value) == expected


_CONVERT_A_SPAN = """
import sys
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from tracekit import semconv as sc
from tracekit.store.convert import spans_to_table

exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
with provider.get_tracer("t").start_as_current_span("chat") as span:
    span.set_attribute(sc.GEN_AI_SYSTEM_INSTRUCTIONS, "be brief")
    span.set_attribute(sc.GEN_AI_INPUT_MESSAGES, '[{"role":"user"}]')
    span.set_attribute(sc.GEN_AI_OUTPUT_MESSAGES, '[{"role":"assistant"}]')
    span.set_attribute(sc.GEN_AI_TOOL_DEFINITIONS, "[]")
    span.set_attribute(sc.INPUT_VALUE, "question")
    span.set_attribute(sc.OUTPUT_VALUE, "answer")
sys.stdout.write(spans_to_table(exporter.get_finished_spans()).column("content")[0].as_py())
"""


def test_a_spans_content_is_the_same_bytes_in_every_process() -> None:
    # Set order follows string hashes, which differ between processes: the content JSON
    # must not (a store written twice, or by two processes, holds the same text).
    texts = {
        subprocess.run(
            [sys.executable, "-c", _CONVERT_A_SPAN],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3", "4")
    }

    assert len(texts) == 1
    assert json.loads(texts.pop())["input.value"] == "question"
