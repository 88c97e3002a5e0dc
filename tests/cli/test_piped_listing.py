"""``tracekit traces`` written to a pipe without Rich (tracekit.cli.piped_text) is the same,
byte for byte, as Rich writes it there; a terminal, forced colours, or a table Rich would
wrap still go through Rich."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from tests.hostile import emit_hostile_run
from tests.recording import MS, emit_run, new_recorder, run_cli
from tracekit.cli import piped_text, traces_view
from tracekit.store.trace_rows import TraceRow, TraceRowPage

DAY = 86_400_000 * MS
T = 1_750_000_000_000 * MS


def _row(workflow: str, **changes: object) -> TraceRow:
    row = TraceRow(
        trace_id="0123456789abcdef0123456789abcdef",
        start_ns=T,
        end_ns=T + 2_500_000_000,
        duration_ns=2_500_000_000,
        root_name="workflow",
        workflow=workflow,
        status="ok",
        stop_reason=None,
        span_count=7,
        steps=3,
        input_tokens=1_234,
        output_tokens=None,
        cost_usd=0.0123,
        unpriced_spans=0,
        error_count=0,
        agents=["writer"],
        service_name="svc",
    )
    return row._replace(**changes)


#: Rows whose cells Rich measures and pads with care: wide (CJK, emoji), combining and
#: zero-width characters, escapes, spaces at either end, forks, unknown figures, a stop.
ROWS = [
    _row("doc-pipeline"),
    _row("文档流水线", status="error", error_count=1, cost_usd=None, unpriced_spans=2),
    _row("e\u0301moji 🧑\u200d💻 run", status="stopped", stop_reason="limit:max_steps"),
    _row("  padded  ", input_tokens=None, steps=12_345),
    _row("wf\x1b]52;c;aGk=\x07\u202eevil", status="interrupted"),
    _row("forked", parent_trace_id="fedcba9876543210fedcba9876543210", fork_at="writer#2"),
    _row("fork-nowhere", parent_trace_id="aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
]


def _page(rows: list[TraceRow], query: str = "") -> TraceRowPage:
    return TraceRowPage(rows=rows, offset=0, total=len(rows), order="time desc", query=query)


def _rich(page: TraceRowPage) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        traces_view._print_with_rich(page)
    return out.getvalue()


def _piped(page: TraceRowPage) -> str | None:
    out = io.StringIO()
    with redirect_stdout(out):
        written = traces_view._write_piped(page)
    return out.getvalue() if written else None


@pytest.mark.parametrize("count", [1, 2, len(ROWS)])
def test_a_piped_listing_is_what_rich_writes_to_a_pipe(count: int) -> None:
    page = _page(ROWS[:count])
    assert _piped(page) == _rich(page)


def test_the_unpriced_note_and_empty_listings_are_what_rich_writes() -> None:
    for page in (_page(ROWS[1:2]), _page([]), _page([], query="status:error")):
        assert _piped(page) == _rich(page)


def test_a_listing_too_wide_for_the_pipe_is_left_to_rich() -> None:
    # Rich wraps the workflow column to fit 160 cells: that is Rich's to draw.
    page = _page([_row("long " * 40)])
    assert _piped(page) is None
    assert max(len(line) for line in _rich(page).splitlines()) <= piped_text.PIPE_WIDTH


def test_a_hostile_cell_is_inert_in_the_piped_listing() -> None:
    text = _piped(_page(ROWS[4:5]))
    assert text is not None
    assert "wf\\x1b]52;c;aGk=\\x07\\u202eevil" in text
    assert "\x1b" not in text and "\u202e" not in text


@pytest.fixture(autouse=True)
def _no_forced_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    # As a pipe is by default (a CI may set FORCE_COLOR for everything it runs).
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("piped") / "runs.duckdb"
    recorder = new_recorder(path)
    emit_hostile_run(recorder.tracer, start_ns=T)
    emit_run(recorder.tracer, start_ns=T - DAY)
    recorder.trace(workflow="doc-pipeline", start_ns=T + DAY, fail=True)
    recorder.flush()
    recorder.provider.shutdown()
    return path


@pytest.mark.parametrize("forced", ["", "0"])
def test_the_command_writes_what_rich_would(store: Path, forced: str) -> None:
    # FORCE_COLOR="" and TTY_COMPATIBLE=0 tell Rich "not a terminal" itself: the command
    # then draws through Rich, whose output the Rich-free path must match.
    piped = run_cli("traces", "--store", str(store))
    variable = "FORCE_COLOR" if forced == "" else "TTY_COMPATIBLE"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(variable, forced)
        assert piped_text.writes_plain_text() is False
        through_rich = run_cli("traces", "--store", str(store))
    assert piped.returncode == through_rich.returncode == 0
    assert piped.stdout == through_rich.stdout
    assert "wf\\x1b]52;c;" in piped.stdout


def test_forced_colours_are_left_to_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    assert piped_text.writes_plain_text() is True  # pytest captures stdout: not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert piped_text.writes_plain_text() is False
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    assert piped_text.writes_plain_text() is False
