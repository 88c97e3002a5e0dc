"""Hostile trace text in the TUI (OSC 52, OSC 2, OSC 8, CSI 2J, an 8-bit CSI and U+202E in
workflow, span, agent and tool names, messages, attribute keys and values), and a 10 MB
message: shown as visible escapes, a page at a time, and never written to the terminal raw.

The last test runs ``tracekit ui`` in a real pseudo-terminal and reads every byte the app
writes to it, as a terminal (or tmux) would receive them.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from opentelemetry import trace
from rich.console import Console, RenderableType
from textual.pilot import Pilot
from textual.widgets import Static

from tests.hostile import (
    ATTRIBUTE_KEY,
    EVIL_SHOWN,
    RAW_BYTES,
    SHOWN,
    assert_inert,
    emit_hostile_run,
)
from tests.recording import MS, REPO_ROOT, new_recorder
from tests.tui.screen_text import screen_text
from tracekit import semconv as sc
from tracekit.tui import TracekitApp
from tracekit.tui.screens.diff import DiffScreen
from tracekit.tui.screens.stats import StatsScreen
from tracekit.tui.screens.trace import TraceScreen
from tracekit.tui.widgets.waterfall import SpanWaterfall

#: Generous bounds on waits (never asserted as durations): a shared machine can be slow.
PILOT_TIMEOUT_S = 120.0
PTY_TIMEOUT_S = 90.0


@pytest.fixture
def hostile_store(tmp_path: Path) -> Path:
    """Two hostile runs (they differ in their message) recorded through the OTel SDK."""
    store = tmp_path / "hostile.duckdb"
    recorder = new_recorder(store)
    t = 1_750_000_000_000 * MS
    emit_hostile_run(recorder.tracer, start_ns=t)
    emit_hostile_run(recorder.tracer, start_ns=t + 60_000 * MS, message="Please, again")
    recorder.flush()
    recorder.provider.shutdown()
    return store


def _plain(renderable: RenderableType) -> str:
    """A renderable as plain text, wide enough that nothing wraps."""
    console = Console(width=1000, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def _detail(app: TracekitApp) -> str:
    body = app.screen.query_one("#detail-body", Static)
    return _plain(body.content)  # type: ignore[arg-type]


def _assert_titles_inert(app: TracekitApp) -> None:
    for title in (app.title, app.sub_title, app.screen.title, app.screen.sub_title):
        assert_inert(title or "")


async def _select(pilot: Pilot[None], app: TracekitApp, name_start: str) -> None:
    """Move the waterfall's cursor down to the first span whose name starts so."""
    waterfall = app.screen.query_one(SpanWaterfall)
    for _ in range(10):
        if waterfall.current is not None and waterfall.current.name.startswith(name_start):
            break
        await pilot.press("j")
        await pilot.pause()
    assert waterfall.current is not None and waterfall.current.name.startswith(name_start)
    await pilot.pause()  # the details follow a frame later


@pytest.mark.anyio
async def test_every_screen_shows_hostile_text_as_escapes_and_titles_hold_no_control(
    hostile_store: Path, make_app: Callable[..., TracekitApp]
) -> None:
    app = make_app(hostile_store)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert_inert(text)
        assert "wf\\x1b]52;c;" in text  # the workflow column, cut to its width
        assert "agent\\x1b]52;c;" in text  # the agents column
        _assert_titles_inert(app)

        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TraceScreen)
        # The sub-title names the workflow: Textual shows it in the header (and a terminal
        # title), so it must hold the escapes, not the sequences.
        assert app.screen.sub_title is not None
        assert app.screen.sub_title.startswith(f"wf{EVIL_SHOWN}")
        _assert_titles_inert(app)
        text = screen_text(app)
        assert_inert(text)
        assert "wf\\x1b]52;c;cHduZWQ=\\x07Z0" in text  # in the header and the summary
        root = _detail(app)
        assert_inert(root)
        # An attribute: a long key folds at the key column's width, so its start is checked.
        assert "key\\x1b]52;c;cHduZWQ=\\x07Z0" in root
        assert "value\\x1b]52;c;cHduZWQ=\\x07Z0" in root

        await _select(pilot, app, "chat")
        chat = _detail(app)
        assert_inert(chat)
        assert f"Please{EVIL_SHOWN}" in chat  # the message, in the conversation
        assert f"agent{EVIL_SHOWN}" in chat  # the agent fact
        assert_inert(screen_text(app))

        await _select(pilot, app, "execute_tool")
        tool = _detail(app)
        assert_inert(tool)
        assert f"tool{EVIL_SHOWN}" in tool  # the span's name, the tool fact
        assert json.dumps(ATTRIBUTE_KEY)[1:-1] not in tool  # JSON keys shown inert too
        for shown in SHOWN.values():
            assert shown in tool

        await pilot.press("2")
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen)
        text = screen_text(app)
        assert_inert(text)
        assert "agent\\x1b]52" in text
        _assert_titles_inert(app)

        await pilot.press("1", "m", "j", "m", "d")
        await pilot.pause()
        assert isinstance(app.screen, DiffScreen)
        text = screen_text(app)
        assert_inert(text)
        assert "agent\\x1b]52" in text
        _assert_titles_inert(app)


