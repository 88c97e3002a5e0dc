"""The ``tracekit`` console script (and ``python -m tracekit.cli``) runs
:func:`tracekit.cli.console_main`: ``main``'s exit code, its output flushed, and a reader that
left early (``tracekit traces | head``) is no error. These run real processes: the entry point
freezes the garbage collector before exiting, which a test process must never do."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from tests.recording import REPO_ROOT, record_two_runs, run_cli

# Returns console_main's own value (not the process's exit status) on stderr.
_PROBE = """
import sys
from tracekit.cli import console_main
try:
    code = console_main()
except SystemExit as stop:
    code = stop.code
sys.stderr.write(f"RETURNED {code}\\n")
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("entry") / "runs.duckdb"
    return record_two_runs(path)


def _env() -> dict[str, str]:
    # Buffered output, as a user's shell has it (an unbuffered stdout fails on the write
    # itself, inside the command, and hides what the exit-time flush would do).
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "COLUMNS": "200"}
    for name in ("PYTHONUNBUFFERED", "TRACEKIT_STORE"):
        env.pop(name, None)
    return env


def _run(command: list[str], **streams: Any) -> subprocess.CompletedProcess[Any]:
    """``command`` in a process of its own, with the buffered environment of :func:`_env`."""
    return subprocess.run(command, env=_env(), cwd=REPO_ROOT, timeout=120, check=False, **streams)


def _commands() -> list[list[str]]:
    module = [sys.executable, "-m", "tracekit.cli"]
    script = Path(sys.executable).with_name("tracekit")
    return [module, [str(script)]] if script.is_file() else [module]


def test_the_console_script_is_console_main() -> None:
    (script,) = entry_points(group="console_scripts", name="tracekit")
    assert script.value == "tracekit.cli:console_main"


@pytest.mark.parametrize(
    "args",
    [
        ["traces"],
        ["stats", "--by", "agent"],
        ["show", "nosuch"],
        ["traces", "--filter", "cost>>1"],
        ["traces", "--no-such-option"],
    ],
)
def test_console_main_returns_mains_exit_code(store: Path, args: list[str]) -> None:
    at = ["--store", str(store)]
    expected = run_cli(*args, *at)
    result = _run([sys.executable, "-c", _PROBE, *args, *at], capture_output=True, text=True)
    assert result.stderr.endswith(f"RETURNED {expected.returncode}\n"), result.stderr
    assert result.returncode == 0  # the probe's own exit
    assert result.stdout == expected.stdout


@pytest.mark.parametrize("command", _commands(), ids=lambda command: Path(command[-1]).name)
@pytest.mark.parametrize("args", [["traces"], ["--help"], ["stats", "--by", "agent"]])
def test_a_reader_that_left_is_not_an_error(
    store: Path, command: list[str], args: list[str]
) -> None:
    # The reading end is closed before the command writes a byte: every write fails.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = _run(
            [*command, *args, "--store", str(store)] if args != ["--help"] else [*command, *args],
            stdout=write_end,
            stderr=subprocess.PIPE,
        )
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (0, b"")


@pytest.mark.parametrize("command", _commands(), ids=lambda command: Path(command[-1]).name)
def test_the_whole_listing_reaches_a_pipe(store: Path, command: list[str]) -> None:
    result = _run([*command, "traces", "--store", str(store)], capture_output=True, text=True)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == run_cli("traces", "--store", str(store)).stdout
