"""``tracekit eval`` end to end, offline: a real store in tmp_path, the support router suite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.evals import suites
from tests.recording import run_cli
from tracekit.examples.support_router_eval import CANDIDATE_BILLING_PROMPT
from tracekit.store import TraceStore


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    return suites.write(tmp_path, suites.SUPPORT)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "store.duckdb"


@pytest.fixture
def prompt(tmp_path: Path) -> Path:
    path = tmp_path / "billing_prompt.txt"
    path.write_text(CANDIDATE_BILLING_PROMPT)
    return path


def eval_json(*args: str) -> tuple[int, dict, str]:
    done = run_cli("eval", *args, "--json")
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else {}, done.stderr


def test_a_baseline_run_passes_and_is_stored_with_a_row_per_case(suite: Path, store: Path) -> None:
    code, report, stderr = eval_json(str(suite), "--store", str(store), "--fail-under", "1")
    assert code == 0, stderr
    assert report["summary"]["success_rate"] == 1.0
    assert [c["verdict"] for c in report["cases"]] == ["new"] * 4
    assert "[4/4]" in stderr  # plain progress lines off a terminal
    experiment, rows = TraceStore(store).get_experiment(report["experiment_id"])
    assert (experiment.suite, experiment.partial, experiment.runs) == ("support-router", False, 4)
    assert [r.case_name for r in rows] == [
        "double-charge",
        "export-button",
        "refund-last-month",
        "api-500",
    ]
    # Each row links to its trace, which is in the store like any run.
    assert TraceStore(store).get_trace(rows[0].trace_id).summary.workflow == "support-router"
    assert rows[0].tool_recall == 1.0 and rows[0].detail["tools_called"] == [
        "lookup_order",
        "issue_refund",
    ]


def test_a_changed_prompt_regresses_against_the_latest_experiment(
    suite: Path, store: Path, prompt: Path
) -> None:
    assert eval_json(str(suite), "--store", str(store))[0] == 0
    code, report, _ = eval_json(
        str(suite),
        "--store",
        str(store),
        "--baseline",
        "latest",
        "--instructions",
        f"billing=@{prompt}",
        "--max-regressions",
        "0",
    )
    assert code == 1  # the regression gate fails
    verdicts = {c["case"]: c for c in report["cases"]}
    regressed = verdicts["double-charge"]
    assert regressed["verdict"] == "regressed"
    assert "lookup_order not called" in regressed["reason"]
    assert regressed["cost_usd"] < regressed["base_cost_usd"]  # cheaper, and wrong
    assert regressed["wrong_turns"] == 2  # the lookup is missing, the refund changed
    assert regressed["diff_command"].startswith("tracekit diff ")
    assert "system prompt changed" in regressed["diff_summary"]
    assert verdicts["api-500"]["verdict"] == "same"
    assert report["candidate"] == "instructions(billing)"
    gate = report["gates"][0]
    assert (gate["gate"], gate["passed"], gate["observed"]) == ("max_regressions", False, 2)


def test_the_diff_link_opens_the_step_aligned_diff(suite: Path, store: Path, prompt: Path) -> None:
    first = eval_json(str(suite), "--store", str(store))[1]
    _, report, _ = eval_json(
        str(suite),
        "--store",
        str(store),
        "--baseline",
        first["experiment_id"][:20],
        "--instructions",
        f"billing=@{prompt}",
    )
    command = report["cases"][0]["diff_command"].split()
    diff = run_cli(*command[1:], "--store", str(store))
    assert diff.returncode == 1 and "differ" in diff.stdout


def test_each_gate_sets_the_exit_status(suite: Path, store: Path, prompt: Path) -> None:
    assert eval_json(str(suite), "--store", str(store))[0] == 0
    candidate = [
        "--store",
        str(store),
        "--baseline",
        "latest",
        "--instructions",
        f"billing=@{prompt}",
    ]
    assert eval_json(str(suite), *candidate, "--fail-under", "0.9")[0] == 1
    assert eval_json(str(suite), *candidate, "--fail-under", "50%")[0] == 0
    assert eval_json(str(suite), *candidate, "--max-regressions", "2")[0] == 0
    # Against the cheaper candidate, the original prompt costs more.
    original = ["--store", str(store), "--baseline", "latest"]
    code, report, _ = eval_json(str(suite), *original, "--max-cost-increase", "10%")
    assert code == 1 and report["gates"][0]["gate"] == "max_cost_increase"
    code, report, _ = eval_json(str(suite), *original, "--max-cost-increase", "100%")
    assert code == 0
    code, report, _ = eval_json(str(suite), *original, "--max-latency-increase", "100000%")
    assert code == 0 and report["gates"][0]["passed"]


def test_repeats_give_a_wilson_interval(suite: Path, store: Path) -> None:
    code, report, _ = eval_json(
        str(suite), "--store", str(store), "--repeat", "3", "--concurrency", "2"
    )
    assert code == 0
    summary = report["summary"]
    assert summary["runs"] == 12 and summary["cases"] == 4
    low, high = summary["interval"]
    assert 0.7 < low < 1.0 and high == 1.0
    assert summary["p95_latency_s"] >= summary["mean_latency_s"] > 0


def test_a_recorded_folder_is_a_baseline(suite: Path, store: Path, tmp_path: Path) -> None:
    first = eval_json(str(suite), "--store", str(store))[1]
    folder = tmp_path / "recorded"
    folder.mkdir()
    for case in first["cases"][:2]:
        out = folder / f"{case['case']}.trace.jsonl"
        done = run_cli(
            "export", "--store", str(store), "--trace", case["trace_id"], "--out", str(out)
        )
        assert done.returncode == 0, done.stderr
    code, report, stderr = eval_json(
        str(suite), "--store", str(store), "--baseline", f"recorded:{folder}"
    )
    assert code == 0, stderr
    verdicts = [c["verdict"] for c in report["cases"]]
    assert verdicts == ["same", "same", "new", "new"]
    assert report["cases"][0]["wrong_turns"] == 0
    assert report["baseline"] == f"recorded:{folder}"


def test_failing_runs_are_graded_failed_and_the_suite_goes_on(tmp_path: Path, store: Path) -> None:
    path = suites.write(tmp_path, suites.FAILING_CASES)
    code, report, stderr = eval_json(str(path), "--store", str(store))
    assert code == 0, stderr
    runs = {r["case"]: r for r in report["runs"]}
    assert runs["ok"]["passed"]
    assert not runs["bad-input"]["passed"] and "invalid input" in runs["bad-input"]["reason"]
    assert runs["tight-budget"]["status"] == "stopped"
    assert runs["tight-budget"]["reason"].startswith("stopped: limit")
    assert "grader bug" in runs["boom-grader"]["reason"]


def test_a_run_past_the_timeout_fails_without_stopping_the_suite(
    tmp_path: Path, store: Path
) -> None:
    path = suites.write(tmp_path, suites.SLOW_AND_INTERRUPTING)
    code, report, _ = eval_json(
        str(path), "--store", str(store), "--timeout", "0.5", "--concurrency", "3"
    )
    runs = {r["case"]: r for r in report["runs"]}
    assert runs["slow"]["status"] == "timeout" and "timed out after 0.5 s" in runs["slow"]["reason"]
    assert runs["fast"]["passed"] and runs["after"]["passed"]
    assert code == 0


def test_ctrl_c_stores_the_finished_cases_as_a_partial_experiment(
    tmp_path: Path, store: Path
) -> None:
    path = suites.write(tmp_path, suites.INTERRUPTING)
    done = run_cli("eval", str(path), "--store", str(store), "--concurrency", "1")
    assert done.returncode == 130
    assert "interrupted; 2 finished runs stored as partial" in done.stderr
    [experiment] = TraceStore(store).list_experiments()
    assert experiment.partial and experiment.runs == 2
    listing = json.loads(run_cli("experiments", "--store", str(store), "--json").stdout)
    assert listing[0]["partial"] is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (suites.DOES_NOT_IMPORT, "does not import: ModuleNotFoundError"),
        (suites.NO_CASES, "has no cases"),
        (suites.BROKEN_GRADER, "grader always_broken raised on every case: KeyError"),
    ],
)
def test_a_bad_suite_is_one_line_and_exit_2(
    tmp_path: Path, store: Path, text: str, message: str
) -> None:
    path = suites.write(tmp_path, text)
    done = run_cli("eval", str(path), "--store", str(store), "--json")
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if not line.startswith("[")]
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert done.stdout == ""


def test_bad_flags_are_one_line_and_exit_2(suite: Path, store: Path) -> None:
    for args, message in (
        (["--model", "billing"], "expected AGENT=MODEL"),
        (["--instructions", "billing=@/no/such/file"], "cannot read"),
        (["--baseline", "latest"], "--baseline latest: no store"),
        (["--baseline", "recorded:/no/such/folder"], "no such folder"),
        (["--models", "nomodule"], "expected MODULE:ATTR"),
    ):
        done = run_cli("eval", str(suite), "--store", str(store), *args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.count("\n") == 1 and message in done.stderr


def test_experiments_compare_shows_the_regression(suite: Path, store: Path, prompt: Path) -> None:
    a = eval_json(str(suite), "--store", str(store))[1]["experiment_id"]
    b = eval_json(str(suite), "--store", str(store), "--instructions", f"billing=@{prompt}")[1][
        "experiment_id"
    ]
    done = run_cli("experiments", "compare", a, b, "--store", str(store), "--json")
    assert done.returncode == 0, done.stderr
    compared = json.loads(done.stdout)
    assert compared["baseline"] == a and compared["experiment_id"] == b
    assert compared["regressions"] == 2
    table = run_cli("experiments", "compare", a, b, "--store", str(store))
    assert "regressed" in table.stdout
    listing = run_cli("experiments", "--store", str(store))
    assert a in listing.stdout or a[:10] in listing.stdout
    bad = run_cli("experiments", "compare", "nope", b, "--store", str(store))
    assert bad.returncode == 2 and "no experiment 'nope'" in bad.stderr
