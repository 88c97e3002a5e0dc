"""import(export(x)) == x: stored traces go to a trace file and into a new store unchanged,
every span field included (content, events, resource, scope, status, value types)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.recording import REPO_ROOT, Recorder, run_cli
from tracekit import semconv as sc
from tracekit.examples import DemoRuntime, doc_pipeline, guarded_research
from tracekit.ingest.file_import import import_trace_file
from tracekit.otlp import OtlpSpan, read_trace_file, write_trace_file
from tracekit.store import TraceStore
from tracekit.telemetry import Telemetry

FIXTURES = REPO_ROOT / "fixtures" / "otlp"


def _everything(store: Path) -> dict[str, list[OtlpSpan]]:
    trace_store = TraceStore(store)
    return {
        summary.trace_id: trace_store.trace_spans(summary.trace_id)
        for summary in trace_store.list_traces(limit=1000)
    }


def _summaries(store: Path) -> list[dict[str, object]]:
    # Costs are float sums: a different fold order may change the last bits.
    return [
        {**s.model_dump(), "cost_usd": None if s.cost_usd is None else round(s.cost_usd, 12)}
        for s in TraceStore(store).list_traces(limit=1000)
    ]


def _record_demo_runs(store: Path) -> None:
    telemetry = Telemetry.recording_to(store, service_name="tracekit-demo")
    runtime = DemoRuntime(telemetry, latency_s=(0.0, 0.0))
    try:
        doc_pipeline.demo(runtime, 2)
        guarded_research.demo(runtime, 2)
    finally:
        telemetry.shutdown()


def test_demo_runs_round_trip_through_a_trace_file(tmp_path: Path) -> None:
    original, copy, file = tmp_path / "a.duckdb", tmp_path / "b.duckdb", tmp_path / "runs.jsonl"
    _record_demo_runs(original)

    exported = run_cli("export", "--out", str(file), "--store", str(original))
    imported = run_cli("import", str(file), "--store", str(copy))

    assert exported.returncode == 0, exported.stderr
    assert imported.returncode == 0, imported.stderr
    before, after = _everything(original), _everything(copy)
    assert len(before) == 4
    assert after == before
    assert _summaries(copy) == _summaries(original)
    # A trace file is self-contained for replay: the root says how to run it again.
    root = next(s for s in next(iter(after.values())) if s.parent_span_id is None)
    assert ":" in root.attributes[sc.TRACEKIT_WORKFLOW_ENTRYPOINT]
    assert sc.TRACEKIT_WORKFLOW_INPUT in root.attributes
    assert any(sc.GEN_AI_INPUT_MESSAGES in s.attributes for s in root_trace(after, root))


def root_trace(traces: dict[str, list[OtlpSpan]], root: OtlpSpan) -> list[OtlpSpan]:
    return traces[root.trace_id]


def test_recorded_types_events_and_status_survive(tmp_path: Path, recorder: Recorder) -> None:
    trace_id = recorder.trace(fail=True, stopped="max_steps")
    file, copy = tmp_path / "t.jsonl", tmp_path / "copy.duckdb"

    write_trace_file(file, TraceStore(recorder.store).trace_spans(trace_id[:8]))
    import_trace_file(file, copy)

    (original,) = _everything(recorder.store).values()
    (back,) = _everything(copy).values()
    assert back == original
    chat = next(s for s in back if s.name == "chat claude-sonnet-4-5")
    assert (chat.status_code, chat.status_message) == ("ERROR", "overloaded")
    assert chat.events[0].attributes == {sc.EVENT_RETRY_ATTEMPT: 1, sc.EVENT_RETRY_DELAY_S: 0.5}
    assert isinstance(chat.events[0].attributes[sc.EVENT_RETRY_DELAY_S], float)
    assert isinstance(chat.attributes[sc.TRACEKIT_COST_USD], float)
    assert isinstance(chat.attributes[sc.GEN_AI_USAGE_INPUT_TOKENS], int)


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("*.jsonl")))
def test_foreign_traces_round_trip(tmp_path: Path, fixture: str) -> None:
    first, second, file = tmp_path / "a.duckdb", tmp_path / "b.duckdb", tmp_path / "out.jsonl"
    import_trace_file(FIXTURES / fixture, first)

    assert run_cli("export", "--out", str(file), "--store", str(first)).returncode == 0
    import_trace_file(file, second)

    assert _everything(second) == _everything(first)
    assert _summaries(second) == _summaries(first)
    if fixture != "anthropic_sdk.jsonl":  # that one holds a secret the store scrubs
        from_file = sorted(read_trace_file(FIXTURES / fixture), key=lambda s: s.span_id)
        stored = sorted(
            (s for spans in _everything(first).values() for s in spans), key=lambda s: s.span_id
        )
        assert stored == from_file  # file → store → spans is lossless too


def test_importing_the_same_file_twice_adds_nothing(tmp_path: Path, recorder: Recorder) -> None:
    recorder.trace()
    file, copy = tmp_path / "t.jsonl", tmp_path / "copy.duckdb"
    write_trace_file(file, TraceStore(recorder.store).iter_spans())

    first = import_trace_file(file, copy)
    summaries = _summaries(copy)
    second = import_trace_file(file, copy)

    assert (first.spans, first.new_spans) == (6, 6)
    assert (second.spans, second.new_spans) == (6, 0)
    assert _summaries(copy) == summaries  # span count, tokens and cost not doubled
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM spans").fetchone() == (6,)
        assert con.execute("SELECT count(*) FROM span_content").fetchone() == (3,)


def test_a_span_repeated_within_one_file_is_stored_once(tmp_path: Path) -> None:
    line = (FIXTURES / "genai_legacy.jsonl").read_text().strip()
    file = tmp_path / "twice.jsonl"
    file.write_text(f"{line}\n{line}\n")

    result = import_trace_file(file, tmp_path / "s.duckdb")

    assert (result.spans, result.new_spans) == (4, 2)
    assert TraceStore(tmp_path / "s.duckdb").list_traces()[0].span_count == 2


def test_iter_spans_streams_in_rounds_of_whole_traces(recorder: Recorder) -> None:
    ids = [recorder.trace(start_ns=(1_750_000_000 + i) * 10**9) for i in range(5)]
    store = TraceStore(recorder.store)

    streamed = list(store.iter_spans(batch_size=4))
    since = list(store.iter_spans(since_ns=(1_750_000_000 + 3) * 10**9))
    chosen = list(store.iter_spans(trace_ids=[ids[4][:10], ids[1]], with_content=False))

    assert [s.trace_id for s in streamed[::6]] == ids  # traces by start, each whole
    assert {s.trace_id for s in since} == set(ids[3:])
    assert [s.trace_id for s in chosen[::6]] == [ids[4], ids[1]]
    assert not any(sc.CONTENT_ATTRIBUTES & s.attributes.keys() for s in chosen)
    assert json.dumps([s.name for s in streamed[:6]]) == json.dumps(
        [s.name for s in store.trace_spans(ids[0])]
    )
