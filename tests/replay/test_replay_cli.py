"""``tracekit replay`` as a user runs it: exit codes, the report, JSON, and bad input."""

from __future__ import annotations

import importlib
import json
import shutil
import sys
from pathlib import Path

from replay.recorder import record_workflow
from tests.recording import REPO_ROOT, run_cli
from tests.replay.mutants import MutantModule

FIXTURE = REPO_ROOT / "fixtures" / "traces" / "doc-pipeline-seed1-ok.trace.jsonl"


def test_a_matching_replay_exits_0() -> None:
    result = run_cli("replay", str(FIXTURE))
    assert result.returncode == 0, result.stderr
    assert "replay matched: doc-pipeline" in result.stdout
    assert result.stderr == ""


def test_a_changed_prompt_exits_1_with_the_report(tmp_path: Path) -> None:
    mutant = MutantModule(tmp_path / "code")
    trace = tmp_path / "run.trace.jsonl"
    record_workflow(mutant.write().workflow, {"text": "hello"}, trace)
    mutant.write(planner_prompt="Plan it in [bold red]ONE[/] step.\x1b[2J")

    result = run_cli("replay", str(trace), extra_path=tmp_path / "code")
    assert result.returncode == 1
    out = result.stdout
    assert (
        "replay diverged at step 1: model call 0 of agent planner #0: system prompt changed" in out
    )
    assert "first divergence: agent planner (call #0), model call 0" in out
    # Untrusted text is shown literally: markup as typed, the escape sequence made visible.
    assert "[bold red]ONE[/]" in out and "\x1b" not in out and "\\x1b[2J" in out

    as_json = run_cli("replay", str(trace), "--json", extra_path=tmp_path / "code")
    assert as_json.returncode == 1
    report = json.loads(as_json.stdout)
    assert report["matched"] is False
    assert report["first"]["agent"] == "planner" and report["first"]["kind"] == "llm"
    assert report["first"]["changes"][0]["field"] == "system[0].content"


def test_looser_modes_are_flags() -> None:
    result = run_cli("replay", str(FIXTURE), "--mode", "unordered", "--tool-args", "ignore")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mode unordered, tool args ignore" in result.stdout


def test_bad_input_is_one_line_and_non_zero(tmp_path: Path) -> None:
    broken = tmp_path / "broken.trace.jsonl"
    broken.write_text(FIXTURE.read_text()[:100])
    cases = [
        (("replay", str(broken)), 2, "line 1"),
        (("replay", "abc123", "--store", str(tmp_path / "none.duckdb")), 2, "no store"),
        (("replay", str(tmp_path / "gone.trace.jsonl")), 2, "no such trace file"),
        (("replay", str(FIXTURE), "--mode", "fuzzy"), 2, "invalid choice"),
    ]
    for args, code, message in cases:
        result = run_cli(*args)
        assert result.returncode == code, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert message in result.stderr
        assert result.stdout == ""


def test_diff_aligns_two_recorded_runs() -> None:
    other = REPO_ROOT / "fixtures" / "traces" / "doc-pipeline-seed0-ok.trace.jsonl"
    same = run_cli("diff", str(FIXTURE), str(FIXTURE))
    assert same.returncode == 0, same.stderr
    assert "match" in same.stdout.splitlines()[0]

    different = run_cli("diff", str(other), str(FIXTURE), "--json")
    assert different.returncode == 1
    report = json.loads(different.stdout)
    assert report["kind"] == "diff" and report["matched"] is False
    assert report["first"]["agent"] == "planner" and report["first"]["kind"] == "agent"
    assert {c["field"] for c in report["first"]["changes"]} == {"input.brief", "input.title"}


def test_ignore_and_live_tools_are_flags(tmp_path: Path) -> None:
    from tests.replay.mutants import SourceModule
    from tests.replay.scenarios import DECISION_DEFAULTS, DECISIONS, RANDOM_AND_TIME, UUID

    volatile = SourceModule(tmp_path / "code", RANDOM_AND_TIME, ticket="uuid.uuid4()", suffix="")
    trace = tmp_path / "uuid.trace.jsonl"
    record_workflow(volatile.write().workflow, "hello", trace)
    code = tmp_path / "code"
    assert run_cli("replay", str(trace), extra_path=code).returncode == 1
    masked = run_cli("replay", str(trace), "--ignore", UUID, "--ignore", "x^", extra_path=code)
    assert masked.returncode == 0, masked.stdout + masked.stderr

    clerk = SourceModule(code, DECISIONS, **DECISION_DEFAULTS)
    trace = tmp_path / "clerk.trace.jsonl"
    record_workflow(clerk.write().workflow, "a refund please", trace)
    clerk.write(total=12)
    assert run_cli("replay", str(trace), extra_path=code).returncode == 0  # price not live
    live = run_cli("replay", str(trace), "--live-tools", "price", "--json", extra_path=code)
    assert live.returncode == 1
    first = json.loads(live.stdout)["first"]
    assert (first["agent"], first["kind"], first["divergence_kind"]) == (
        "clerk",
        "tool",
        "tool_result",
    )

    bad = run_cli("replay", str(trace), "--ignore", "(unclosed", extra_path=code)
    assert bad.returncode != 0 and bad.stdout == ""
    assert len(bad.stderr.strip().splitlines()) == 1
    assert "not a regular expression" in bad.stderr


