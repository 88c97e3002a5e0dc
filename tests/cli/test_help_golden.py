"""``tracekit --help``, every ``tracekit COMMAND --help`` and the usage errors of wrong flags
are what they were before the parser was built lazily (one command's arguments at a time):
each case's exit code, stdout and stderr are compared with a file in ``golden/help``.

After a deliberate change to a command's arguments, rewrite the files with
``python -m tests.cli.test_help_golden`` and review the diff.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.recording import call_cli

GOLDEN = Path(__file__).parent / "golden" / "help"

#: Every command and subcommand, as a user types it before ``--help``.
COMMANDS = (
    "",
    "traces",
    "show",
    "stats",
    "anomalies",
    "sessions",
    "sql",
    "demo",
    "bench",
    "serve",
    "replay",
    "diff",
    "ui",
    "import",
    "export",
    "doctor",
    "reprice",
    "fork",
    "eval",
    "experiments",
    "experiments compare",
)

#: Wrong input that argparse refuses before any command runs: (case name, arguments).
USAGE_ERRORS = (
    ("no-command", ()),
    ("unknown-command", ("nope",)),
    ("unknown-top-flag", ("--bogus",)),
    ("unknown-flag-before-command", ("--store", "x.duckdb", "traces")),
    ("short-help-abbrev", ("--he",)),
    ("traces-unknown-flag", ("traces", "--bogus")),
    ("traces-abbrev-help", ("traces", "--hel")),
    ("traces-limit-zero", ("traces", "--limit", "0")),
    ("traces-bad-filter", ("traces", "--filter", "status:")),
    ("traces-bad-sort", ("traces", "--sort", "nope")),
    ("traces-extra-positional", ("traces", "extra")),
    ("show-missing-id", ("show",)),
    ("stats-bad-by", ("stats", "--by", "nope")),
    ("stats-bad-every", ("stats", "--every", "xx")),
    ("stats-bad-since", ("stats", "--since", "garbage")),
    ("stats-json-and-csv", ("stats", "--json", "--csv")),
    ("anomalies-bad-since", ("anomalies", "--since", "bad")),
    ("sql-missing-query", ("sql",)),
    ("experiments-no-subcommand", ("experiments",)),
    ("experiments-compare-missing", ("experiments", "compare")),
    ("experiments-unknown-subcommand", ("experiments", "nope")),
    ("fork-unknown-flag", ("fork", "--bogus")),
    ("replay-unknown-flag", ("replay", "--bogus")),
)


def _text(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``tracekit ARGS`` as tests.recording's ``run_cli`` runs it, but from an empty folder:
    a case that reaches the default store (``experiments`` alone) must find none, even where
    the repository root has a ``tracekit.duckdb`` (``make demo`` writes one there)."""
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("TRACEKIT_STORE", None)
    with tempfile.TemporaryDirectory() as empty:
        return call_cli(args, env=env, cwd=Path(empty))


def _help_case(command: str) -> tuple[str, tuple[str, ...]]:
    return (f"help-{command.replace(' ', '-') or 'tracekit'}", (*command.split(), "--help"))


CASES = tuple(_help_case(command) for command in COMMANDS) + USAGE_ERRORS


#: The Pythons whose argparse lays help out as the golden files do (3.10 adds "(default: …)"
#: to a BooleanOptionalAction's help, 3.13 indents the command list and wraps usage anew):
#: on the others, test_lazy_commands checks the lazy parser against the whole one instead.
GOLDEN_PYTHONS = ((3, 11), (3, 12))


@pytest.mark.skipif(
    sys.version_info[:2] not in GOLDEN_PYTHONS,
    reason="argparse's help layout differs on this Python (see GOLDEN_PYTHONS)",
)
@pytest.mark.parametrize(("name", "args"), CASES, ids=[name for name, _ in CASES])
def test_output_is_as_before(name: str, args: tuple[str, ...]) -> None:
    assert _text(run_cli(*args)) == (GOLDEN / f"{name}.txt").read_text(encoding="utf-8")


def test_every_command_has_a_golden_help() -> None:
    # A new command gets a golden file too (add it to COMMANDS).
    import argparse

    from tracekit.cli import build_parser

    def walk(parser: argparse.ArgumentParser, path: str) -> list[str]:
        found = [path]
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found += walk(sub, f"{path} {name}".strip())
        return found

    assert sorted(walk(build_parser(), "")) == sorted(COMMANDS)


if __name__ == "__main__":  # pragma: no cover - rewrites the golden files
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for case_name, case_args in CASES:
        (GOLDEN / f"{case_name}.txt").write_text(_text(run_cli(*case_args)), encoding="utf-8")
