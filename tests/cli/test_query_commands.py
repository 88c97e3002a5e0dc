"""``tracekit traces``, ``show`` and ``stats`` as a user runs them: the real CLI, real stores.

Every command this module needs is run once by the module fixture; the tests then read like
the user's session.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.recording import MS, emit_run, new_recorder, run_cli
from tracekit import semconv as sc

DAY = 86_400_000 * MS
MARKUP = "[bold red]pwned[/] \x1b[31mred\x1b[0m"


@dataclass
class Session:
    """The stores, the ids recorded into them, and what each command printed."""

    store: Path
    ok: str
    failed: str
    stopped: str
    ambiguous_prefix: str
    missing: Path
    runs: dict[str, subprocess.CompletedProcess[str]]

    def __getitem__(self, name: str) -> subprocess.CompletedProcess[str]:
        return self.runs[name]


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    base = tmp_path_factory.mktemp("cli")
    store, misc, missing = base / "runs.duckdb", base / "misc.duckdb", base / "gone" / "x.duckdb"
    t = 1_750_000_000_000 * MS
    recorder = new_recorder(store)
    ok = recorder.trace(workflow="doc-pipeline", start_ns=t)
    failed = recorder.trace(workflow="doc-pipeline", start_ns=t + DAY, fail=True)
    stopped = recorder.trace(workflow="triage", start_ns=t + 2 * DAY, stopped="limit:max_steps")
    recorder.provider.shutdown()
    other = new_recorder(misc)
    ids = [emit_run(other.tracer, start_ns=t - (i + 1) * DAY) for i in range(40)]
    other.trace(workflow=MARKUP, start_ns=t)
    other.provider.shutdown()
    prefix = next(c for c in "0123456789abcdef" if sum(i.startswith(c) for i in ids) >= 2)
    missing.parent.mkdir()

    s, m = ["--store", str(store)], ["--store", str(misc)]
    commands: dict[str, list[str]] = {
        "traces": ["traces", *s],
        "traces-json": ["traces", *s, "--json", "--limit", "2"],
        "show-stopped": ["show", *s, stopped[:8]],
        "show-failed": ["show", *s, failed],
        "show-json": ["show", *s, ok[:10], "--json"],
        "stats-agent": ["stats", *s, "--by", "agent"],
        "stats-model": ["stats", *s, "--by", "model"],
        "stats-workflow": ["stats", *s, "--by", "workflow"],
        "stats-json": ["stats", *s, "--json"],
        "markup": ["traces", *m, "--limit", "1"],
        "ambiguous": ["show", *m, prefix],
        "unknown": ["show", *s, "0123456789abcdef"],
        "not-hex": ["show", *s, "not-hex"],
        "limit-0": ["traces", *s, "--limit", "0"],
        "bad-flag": ["traces", *s, "--colour"],
        "missing": ["traces", "--store", str(missing)],
    }

    results = {name: run_cli(*args) for name, args in commands.items()}
    return Session(store, ok, failed, stopped, prefix, missing, results)


def test_traces_lists_runs_newest_first(session: Session) -> None:
    result = session["traces"]

    assert result.returncode == 0 and result.stderr == ""
    header, stopped, failed, ok = result.stdout.splitlines()
    assert header.split()[:4] == ["time", "trace", "workflow", "status"]
    assert session.stopped[:12] in stopped and "triage" in stopped
    assert "stopped (limit:max_steps)" in stopped
    assert session.failed[:12] in failed and " error " in failed
    assert session.ok[:12] in ok and "doc-pipeline" in ok and " ok " in ok
    assert "400/70" in ok and "$0.0120" in ok and "42.0 ms" in ok


def test_traces_json_is_a_list_for_jq(session: Session) -> None:
    traces = json.loads(session["traces-json"].stdout)

    assert [t["trace_id"] for t in traces] == [session.stopped, session.failed]
    assert traces[1]["status"] == "error" and traces[1]["steps"] == 3
    assert traces[0]["stop_reason"] == "limit:max_steps"


def test_show_draws_the_span_tree_with_guardrail_events(session: Session) -> None:
    result = session["show-stopped"]

    assert result.returncode == 0 and result.stderr == ""
    out = result.stdout
    assert session.stopped in out.splitlines()[0] and "stopped (limit:max_steps)" in out
    assert out.index("invoke_workflow triage") < out.index("invoke_agent planner")
    assert out.index("invoke_agent planner") < out.index("chat claude-haiku-4-5")
    assert out.index("execute_tool search") < out.index("invoke_agent writer")
    assert f"⚠ {sc.EVENT_LIMIT_EXCEEDED}" in out and "tracekit.limit.name=max_steps" in out
    assert f"⚠ {sc.EVENT_RETRY}" in out
    assert "100/20 tokens" in out and "$0.0020" in out


def test_show_makes_errors_stand_out(session: Session) -> None:
    assert "✗ TransientModelError: overloaded" in session["show-failed"].stdout


def test_show_json_is_the_whole_trace(session: Session) -> None:
    detail = json.loads(session["show-json"].stdout)

    assert detail["summary"]["trace_id"] == session.ok
    assert [s["depth"] for s in detail["spans"]] == [0, 1, 2, 2, 1, 2]
    assert detail["spans"][5]["events"][0]["name"] == sc.EVENT_RETRY


@pytest.mark.parametrize(
    ("by", "key", "count", "errors"),
    [
        ("agent", "writer", "3", "1"),
        ("model", "claude-sonnet-4-5", "3", "1"),
        ("workflow", "doc-pipeline", "2", "1"),
    ],
)
def test_stats_tables(session: Session, by: str, key: str, count: str, errors: str) -> None:
    result = session[f"stats-{by}"]

    assert result.returncode == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == [by, "count", "errors"]
    row = next(line.split() for line in lines if line.startswith(key + " "))
    assert row[1:3] == [count, errors]


def test_stats_json_defaults_to_agents(session: Session) -> None:
    rows = {row["key"]: row for row in json.loads(session["stats-json"].stdout)}

    assert set(rows) == {"planner", "writer"}
    assert rows["planner"]["input_tokens"] == 300 and rows["planner"]["p50_ms"] == 15.0


def test_trace_text_is_shown_literally(session: Session) -> None:
    out = session["markup"].stdout

    assert "[bold red]pwned[/]" in out
    assert "\x1b" not in out
    assert "\\x1b[31mred" in out


@pytest.mark.parametrize(
    ("run", "code", "message"),
    [
        ("unknown", 3, "no trace matches '0123456789abcdef'"),
        ("not-hex", 3, "no trace matches 'not-hex' (trace ids are hex digits)"),
        ("limit-0", 2, "argument --limit: must be at least 1: 0"),
        ("bad-flag", 2, "unrecognized arguments: --colour"),
    ],
)
def test_user_errors_are_one_line_on_stderr(
    session: Session, run: str, code: int, message: str
) -> None:
    result = session[run]

    assert result.returncode == code
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and message in result.stderr


def test_an_ambiguous_prefix_is_a_clear_error(session: Session) -> None:
    result = session["ambiguous"]

    assert result.returncode == 3
    assert result.stderr.startswith("tracekit: error: ")
    assert f"traces match '{session.ambiguous_prefix}'; give more of the id" in result.stderr


def test_a_missing_store_is_reported_and_not_created(session: Session) -> None:
    result = session["missing"]

    assert result.returncode == 3
    assert result.stderr == (
        f"tracekit: error: no store at {session.missing} "
        "(run `tracekit demo` or record a workflow first)\n"
    )
    assert list(session.missing.parent.iterdir()) == []
