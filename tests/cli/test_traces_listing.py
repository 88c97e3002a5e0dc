"""``tracekit traces --filter/--sort``: the CLI lists traces through the TUI's paged query."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.recording import MS, new_recorder
from tracekit.cli import main

DAY = 86_400_000 * MS


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("listing") / "runs.duckdb"
    t = 1_750_000_000_000 * MS
    recorder = new_recorder(path)
    recorder.trace(workflow="doc-pipeline", start_ns=t)
    recorder.trace(workflow="doc-pipeline", start_ns=t + DAY, fail=True)
    recorder.trace(workflow="triage", start_ns=t + 2 * DAY, stopped="limit:max_steps")
    recorder.provider.shutdown()
    return path


def _traces(store: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, str]]:
    assert main(["traces", "--store", str(store), "--json", *args]) == 0
    listed: list[dict[str, str]] = json.loads(capsys.readouterr().out)
    return listed


def test_filter_uses_the_tui_filter_language(
    store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = _traces(store, capsys, "--filter", "workflow:doc status:error")
    assert [(t["workflow"], t["status"]) for t in listed] == [("doc-pipeline", "error")]
    assert [t["workflow"] for t in _traces(store, capsys, "--filter", "triage")] == ["triage"]


def test_sort_orders_by_any_listed_column(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    oldest_first = _traces(store, capsys, "--sort", "time asc")
    newest_first = _traces(store, capsys)
    assert [t["trace_id"] for t in oldest_first] == [t["trace_id"] for t in newest_first][::-1]
    by_workflow = _traces(store, capsys, "--sort", "workflow desc", "--limit", "1")
    assert [t["workflow"] for t in by_workflow] == ["triage"]


def test_no_match_says_so(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["traces", "--store", str(store), "--filter", "workflow:nothing-like-it"]) == 0
    assert capsys.readouterr().out.strip() == "no traces match the filter"


@pytest.mark.parametrize(
    ("option", "value", "reason"),
    [
        ("--filter", "cost>", "give a value after cost>"),
        ("--filter", "colour:red", "unknown field 'colour'"),
        ("--sort", "name; DROP TABLE spans", "cannot sort traces by"),
    ],
)
def test_a_bad_filter_or_order_is_a_one_line_usage_error(
    store: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, reason: str
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["traces", "--store", str(store), option, value])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert reason in err and err.count("\n") == 1