def _record_huge_message(store: Path, size: int) -> str:
    """One run whose model call holds a message of ``size`` characters; returns the text."""
    line = "The quick brown fox jumps over the lazy dog. " * 2 + "\n"
    message = (line * (size // len(line) + 1))[:size]
    recorder = new_recorder(store)
    tracer = recorder.tracer
    root = tracer.start_span(
        sc.workflow_span_name("huge"),
        start_time=1_750_000_000_000 * MS,
        attributes={
            sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW,
            sc.GEN_AI_WORKFLOW_NAME: "huge",
        },
    )
    with trace.use_span(root, end_on_exit=False):
        chat = tracer.start_span(
            sc.chat_span_name("claude-haiku-4-5"),
            start_time=1_750_000_000_001 * MS,
            attributes={
                sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
                sc.GEN_AI_REQUEST_MODEL: "claude-haiku-4-5",
                sc.GEN_AI_INPUT_MESSAGES: json.dumps(
                    [{"role": "user", "parts": [{"type": "text", "content": message}]}]
                ),
            },
        )
        chat.end(end_time=1_750_000_000_010 * MS)
    root.end(end_time=1_750_000_000_020 * MS)
    recorder.flush()
    recorder.provider.shutdown()
    return message


@pytest.mark.anyio
async def test_a_10_mb_message_opens_promptly_a_page_at_a_time(
    tmp_path: Path, make_app: Callable[..., TracekitApp]
) -> None:
    store = tmp_path / "huge.duckdb"
    message = _record_huge_message(store, 10_000_000)
    app = make_app(store)

    async def browse() -> None:
        async with app.run_test(size=(140, 45)) as pilot:
            await pilot.pause()
            await pilot.press("enter")
            await pilot.pause()
            await _select(pilot, app, "chat")
            await pilot.pause()
            first = _detail(app)
            assert message.splitlines()[0] in first
            assert "… 10.0 MB more · press m to show more" in first
            assert "The quick brown fox" in screen_text(app)

            await pilot.press("m")  # the next page
            await pilot.pause()
            second = _detail(app)
            assert "32.0 KB before · press M for the previous page" in second
            assert "MB more · press m to show more" in second
            await pilot.press("M")  # and back
            await pilot.pause()
            assert "before · press M" not in _detail(app)
            await pilot.press("M")  # nothing before the first page: stays
            await pilot.pause()
            assert "… 10.0 MB more" in _detail(app)

    # A bound on the wait, not a timing: laying out the whole message froze the app.
    await asyncio.wait_for(browse(), timeout=PILOT_TIMEOUT_S)


def _read_until(master: int, output: bytearray, wanted: bytes, deadline: float) -> bool:
    """Read what the app writes to the terminal into ``output`` until ``wanted`` shows (or
    the app ends or the deadline passes); True if it showed."""
    while wanted not in output and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if not ready:
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the app closed the terminal
            return wanted in output
        if not chunk:
            return wanted in output
        output += chunk
    return wanted in output


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_no_hostile_sequence_reaches_a_real_terminal(hostile_store: Path) -> None:
    """``tracekit ui`` in a pty, as tmux would host it: the list, a trace (its title names
    the workflow), the model call's conversation; then every byte written is checked."""
    import fcntl
    import struct
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 160, 0, 0))
    # COLUMNS/LINES as the pty's size: a test runner's (xdist's workers set 80 columns) would
    # win over the pty's, and the layout would not be the one checked here.
    env = {**os.environ, "TERM": "xterm-256color", "PYTHONPATH": str(REPO_ROOT)}
    env.update(COLUMNS="160", LINES="45")
    env.pop("TRACEKIT_STORE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "tracekit.cli", "ui", "--store", str(hostile_store)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=REPO_ROOT,
        start_new_session=True,
    )
    os.close(slave)
    output = bytearray()
    deadline = time.monotonic() + PTY_TIMEOUT_S
    try:
        # The list (the escapes' visible text is drawn as it is), then the newest run (its
        # header names the workflow), then its model call (the hostile message).
        seen = [_read_until(master, output, b"x1b]52;c;", deadline)]
        os.write(master, b"\r")
        seen.append(_read_until(master, output, b" spans", deadline))
        # The span tree fills after the header: move only once its model call's row is drawn
        # (the list screen names no model).
        _read_until(master, output, b"claude-haiku-4-5", deadline)
        # Down to the model call (two rows), whose message is drawn in the detail pane; a
        # key pressed while the tree takes focus can be lost on a loaded machine, so press
        # until the message has been drawn (at most four times).
        for _ in range(4):
            os.write(master, b"j")
            if _read_until(master, output, b"Please", min(deadline, time.monotonic() + 3)):
                break
        seen.append(b"Please" in output)
        os.write(master, b"q")
        _read_until(master, output, b"\x00never\x00", deadline)  # everything, until it ends
        status = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)

    raw = bytes(output)
    for hostile in RAW_BYTES:
        assert hostile not in raw, f"{hostile!r} reached the terminal"
    assert seen == [True, True, True], raw[-2000:]
    assert status == 0
    # Textual sets no window title itself, and no hyperlink or clipboard write was asked for.
    assert b"\x1b]2;" not in raw and b"\x1b]0;" not in raw
    assert b"\x1b]52;" not in raw and b"\x1b]8;" not in raw
