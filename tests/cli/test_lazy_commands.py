"""The lazily built parser (what ``tracekit`` runs) parses every command line exactly as the
whole parser does: the same namespace, the same handler; and it prints the same help and
errors, on whichever Python runs it (argparse's own layout changes between versions, so the
golden files of test_help_golden hold for the versions they were written on; this holds for
every one)."""

from __future__ import annotations

import argparse

import pytest

import tracekit.cli
from tests.cli.test_help_golden import CASES, run_cli
from tracekit.cli import build_parser

LINES = (
    ["traces"],
    ["traces", "--limit", "5", "--sort", "cost desc", "--json", "--store", "x.duckdb"],
    ["stats", "--by", "model", "--every", "1h", "--since", "2026-11-30", "--csv"],
    ["anomalies", "--since", "1h", "--baseline", "3d", "--by", "agent"],
    ["sql", "SELECT 1", "--parquet", "out.parquet"],
    ["experiments", "compare", "a", "b"],
    ["show", "abc123", "--json"],
)


def _comparable(vars_: dict[str, object]) -> dict[str, object]:
    # Handlers compare by what they run (a lazy_handler by its target, a function by itself).
    return {key: repr(value) if key == "handler" else value for key, value in vars_.items()}


@pytest.mark.parametrize("line", LINES, ids=[" ".join(line) for line in LINES])
def test_the_lazy_parser_parses_as_the_whole_one(line: list[str]) -> None:
    whole = build_parser().parse_known_args(line)
    lazy = build_parser(lazy=True).parse_known_args(line)
    assert _comparable(vars(lazy[0])) == _comparable(vars(whole[0]))
    assert lazy[1] == whole[1]


def test_the_lazy_parser_builds_only_the_command_that_runs() -> None:
    parser = build_parser(lazy=True)
    parser.parse_known_args(["traces"])
    (commands,) = (a for a in parser._actions if a.dest == "command")
    built = [name for name, sub in commands.choices.items() if sub is not None]
    assert built == ["traces"]


@pytest.mark.parametrize(("name", "args"), CASES, ids=[name for name, _ in CASES])
def test_the_lazy_parser_prints_what_the_whole_one_prints(
    name: str, args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    lazy = run_cli(*args)
    whole_parser = build_parser

    def whole(*, lazy: bool = False) -> argparse.ArgumentParser:
        return whole_parser(lazy=False)

    monkeypatch.setattr(tracekit.cli, "build_parser", whole)
    eager = run_cli(*args)
    assert (lazy.returncode, lazy.stdout, lazy.stderr) == (
        eager.returncode,
        eager.stdout,
        eager.stderr,
    )
