"""`tracekit import` and `tracekit export` as a user runs them: real stores, real files, the
real CLI. Bad input is one line on stderr, a non-zero exit, and no change."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.recording import MS, REPO_ROOT, Recorder, run_cli
from tracekit.otlp import read_trace_file
from tracekit.store import TraceStore
from tracekit.store.paths import StorePaths
from tracekit.store.spool import pending_segments

FIXTURE = REPO_ROOT / "fixtures" / "otlp" / "genai_current.jsonl"
DAY_NS = 86_400 * 10**9


def _one_error_line(result: object) -> str:
    stderr = result.stderr  # type: ignore[attr-defined]
    assert result.returncode != 0  # type: ignore[attr-defined]
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return str(lines[0])


def _rows(store: Path) -> int:
    with duckdb.connect(str(store), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM spans").fetchone()
    return int(row[0]) if row else 0


def test_export_one_trace_by_prefix(tmp_path: Path, recorder: Recorder) -> None:
    wanted = recorder.trace(workflow="doc-pipeline")
    recorder.trace(workflow="support-router", start_ns=1_750_000_100_000 * MS)
    out = tmp_path / "one.jsonl"

    result = run_cli(
        "export", "--trace", wanted[:8], "--out", str(out), "--store", str(recorder.store)
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Exported 6 spans (1 trace) to {out}, with content."
    lines = out.read_text().splitlines()
    assert len(lines) == 1  # one TracesData line per trace
    assert {span.trace_id for span in read_trace_file(out)} == {wanted}


def test_export_since_an_iso_time_or_a_duration(tmp_path: Path, recorder: Recorder) -> None:
    old = recorder.trace(start_ns=1_700_000_000 * 10**9)  # 2023-11-14
    new = recorder.trace(start_ns=1_750_000_000 * 10**9)  # 2025-06-15
    iso, recent = tmp_path / "iso.jsonl", tmp_path / "recent.jsonl"

    by_iso = run_cli(
        "export", "--since", "2025-01-01", "--out", str(iso), "--store", str(recorder.store)
    )
    by_duration = run_cli(
        "export", "--since", "15m", "--out", str(recent), "--store", str(recorder.store)
    )

    assert by_iso.returncode == 0, by_iso.stderr
    assert {span.trace_id for span in read_trace_file(iso)} == {new}
    assert old not in iso.read_text()
    # Nothing was recorded in the last 15 minutes: said plainly, and no file is written.
    assert "no traces to export" in _one_error_line(by_duration)
    assert not recent.exists()


def test_export_without_content_leaves_messages_out(tmp_path: Path, recorder: Recorder) -> None:
    recorder.trace(message="Summarise the quarterly report.")
    out = tmp_path / "bare.jsonl"

    result = run_cli(
        "export", "--without-content", "--out", str(out), "--store", str(recorder.store)
    )

    assert result.returncode == 0, result.stderr
    assert "quarterly report" not in out.read_text()
    assert "gen_ai.usage.input_tokens" in out.read_text()


def test_export_scrubs_secrets_even_from_a_store_that_kept_them(
    tmp_path: Path, recorder: Recorder
) -> None:
    trace_id = recorder.trace()
    # A store written by another tool (or older rules) may hold a secret: export must not leak it.
    with duckdb.connect(str(recorder.store)) as con:
        con.execute(
            "UPDATE spans SET status_message = 'key sk-ant-api03-abcdefghijklmnopqrstuvwx' "
            "WHERE parent_span_id IS NULL"
        )
    out = tmp_path / "t.jsonl"

    assert run_cli("export", "--out", str(out), "--store", str(recorder.store)).returncode == 0

    assert "sk-ant-api03" not in out.read_text()
    assert trace_id in out.read_text()


def test_import_then_show_and_import_again(tmp_path: Path) -> None:
    store = tmp_path / "s.duckdb"

    first = run_cli("import", str(FIXTURE), "--store", str(store))
    again = run_cli("import", str(FIXTURE), "--store", str(store))
    traces = run_cli("traces", "--json", "--store", str(store))

    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Imported 8 spans (2 traces)")
    assert "all of them were in the store already" in again.stdout
    assert [row["span_count"] for row in json.loads(traces.stdout)] == [4, 4]


def _with_bad_span_id(line: str) -> str:
    document = json.loads(line)
    document["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["spanId"] = "abc123"
    return json.dumps(document)


def _fixture_lines() -> list[str]:
    return FIXTURE.read_text().splitlines()


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        (
            "malformed",
            lambda lines: f'{lines[0]}\n{{"resourceSpans": [}}\n',
            "line 2: not JSON",
        ),
        (
            "truncated",
            lambda lines: f"{lines[0]}\n{lines[1][: len(lines[1]) // 2]}",
            "line 2: not JSON",
        ),
        (
            "wrong ids",
            lambda lines: f"{lines[0]}\n{_with_bad_span_id(lines[1])}\n",
            "line 2: span 'invoke_agent travel-planner': a span id must be 8 bytes, got 3",
        ),
        ("not OTLP", lambda lines: '{"resourceSpans": "none"}\n', "line 1: not an OTLP"),
        ("empty", lambda lines: "\n\n", "holds no spans"),
    ],
)
def test_a_bad_file_changes_nothing(
    tmp_path: Path, recorder: Recorder, name: str, make: object, expected: str
) -> None:
    recorder.trace()
    before = _rows(recorder.store)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(make(_fixture_lines()))  # type: ignore[operator]

    result = run_cli("import", str(bad), "--store", str(recorder.store))

    line = _one_error_line(result)
    assert expected in line
    assert str(bad) in line
    if name == "truncated":
        assert "truncated" in line
    assert _rows(recorder.store) == before
    assert pending_segments(StorePaths.for_store(recorder.store)) == []


def test_a_bad_file_into_a_new_store_creates_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(_fixture_lines()[0] + "\nnot json\n")
    store = tmp_path / "new.duckdb"

    result = run_cli("import", str(bad), "--store", str(store))

    assert "line 2" in _one_error_line(result)
    assert not store.exists()
    assert pending_segments(StorePaths.for_store(store)) == []


def test_missing_file_unknown_trace_and_no_destination(tmp_path: Path, recorder: Recorder) -> None:
    recorder.trace()
    out = tmp_path / "x.jsonl"

    missing = run_cli("import", str(tmp_path / "nope.jsonl"), "--store", str(recorder.store))
    unknown = run_cli(
        "export", "--trace", "ffffffff", "--out", str(out), "--store", str(recorder.store)
    )
    no_destination = run_cli("export", "--store", str(recorder.store))
    bad_since = run_cli("export", "--since", "yesterday", "--out", str(out))

    assert "cannot read" in _one_error_line(missing)
    assert "no trace matches 'ffffffff'" in _one_error_line(unknown)
    assert unknown.returncode == 3
    assert "--out FILE" in _one_error_line(no_destination)
    assert "not a time" in _one_error_line(bad_since)
    assert not out.exists()
    assert list(tmp_path.glob(".x.jsonl.*")) == []  # no temp file left behind
    assert len(TraceStore(recorder.store).list_traces()) == 1