def edit(mutant: MutantModule, source: str) -> None:
    """Rewrite the module's source as a user would; the next import reads it afresh."""
    (mutant.folder / f"{mutant.name}.py").write_text(source)
    sys.modules.pop(mutant.name, None)
    shutil.rmtree(mutant.folder / "__pycache__", ignore_errors=True)
    importlib.invalidate_caches()


def test_could_not_replay_is_exit_2_with_one_line_saying_what_to_do(tmp_path: Path) -> None:
    mutant = MutantModule(tmp_path / "code")
    trace = tmp_path / "run.trace.jsonl"
    record_workflow(mutant.write().workflow, {"text": "hello"}, trace)
    source = mutant.folder / f"{mutant.name}.py"
    original = source.read_text()

    moved = tmp_path / "moved.trace.jsonl"  # as if the module were renamed since recording
    moved.write_text(trace.read_text().replace(f"{mutant.name}:run", "tracekit_gone_mod:run"))
    not_on_path = run_cli("replay", str(moved))
    hostile = tmp_path / "hostile.trace.jsonl"  # trace text in the message stays inert
    hostile.write_text(trace.read_text().replace(f"{mutant.name}:run", "gone\\u001b[2J:run"))
    escaped = run_cli("replay", str(hostile))
    assert escaped.returncode == 2 and "\x1b" not in escaped.stderr
    assert "gone\\x1b[2J:run" in escaped.stderr
    edit(mutant, original + "\nraise RuntimeError('half-finished edit')\n")
    raising = run_cli("replay", str(trace), extra_path=mutant.folder)
    edit(mutant, original.replace("ticket: Ticket", "ticket: int"))
    new_input_type = run_cli("replay", str(trace), extra_path=mutant.folder)

    for result, says in [
        (not_on_path, "PYTHONPATH"),
        (raising, "RuntimeError: half-finished edit"),
        (new_input_type, "no longer accepts the recorded input"),
    ]:
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr and says in result.stderr
        assert result.stderr.startswith("tracekit replay: could not replay ")


def test_a_budget_breach_exits_1_naming_every_budget() -> None:
    result = run_cli("replay", str(FIXTURE), "--max-steps", "3", "--max-cost-usd", "0.001")
    assert result.returncode == 1
    first_line = result.stdout.splitlines()[0]
    assert first_line.startswith("replay over budget: 23 steps > max_steps=3, $0.0301 > max_c")
    lines = result.stdout.splitlines()
    assert "budget exceeded: 23 steps > max_steps=3" in lines
    assert "budget exceeded: $0.0301 > max_cost_usd=0.001" in lines
    within = run_cli("replay", str(FIXTURE), "--max-steps", "23", "--json")
    assert within.returncode == 0
    assert json.loads(within.stdout)["budget_breaches"] == []


def test_exit_status_is_documented_in_help() -> None:
    result = run_cli("replay", "--help")
    assert result.returncode == 0
    assert "exit status:" in result.stdout
    for line in ("0  the replay matched", "1  it diverged", "2  it could not replay"):
        assert line in result.stdout


def test_the_report_is_100_columns_in_a_pipe_or_as_wide_as_asked(tmp_path: Path) -> None:
    mutant = MutantModule(tmp_path / "code")
    trace = tmp_path / "run.trace.jsonl"
    record_workflow(mutant.write().workflow, {"text": "hello"}, trace)
    mutant.write(planner_prompt="Plan it.")
    piped = run_cli("replay", str(trace), extra_path=mutant.folder)
    wide = run_cli("replay", str(trace), "--width", "140", extra_path=mutant.folder)
    for result, width in ((piped, 100), (wide, 140)):
        table = [line for line in result.stdout.splitlines() if line.startswith(("┏", "└"))]
        assert table and all(len(line) == width for line in table), result.stdout
        assert max(len(line) for line in result.stdout.splitlines()) <= width
