"""`tracekit import` of hostile files: over-long lines, deep nesting, unwritable stores.
One line on stderr, a non-zero exit, and the store exactly as it was."""

from __future__ import annotations

from pathlib import Path

from tests.recording import run_cli

LINE = (
    '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c",'
    '"spanId":"eee19b7ec3c1b174","name":"chat m","kind":3,'
    '"startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}\n'
)


def _one_error_line(stderr: str) -> None:
    assert stderr.count("\n") == 1 and stderr.startswith("tracekit: error:"), stderr


def test_a_line_over_the_limit_is_refused_with_its_number(tmp_path: Path) -> None:
    trace_file = tmp_path / "big.jsonl"
    trace_file.write_text(LINE + '{"resourceSpans": []' + " " * 5000 + "}\n")
    store = tmp_path / "runs.duckdb"

    refused = run_cli("import", str(trace_file), "--store", str(store), "--max-line-bytes", "4096")

    assert refused.returncode == 1
    _one_error_line(refused.stderr)
    assert "line 2" in refused.stderr and "--max-line-bytes" in refused.stderr
    assert not store.exists()
    accepted = run_cli("import", str(trace_file), "--store", str(store))
    assert accepted.returncode == 0, accepted.stderr


def test_deeply_nested_json_is_one_clear_error(tmp_path: Path) -> None:
    trace_file = tmp_path / "deep.jsonl"
    nested = '{"stringValue": "x"}'
    for _ in range(5000):
        nested = '{"arrayValue": {"values": [' + nested + "]}}"
    trace_file.write_text(
        LINE
        + '{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":'
        + nested
        + "}]}}]}\n"
        + "[" * 100_000
        + "\n"
    )
    store = tmp_path / "runs.duckdb"

    result = run_cli("import", str(trace_file), "--store", str(store))

    assert result.returncode == 1
    _one_error_line(result.stderr)
    assert "line 2" in result.stderr
    assert not store.exists()


def test_an_unwritable_store_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    trace_file = tmp_path / "one.jsonl"
    trace_file.write_text(LINE)
    # Root may write anywhere chmod forbids; a spool path taken by a regular file it may not.
    store = tmp_path / "runs.duckdb"
    (tmp_path / "runs.duckdb.spool").write_text("not a folder")
    under_a_file = tmp_path / "notes.txt"
    under_a_file.write_text("notes")

    for target in (store, under_a_file / "runs.duckdb"):
        result = run_cli("import", str(trace_file), "--store", str(target))
        assert result.returncode != 0
        _one_error_line(result.stderr)
    assert not store.exists()
    assert (tmp_path / "runs.duckdb.spool").read_text() == "not a folder"
    for command in ("traces", "stats"):
        result = run_cli(command, "--store", str(under_a_file / "runs.duckdb"))
        _one_error_line(result.stderr)
