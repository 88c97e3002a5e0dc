"""The recorded traces in ``fixtures/traces`` are written one span per line, so a re-recording
diffs span by span; files from before (one line per trace) still replay.

Re-recording (``pytest fixtures/traces --replay-record=rewrite``) writes this layout. To lay
out a file again without re-recording it, write its own spans anew (this is how the files
were laid out once they had been recorded as one line)::

    for file in Path("fixtures/traces").glob("*.trace.jsonl"):
        write_trace_file(file, read_trace_file(file), spans_per_line=1)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replay import Recording, ReplaySession
from replay.recorder import record_workflow
from tests.recording import REPO_ROOT
from tracekit import ModelRouter, ScriptedModel
from tracekit.examples import doc_pipeline
from tracekit.otlp import read_trace_file, write_trace_file

FIXTURE_TRACES = sorted((REPO_ROOT / "fixtures" / "traces").glob("*.trace.jsonl"))


def _spans_on_each_line(file: Path) -> list[int]:
    return [
        sum(len(scope["spans"]) for rs in doc["resourceSpans"] for scope in rs["scopeSpans"])
        for doc in map(json.loads, file.read_text().splitlines())
    ]


@pytest.mark.parametrize("fixture", FIXTURE_TRACES, ids=lambda path: path.name)
def test_a_shipped_trace_is_one_span_per_line_as_the_writer_writes_it(
    fixture: Path, tmp_path: Path
) -> None:
    spans = read_trace_file(fixture)
    again = tmp_path / fixture.name
    write_trace_file(again, spans, spans_per_line=1)

    assert _spans_on_each_line(fixture) == [1] * len(spans)
    assert again.read_bytes() == fixture.read_bytes()


def test_a_trace_written_one_line_per_trace_still_replays(tmp_path: Path) -> None:
    fixture = FIXTURE_TRACES[0]
    one_line = tmp_path / "old.trace.jsonl"
    write_trace_file(one_line, read_trace_file(fixture))
    assert len(one_line.read_text().splitlines()) == 1

    old, new = Recording.from_file(one_line), Recording.from_file(fixture)

    assert old.spans == new.spans
    report = ReplaySession(old).run()
    assert report.matched, report.to_text()


def test_recording_a_workflow_writes_one_span_per_line(tmp_path: Path) -> None:
    trace = tmp_path / "run.trace.jsonl"
    router = ModelRouter({}, default=ScriptedModel(seed=3))

    record_workflow(doc_pipeline.workflow, {"title": "t", "brief": "b"}, trace, models=router)

    counts = _spans_on_each_line(trace)
    assert len(counts) > 1 and set(counts) == {1}
    assert ReplaySession(Recording.from_file(trace)).run().matched
