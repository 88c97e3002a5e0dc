"""A trace file holds its spans one trace per line (``tracekit export``) or one span per line
(replay recordings, kept in git): a reader takes both, and files of either layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.recording import Recorder
from tracekit.exceptions import TraceFileError
from tracekit.otlp import OtlpSpan, read_trace_file, write_trace_file
from tracekit.store import TraceStore


def _spans_on_each_line(file: Path) -> list[int]:
    return [
        sum(len(scope["spans"]) for rs in doc["resourceSpans"] for scope in rs["scopeSpans"])
        for doc in map(json.loads, file.read_text().splitlines())
    ]


def test_one_span_per_line_reads_back_as_the_same_spans(tmp_path: Path, recorder: Recorder) -> None:
    first, second = recorder.trace(), recorder.trace(start_ns=1_750_000_100_000 * 1_000_000)
    spans = list(TraceStore(recorder.store).iter_spans())
    by_trace, by_span = tmp_path / "by-trace.jsonl", tmp_path / "by-span.jsonl"

    assert write_trace_file(by_trace, spans) == write_trace_file(by_span, spans, spans_per_line=1)

    assert _spans_on_each_line(by_trace) == [6, 6]
    assert _spans_on_each_line(by_span) == [1] * 12
    assert read_trace_file(by_span) == read_trace_file(by_trace) == spans
    assert {s.trace_id for s in read_trace_file(by_span)} == {first, second}


def test_spans_per_line_must_be_positive(tmp_path: Path, recorder: Recorder) -> None:
    recorder.trace()
    with pytest.raises(ValueError, match="at least 1"):
        write_trace_file(
            tmp_path / "x.jsonl", TraceStore(recorder.store).iter_spans(), spans_per_line=0
        )
    assert not (tmp_path / "x.jsonl").exists()


def test_lines_longer_than_the_read_buffer_read_whole_and_the_limit_still_holds(
    tmp_path: Path,
) -> None:
    spans = [
        OtlpSpan(
            trace_id="5b8efff798038103d269b633813fc60c",
            span_id=f"{i + 1:016x}",
            parent_span_id=None if i == 0 else f"{1:016x}",
            name=f"span {i}",
            kind="INTERNAL",
            start_ns=1_700_000_000_000_000_000 + i,
            end_ns=1_700_000_000_000_000_100 + i,
            attributes={"text": "ü" * (50_000 * (i + 1))},
        )
        for i in range(3)
    ]
    file = tmp_path / "long.jsonl"
    write_trace_file(file, spans, spans_per_line=1)
    sizes = [len(line) for line in file.read_bytes().splitlines()]
    assert min(sizes) > 64 * 1024  # each longer than the reader's buffer

    assert read_trace_file(file) == spans
    assert read_trace_file(file, max_line_bytes=max(sizes) + 1) == spans
    with pytest.raises(TraceFileError, match="line 3: longer than"):
        read_trace_file(file, max_line_bytes=max(sizes) - 1)
