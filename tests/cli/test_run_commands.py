"""`tracekit demo` and `tracekit bench` as a user runs them: the commands in this process, and
in a real process where the console script's own start-up and exit codes are what is tested."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.recording import call_cli


def tracekit(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return call_cli(args, env={**os.environ, **(env or {})}, cwd=cwd or Path.cwd())


def tracekit_process(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracekit.cli", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def test_demo_records_forty_varied_traces_and_says_what_to_run_next(tmp_path: Path) -> None:
    store = tmp_path / "demo.duckdb"
    env = {"ANTHROPIC_API_KEY": ""}  # offline must not need it
    result = tracekit("demo", "--store", str(store), env=env)

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    for workflow in (
        "doc-pipeline",
        "plan-critique-revise",
        "support-router",
        "guarded-research",
        "async-research",
    ):
        assert workflow in result.stdout
    next_steps = result.stdout.split("Next, try:", 1)[1].split()
    assert next_steps[:2] == [next_steps[0], "ui"] and next_steps[0].endswith("tracekit")
    assert "tracekit traces" in result.stdout and "tracekit show" in result.stdout

    with duckdb.connect(str(store), read_only=True) as db:
        traces, workflows, statuses, step_counts, costs = db.execute(
            "select count(*), count(distinct workflow), list(distinct status), "
            "count(distinct steps), count(distinct round(cost_usd, 6)) from traces"
        ).fetchone()
        guardrails = {
            row[0]
            for row in db.execute(
                "select distinct unnest(from_json(events, '[\"json\"]'))->>'name' from spans"
            ).fetchall()
        }
    assert traces >= 40
    assert workflows == 5
    assert set(statuses) == {"ok", "stopped", "error"}
    assert step_counts >= 8 and costs >= 30
    assert {
        "tracekit.limit.exceeded",
        "tracekit.loop.detected",
        "tracekit.retry",
        "tracekit.fallback",
        "tracekit.approval",
        "tracekit.check",
    } <= guardrails


def test_demo_runs_the_eval_twice_and_names_the_comparison_to_try(tmp_path: Path) -> None:
    store = tmp_path / "demo.duckdb"
    result = tracekit("demo", "--runs", "1", "--store", str(store), cwd=tmp_path)
    assert result.returncode == 0, result.stderr

    # The comparison is shown: regressions, and the cheaper candidate.
    assert "Eval support-router" in result.stdout
    assert result.stdout.count("regressed") == 2
    headline = next(line for line in result.stdout.splitlines() if "regressions" in line)
    assert headline.startswith("success rate 100% → 50% · mean cost -")
    assert "press 3" in result.stdout
    # The suite and the candidate's prompt are written beside the store, for the user to edit.
    folder = tmp_path / "demo-eval"
    assert sorted(p.name for p in folder.iterdir()) == [
        "billing_prompt.txt",
        "support_router_eval.py",
    ]

    lines = [line.split() for line in result.stdout.split("Next, try:", 1)[1].splitlines()]
    compare = next(words for words in lines if words[1:3] == ["experiments", "compare"])
    listed = tracekit("experiments", "--json", "--store", str(store))
    experiments = json.loads(listed.stdout)
    baseline, candidate = sorted(experiments, key=lambda e: e["started_ns"])
    assert compare[3:5] == [baseline["experiment_id"], candidate["experiment_id"]]
    assert candidate["baseline"] == baseline["experiment_id"] and not candidate["partial"]
    assert (baseline["success_rate"], candidate["success_rate"]) == (1.0, 0.5)
    assert candidate["mean_cost_usd"] < baseline["mean_cost_usd"]

    # The command it names works as printed, and so does the eval command.
    compared = tracekit(*compare[1:], "--json", cwd=tmp_path)
    assert compared.returncode == 0, compared.stderr
    assert json.loads(compared.stdout)["regressions"] == 2
    again = next(words for words in lines if words[1:2] == ["eval"])
    rerun = tracekit(*again[1:], "--json", cwd=tmp_path)
    assert rerun.returncode == 1, rerun.stderr  # the regressions gate fails, as it should
    report = json.loads(rerun.stdout)
    assert report["regressions"] == 2 and report["baseline"] == baseline["experiment_id"]


def test_demo_live_without_an_api_key_is_one_clear_error(tmp_path: Path) -> None:
    store = tmp_path / "live.duckdb"
    result = tracekit("demo", "--live", "--store", str(store), env={"ANTHROPIC_API_KEY": ""})

    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "tracekit: error: --live needs ANTHROPIC_API_KEY in the environment"
    ]
    assert not store.exists()


def test_demo_rejects_a_bad_runs_value(tmp_path: Path) -> None:
    result = tracekit("demo", "--runs", "zero", "--store", str(tmp_path / "x.duckdb"))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "not a whole number" in result.stderr


def test_bench_reports_the_figures_as_json(tmp_path: Path) -> None:
    # A process of its own: the figures time a fresh interpreter, not one warmed by the suite.
    result = tracekit_process("bench", "--quick", "--json", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["quick"] is True and report["runs"] == 5
    assert len(report["load_average"]["start"]) == len(report["load_average"]["end"]) == 3
    figures = report["figures"]
    for key in (
        "recording_overhead_ratio",
        "recording_sustained_overhead_ratio",
        "orchestrated_step_vs_bare_otel_ratio",
        "scripted_model_call_us",
        "recorded_step_us",
        "bare_sdk_span_us",
        "ingest_spans_per_s",
        "ingest_duckdb_floor_spans_per_s",
        "ingest_vs_duckdb_floor_ratio",
        "otlp_receiver_spans_per_s",
        "otlp_receiver_cpu_per_span_us",
        "otlp_client_cpu_per_span_us",
        "otlp_cpu_bound_spans_per_s",
        "bytes_per_span",
        "anthropic_replay_calls_per_s",
        "replay_steps_per_s",
        "replay_parse_ms_per_run",
        "tui_first_screen_s",
        "cli_help_ms",
        "python_start_ms",
        "cli_traces_1m_ms",
        "cli_stats_by_agent_1m_ms",
        "cli_show_10k_ms",
        "cli_show_10k_json_ms",
        "show_10k_in_process_ms",
        "show_10k_json_in_process_ms",
        "async_recorded_step_us",
        "async_amap_steps_per_s",
        "fork_prefix_steps_per_s",
        "fork_prefix_vs_replay_ratio",
        "stats_by_agent_ms",
        "stats_every_1h_30d_ms",
        "anomalies_1m_ms",
        "text_search_1m_ms",
        "text_search_words_1m_ms",
        "store_bytes_per_span",
        "tui_first_screen_rss_mb",
    ):
        figure = figures[key]
        assert 0 < figure["min"] <= figure["median"] <= figure["max"], key
        assert figure["runs"] == 5, key
    # The shape machines read: every figure has the same fields, none of them missing.
    assert set(report) == {"figures", "load_average", "python", "platform", "cpus", "quick", "runs"}
    shape = {"median", "min", "max", "runs", "unit", "target", "note"}
    assert all(set(figure) == shape and figure["runs"] == 5 for figure in figures.values())
    assert figures["cli_help_ms"]["unit"] == "ms" and figures["cli_help_ms"]["target"] == "≤ 60"
    assert figures["ingest_duckdb_floor_spans_per_s"]["unit"] == "/s"
    assert figures["ingest_vs_duckdb_floor_ratio"]["unit"] == "×"
    assert figures["otlp_receiver_cpu_per_span_us"]["unit"] == "µs"
    # The cores' ceiling is over what they did: the receiver never beats its own CPU cost.
    receiver = figures["otlp_receiver_spans_per_s"]["median"]
    assert receiver <= figures["otlp_cpu_bound_spans_per_s"]["max"] * 1.05
    # A slope less the replays timed inside the same run and less a trivial run beside it.
    assert figures["pytest_plugin_overhead_ms_per_trace"]["runs"] == 5
    assert figures["fork_prefix_vs_replay_ratio"]["target"] == "≤ 2×"
    # A figure measured on the small --quick store says so.
    assert "--quick" in figures["cli_traces_1m_ms"]["note"]
    assert "--quick" in figures["stats_by_agent_ms"]["note"]
    assert "--quick" in figures["text_search_1m_ms"]["note"]
    assert figures["anomalies_1m_ms"]["target"] == "≤ 1000"
    assert list(tmp_path.iterdir()) == []  # leaves nothing behind


def test_bench_refuses_fewer_than_five_runs() -> None:
    result = tracekit("bench", "--runs", "3")
    assert result.returncode == 2
    assert "at least 5 runs" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def _one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_unknown_option_is_named_and_a_missing_command_lists_the_commands() -> None:
    # The console script itself: argparse's exit code and one line, from a real process.
    assert "unrecognized arguments: --bogus" in _one_error_line(tracekit_process("--bogus"))
    listed = _one_error_line(tracekit_process()).split("choose a command: ")[1].split(", ")
    assert listed[:3] == ["traces", "show", "stats"]
    assert {"demo", "replay", "import", "export", "sql", "ui"} <= set(listed)


def test_a_directory_as_store_is_refused(tmp_path: Path) -> None:
    for command in (["traces"], ["demo", "--runs", "1"]):
        line = _one_error_line(tracekit(*command, "--store", str(tmp_path)))
        assert "is a directory; name a file" in line
    assert list(tmp_path.iterdir()) == []


def test_demo_into_a_missing_folder_fails_before_running(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "dir" / "x.duckdb"
    line = _one_error_line(tracekit("demo", "--runs", "1", "--store", str(target)))
    assert "is not an existing folder" in line
    assert not (tmp_path / "missing").exists()


def test_reading_a_foreign_file_changes_nothing_beside_it(tmp_path: Path) -> None:
    foreign = tmp_path / "notes.txt"
    foreign.write_text("not a database")
    line = _one_error_line(tracekit("traces", "--store", str(foreign)))
    assert "not a valid DuckDB database" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert foreign.read_text() == "not a database"


def test_demo_into_a_store_that_cannot_take_the_runs_fails_without_a_success_line(
    tmp_path: Path,
) -> None:
    store = tmp_path / "other.duckdb"
    con = duckdb.connect(str(store))
    con.execute("CREATE TABLE notes (text VARCHAR)")  # a DuckDB file, but not a tracekit store
    con.close()
    result = tracekit_process("demo", "--runs", "1", "--store", str(store))
    assert result.returncode != 0
    assert "Recorded" not in result.stdout
    line = _one_error_line(result)
    assert "not a tracekit store" in line and str(store) in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.duckdb"]  # no spool left


def test_bench_table_written_to_a_file_keeps_every_figure_name_whole(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tracekit.benchmarks.figures import BenchReport, summarise
    from tracekit.cli.run_commands import _print_bench

    samples = {
        "orchestrated_step_vs_bare_otel_ratio": [2.6, 2.7, 2.8],
        "show_10k_json_in_process_ms": [110.0, 115.0, 117.0],
        "text_search_words_1m_ms": [258.0, 263.0, 264.0],
    }
    notes = {"text_search_words_1m_ms": "ILIKE scan (no fts extension offline)"}
    report = BenchReport.of(
        summarise(samples, {"orchestrated_step_vs_bare_otel_ratio": "≤ 2.5×"}, notes),
        [0.1, 0.2, 0.3],
        quick=False,
        runs=5,
    )
    _print_bench(report)
    printed = capsys.readouterr().out
    rows = {line.split("│")[1].strip(): line for line in printed.splitlines() if "│" in line}
    assert set(samples) <= set(rows)  # each name on one line, not cut or wrapped
    assert "ILIKE scan (no fts extension offline)" in rows["text_search_words_1m_ms"]
    assert "2.70" in rows["orchestrated_step_vs_bare_otel_ratio"]
