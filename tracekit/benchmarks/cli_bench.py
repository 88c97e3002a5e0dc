"""Wall time of the commands a user types, as they type them: the ``tracekit`` console
script started as a fresh process, output to a pipe that nobody reads (so writing it is
counted, a terminal's drawing is not).

- ``cli_help_ms``: ``tracekit --help``;
- ``cli_traces_1m_ms``: ``tracekit traces`` (the first page) on the bench store;
- ``cli_stats_by_agent_1m_ms``: ``tracekit stats --by agent`` on it;
- ``cli_show_10k_ms`` / ``cli_show_10k_json_ms``: ``tracekit show`` of its 10,000-span
  trace, as a tree and as ``--json``;
- ``python_start_ms``: ``python -c pass`` with the same interpreter, timed the same way
  beside them: the floor under every command's wall time, and how fast this machine starts
  a process today (the targets were set where it took 9 ms).

``show_10k_in_process_ms`` / ``show_10k_json_in_process_ms`` are the same two ``show``
commands run in this process after a warm-up run: the read and the drawing alone, without
the start-up (Python, imports) that the wall times above include.

Before these (and the TUI's first screen) the bench compiles tracekit's modules to bytecode
(:func:`compile_bytecode`), as ``pip install`` does for an installed package and as the first
run of an editable install does: a fresh process then reads ``.pyc`` files, as a user's does,
even where ``PYTHONDONTWRITEBYTECODE`` kept earlier runs from writing them (compiling every
module from source on each start would be timed otherwise, and no user waits on that twice).

The store is the TUI bench's (:func:`tracekit.benchmarks.tui_bench.build_store`): 1,000,000
spans, or fewer with ``--quick`` (the figures then say so in their note).
"""

from __future__ import annotations

import compileall
import contextlib
import io
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["compile_bytecode", "console_script", "measure_cli", "measure_show_in_process"]


def compile_bytecode() -> bool:
    """Compile the ``tracekit`` and ``replay`` packages' modules to ``.pyc`` files afresh
    (see the module docstring); whether every module compiled."""
    import replay
    import tracekit

    return all(
        # force: compileall compares whole-second mtimes, so a module edited in the second
        # of an earlier compile would keep a stale .pyc and be compiled from source on
        # every start (timed as start-up no user waits on).
        compileall.compile_dir(Path(str(package.__file__)).parent, quiet=1, force=True)
        for package in (tracekit, replay)
    )


def console_script() -> list[str]:
    """How to start ``tracekit``: the console script beside this Python, else on PATH, else
    ``python -m tracekit.cli`` (slower to start: say so when it is used)."""
    beside = Path(sys.executable).with_name("tracekit")
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("tracekit")
    return [found] if found else [sys.executable, "-m", "tracekit.cli"]


def _wall_ms(command: list[str]) -> float:
    started = time.perf_counter()
    finished = subprocess.run(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=300, check=False
    )
    elapsed = time.perf_counter() - started
    if finished.returncode != 0:
        said = finished.stderr.decode(errors="replace").strip()[-300:]
        raise RuntimeError(f"{' '.join(command)} failed ({finished.returncode}): {said}")
    return elapsed * 1000


def measure_cli(store: Path, big_trace_id: str) -> dict[str, float]:
    """One run of each command against ``store`` (see the module docstring)."""
    tracekit = console_script()
    at = ["--store", str(store)]
    return {
        "python_start_ms": _wall_ms([sys.executable, "-c", "pass"]),
        "cli_help_ms": _wall_ms([*tracekit, "--help"]),
        "cli_traces_1m_ms": _wall_ms([*tracekit, "traces", *at]),
        "cli_stats_by_agent_1m_ms": _wall_ms([*tracekit, "stats", "--by", "agent", *at]),
        "cli_show_10k_ms": _wall_ms([*tracekit, "show", big_trace_id, *at]),
        "cli_show_10k_json_ms": _wall_ms([*tracekit, "show", big_trace_id, "--json", *at]),
    }


class _Discard(io.TextIOBase):
    """A text stream that is not a terminal and keeps nothing (as a pipe nobody reads)."""

    def write(self, text: str) -> int:
        return len(text)


def measure_show_in_process(
    main: Callable[[Sequence[str]], int], store: Path, big_trace_id: str
) -> dict[str, float]:
    """``show`` of the big trace as a tree and as ``--json``, through ``main`` (the CLI's
    entry point, given by the caller: the CLI sits above the benchmarks), in this process,
    each timed after a warm-up run (see the module docstring)."""
    figures: dict[str, float] = {}
    for name, extra in (
        ("show_10k_in_process_ms", []),
        ("show_10k_json_in_process_ms", ["--json"]),
    ):
        argv = ["show", big_trace_id, "--store", str(store), *extra]
        for timed in (False, True):
            with contextlib.redirect_stdout(_Discard()):
                started = time.perf_counter()
                code = main(argv)
                elapsed = time.perf_counter() - started
            if code != 0:
                raise RuntimeError(f"tracekit {' '.join(argv)} failed ({code})")
            if timed:
                figures[name] = elapsed * 1000
    return figures
