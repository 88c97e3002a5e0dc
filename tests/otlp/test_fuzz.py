"""Fuzzing the decoders of untrusted input (hypothesis): the OTLP protobuf and JSON decoders
and the trace-file reader either decode or raise the project's one error with one line, and
`tracekit import` of a fuzzed file imports it whole or changes nothing.

Bounded and reproducible: ``derandomize`` replays the same examples on every run and CI, and
``max_examples`` keeps the suite to a few seconds.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracekit.exceptions import OtlpFormatError, TraceFileError
from tracekit.ingest.file_import import import_trace_file
from tracekit.otlp.decode import (
    spans_from_resource_spans,
    traces_data_from_json,
    traces_data_from_protobuf,
)
from tracekit.otlp.files import read_trace_file
from tracekit.store import StorePaths, TraceStore, pending_segments

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"
VALID_LINES = [
    line
    for path in sorted((FIXTURES / "otlp").glob("*.jsonl"))
    for line in path.read_bytes().splitlines()
    if line.strip()
]
VALID_PROTOBUF = [traces_data_from_json(line).SerializeToString() for line in VALID_LINES]

FUZZ = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _decode_json(line: bytes | str) -> None:
    try:
        data = traces_data_from_json(line)
        list(spans_from_resource_spans(data.resource_spans))
    except OtlpFormatError as error:
        assert "\n" not in str(error) and str(error)


def _decode_protobuf(payload: bytes) -> None:
    try:
        data = traces_data_from_protobuf(payload)
        list(spans_from_resource_spans(data.resource_spans))
    except OtlpFormatError as error:
        assert "\n" not in str(error) and str(error)


def _mutate(data: bytes, seed: int, count: int) -> bytes:
    rng = random.Random(seed)
    buffer = bytearray(data)
    for _ in range(count):
        if not buffer:
            break
        where = rng.randrange(len(buffer))
        choice = rng.randrange(3)
        if choice == 0:
            buffer[where] = rng.randrange(256)
        elif choice == 1:
            del buffer[where : where + rng.randrange(1, 8)]
        else:
            buffer[where:where] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4)))
    return bytes(buffer)


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes_never_crash_the_protobuf_decoder(payload: bytes) -> None:
    _decode_protobuf(payload)


@FUZZ
@given(st.sampled_from(VALID_PROTOBUF), st.integers(0, 2**32), st.integers(1, 12))
def test_mutated_protobuf_payloads_decode_or_raise_one_error(
    payload: bytes, seed: int, count: int
) -> None:
    _decode_protobuf(_mutate(payload, seed, count))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "resourceSpans",
                    "scopeSpans",
                    "spans",
                    "traceId",
                    "spanId",
                    "parentSpanId",
                    "name",
                    "kind",
                    "attributes",
                    "key",
                    "value",
                    "stringValue",
                    "arrayValue",
                    "values",
                    "kvlistValue",
                    "intValue",
                    "events",
                    "links",
                    "status",
                    "code",
                    "startTimeUnixNano",
                    "endTimeUnixNano",
                    "resource",
                    "scope",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@FUZZ
@given(JSON_VALUES)
def test_random_json_shapes_decode_or_raise_one_error(document: Any) -> None:
    _decode_json(json.dumps(document))


@FUZZ
@given(st.sampled_from(VALID_LINES), st.integers(0, 2**32), st.integers(1, 8))
def test_mutated_json_documents_decode_or_raise_one_error(
    line: bytes, seed: int, count: int
) -> None:
    _decode_json(_mutate(line, seed, count))


@settings(FUZZ, max_examples=15)
@given(
    st.lists(st.sampled_from(VALID_LINES), min_size=1, max_size=3),
    st.integers(0, 2**32),
    st.integers(0, 6),
)
def test_import_of_a_fuzzed_file_is_all_or_nothing(
    tmp_path_factory: Any, lines: list[bytes], seed: int, count: int
) -> None:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    trace_file = folder / "fuzzed.jsonl"
    trace_file.write_bytes(_mutate(b"\n".join(lines) + b"\n", seed, count))
    store = folder / "runs.duckdb"
    try:
        expected = len(read_trace_file(trace_file))
    except TraceFileError as error:
        assert "\n" not in str(error)
        expected = None
    try:
        import_trace_file(trace_file, store)
    except TraceFileError as error:
        assert expected is None and "\n" not in str(error)
        # Nothing half-imported: no database, no segment left behind.
        assert not store.exists()
        assert not pending_segments(StorePaths.for_store(store))
        return
    assert expected is not None
    stored = sum(t.span_count for t in TraceStore(store).list_traces(limit=1000))
    distinct = {(s.trace_id, s.span_id) for s in read_trace_file(trace_file)}
    assert stored == len(distinct)
