"""The help's width is what ``shutil.get_terminal_size`` says, without importing shutil."""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import shutil
import struct
import subprocess
import sys
import termios

import pytest

from tracekit.cli.help_format import HelpFormatter, RawDescriptionHelpFormatter, terminal_columns


@pytest.mark.parametrize("columns", [None, "", "0", "-3", "wide", "57", "300"])
def test_the_width_is_shutils(monkeypatch: pytest.MonkeyPatch, columns: str | None) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert terminal_columns() == shutil.get_terminal_size().columns


def test_on_a_terminal_the_width_is_the_terminals() -> None:
    # A real pseudo-terminal of 61 columns as the child's stdout, COLUMNS unset.
    leader, follower = pty.openpty()
    try:
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 61, 0, 0))
        env = {key: value for key, value in os.environ.items() if key != "COLUMNS"}
        code = (
            "import shutil, sys\n"
            "from tracekit.cli.help_format import terminal_columns\n"
            "sys.stderr.write(f'{terminal_columns()} {shutil.get_terminal_size().columns}')\n"
        )
        child = subprocess.run(
            [sys.executable, "-c", code],
            stdout=follower,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
            timeout=60,
            check=True,
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert child.stderr == "61 61"


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (HelpFormatter, argparse.HelpFormatter),
        (RawDescriptionHelpFormatter, argparse.RawDescriptionHelpFormatter),
    ],
)
def test_help_is_argparses(
    monkeypatch: pytest.MonkeyPatch, ours: type[argparse.HelpFormatter], theirs: type
) -> None:
    monkeypatch.setenv("COLUMNS", "44")
    texts = []
    for formatter in (ours, theirs):
        parser = argparse.ArgumentParser(
            prog="tk",
            description="line one\n  kept as it is\nby the raw one",
            formatter_class=formatter,
        )
        parser.add_argument("--store", metavar="PATH", help="the store file, a long help " * 3)
        texts.append(parser.format_help())
    assert texts[0] == texts[1]
    assert max(len(line) for line in texts[0].splitlines()) <= 44
