"""``tracekit fork`` and the fork comparison of ``tracekit diff``, as a user runs them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.recording import REPO_ROOT, run_cli

TRACES = REPO_ROOT / "fixtures" / "traces"
PIPELINE = TRACES / "doc-pipeline-seed1-ok.trace.jsonl"
MODELS = ("--models", "tracekit.examples:offline_router")
GOLDENS = Path(__file__).parent / "goldens"
REWRITE = os.environ.get("TRACEKIT_REWRITE_GOLDENS") == "1"


def test_fork_records_a_linked_trace_and_shows_how_it_moved(tmp_path: Path) -> None:
    store = str(tmp_path / "runs.duckdb")
    instructions = tmp_path / "writer.txt"
    instructions.write_text("Write one short paragraph.")
    result = run_cli(
        "fork",
        str(PIPELINE),
        "--at",
        "writer#2",
        *MODELS,
        "--store",
        store,
        "--instructions",
        f"writer=@{instructions}",
        "--temperature",
        "writer=0.2",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "forked doc-pipeline (9545e21c92ce) at writer#2" in out
    assert "fork at writer#2: " in out and "same: the first" in out
    assert "the fork point" in out

    listing = json.loads(run_cli("traces", "--json", "--store", store).stdout)
    (fork,) = listing
    assert fork["parent_trace_id"] == "9545e21c92cedfec1b21a38546bddcd6"
    assert fork["fork_at"] == "writer#2"
    assert "⑂ fork of 9545e21c92ce at writer#2" in run_cli("traces", "--store", store).stdout
    shown = run_cli("show", fork["trace_id"][:12], "--store", store).stdout
    assert "fork of 9545e21c92cedfec1b21a38546bddcd6 at step writer#2" in shown

    diff = run_cli("diff", str(PIPELINE), fork["trace_id"][:12], "--store", store, "--json")
    assert diff.returncode == 1
    comparison = json.loads(diff.stdout)["comparison"]
    assert comparison["fork_at"] == "writer#2" and comparison["diverged_at_fork_point"]


def test_repeat_five_summarises_the_spread(tmp_path: Path) -> None:
    store = str(tmp_path / "runs.duckdb")
    result = run_cli(
        "fork",
        str(PIPELINE),
        "--at",
        "writer#2",
        *MODELS,
        "--store",
        store,
        "--repeat",
        "5",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert len(document["forks"]) == 5
    spread = document["spread"]
    assert spread["runs"] == 5 and sum(spread["statuses"].values()) == 5
    assert sum(o["count"] for o in spread["outputs"]) == 5
    assert all(f["prefix_live_calls"] == 0 for f in document["forks"])
    text = run_cli(
        "fork", str(PIPELINE), "--at", "writer#2", *MODELS, "--store", store, "--repeat", "5"
    )
    assert "5 forks: ok 5;" in text.stdout and "distinct output" in text.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--at", "writer#9", *MODELS), "no step 'writer#9' in the trace"),
        (("--at", "ghost#0", *MODELS), "agent 'ghost' is not in the trace"),
        (("--at", "0", "--model", "ghost=m", *MODELS), "override for unknown agent 'ghost'"),
        (("--at", "0"), "no models to run 'doc-pipeline' live"),
        (("--at", "0", "--models", "nowhere:router"), "cannot import"),
        (("--at", "0", "--temperature", "writer=hot", *MODELS), "is not a number"),
        (("--at", "3", "--input", "{}", *MODELS), "forks at step 0"),
        ((*MODELS,), "say where to fork"),
    ],
)
def test_a_fork_that_cannot_run_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], message: str
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    store = tmp_path / "runs.duckdb"
    result = run_cli("fork", str(PIPELINE), *args, "--store", str(store))
    assert result.returncode == 2, result.stdout + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr
    assert result.stdout == ""
    assert not store.exists()


def test_diff_markdown_is_made_to_paste_into_a_pull_request() -> None:
    other = TRACES / "doc-pipeline-seed0-ok.trace.jsonl"
    result = run_cli("diff", str(other), str(PIPELINE), "--markdown")
    assert result.returncode == 1
    golden = GOLDENS / "diff_markdown_doc_pipeline.md"
    if REWRITE or not golden.exists():
        golden.write_text(result.stdout)
    assert result.stdout == golden.read_text()
    assert result.stdout.startswith("### diverged at ")
