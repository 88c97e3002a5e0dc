"""The fast span tree draws what Rich's own Tree draws, character for character and style
for style: in a terminal (colour) and in a pipe (plain text), at widths where labels wrap
and where guides fill the whole width."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from rich.console import Console
from rich.tree import Tree

from tests.cli.show_traces import DEEP, TRACES, build_show_store
from tracekit.cli.query_views import trace_tree
from tracekit.cli.trace_view import print_span_tree
from tracekit.cli.tree_text import ASCII_GUIDES, TREE_GUIDES, plain_tree_text
from tracekit.display import literal
from tracekit.figure_text import unpriced_note
from tracekit.store import TraceOutline, TraceStore, span_lines

GOLDEN = Path(__file__).parent / "golden"
# Re-capture after an intended change: TRACEKIT_GOLDEN_WRITE=1 (see test_show_golden).
_WRITE = os.environ.get("TRACEKIT_GOLDEN_WRITE") == "1"


@pytest.fixture(scope="module")
def outlines(tmp_path_factory: pytest.TempPathFactory) -> dict[str, TraceOutline]:
    path = tmp_path_factory.mktemp("view") / "runs.duckdb"
    build_show_store(path)
    store = TraceStore(path)
    return {
        name: store.get_trace_outline(trace_id)
        for name, trace_id in {**TRACES, "deep": DEEP}.items()
    }


def _console(width: int, colour: bool) -> Console:
    return Console(
        file=io.StringIO(),
        width=width,
        highlight=False,
        force_terminal=colour,
        color_system="standard" if colour else None,
    )


@pytest.mark.parametrize("colour", [True, False], ids=["terminal", "pipe"])
@pytest.mark.parametrize("width", [30, 90, 160])
@pytest.mark.parametrize("name", [*sorted(TRACES), "deep"])
def test_the_tree_is_what_rich_draws(
    outlines: dict[str, TraceOutline], name: str, width: int, colour: bool
) -> None:
    outline = outlines[name]
    fast, rich = _console(width, colour), _console(width, colour)

    print_span_tree(outline.summary, span_lines(outline.spans), fast)
    rich.print(trace_tree(outline))

    assert fast.file.getvalue() == rich.file.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", sorted(TRACES))
def test_in_colour_it_prints_what_it_printed_before(
    outlines: dict[str, TraceOutline], name: str
) -> None:
    outline = outlines[name]
    console = _console(90, colour=True)

    print_span_tree(outline.summary, span_lines(outline.spans), console)

    golden = GOLDEN / f"show-{name}-90-colour.ansi"
    if _WRITE:
        golden.write_bytes(console.file.getvalue().encode("utf-8"))  # type: ignore[attr-defined]
    assert console.file.getvalue() == golden.read_bytes().decode("utf-8")  # type: ignore[attr-defined]


@pytest.mark.parametrize("colour", [True, False], ids=["terminal", "pipe"])
@pytest.mark.parametrize("width", [30, 90, 160])
def test_a_fork_with_unpriced_calls_is_what_rich_draws(
    outlines: dict[str, TraceOutline], width: int, colour: bool
) -> None:
    # The fork line under the header, unknown tokens and `— unpriced` model calls.
    outline = outlines["everything"]
    summary = outline.summary.model_copy(
        update={
            "parent_trace_id": "ab" * 16,
            "fork_at": "writer#2/llm[1]",
            "cost_usd": None,
            "input_tokens": None,
            "unpriced_spans": 3,
        }
    )
    spans = [span._replace(cost_usd=None, input_tokens=None) for span in outline.spans]
    forked = TraceOutline(summary=summary, spans=spans)
    fast, rich = _console(width, colour), _console(width, colour)

    print_span_tree(summary, span_lines(spans), fast)
    rich.print(trace_tree(forked))

    shown = fast.file.getvalue()  # type: ignore[attr-defined]
    assert shown == rich.file.getvalue()  # type: ignore[attr-defined]
    if width == 160:
        assert f"⑂ fork of {'ab' * 16} at step writer#2/llm[1]" in shown
        assert "— unpriced" in shown


def test_the_details_characters_beyond_ascii_are_one_cell_each() -> None:
    # The plain path counts a line of an ASCII name and its details by its length: their
    # only other characters (durations, separators, the unknown mark) must be one cell.
    from rich.cells import cell_len

    from tracekit.display import UNKNOWN, format_duration

    for char in ("µ", "·", UNKNOWN, *format_duration(900_000)):
        assert cell_len(char) == 1, char


def _piped(width: int, encoding: str = "utf-8") -> Console:
    # What `tracekit show` draws on when stdout is a pipe (traces_view.stdout_console).
    stream = io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="replace")
    return Console(file=stream, width=width, highlight=False)


def _written(console: Console) -> str:
    stream = console.file
    stream.flush()
    return stream.buffer.getvalue().decode(stream.encoding)  # type: ignore[attr-defined]


@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])
@pytest.mark.parametrize("width", [30, 90, 160])
@pytest.mark.parametrize("name", [*sorted(TRACES), "deep"])
def test_the_tree_written_without_rich_is_what_rich_writes_to_a_pipe(
    outlines: dict[str, TraceOutline], name: str, width: int, encoding: str
) -> None:
    outline = outlines[name]
    note = unpriced_note(outline.summary.unpriced_spans)
    text = plain_tree_text(
        outline.summary,
        span_lines(outline.spans),
        width=width,
        ascii_only=encoding != "utf-8",
        note=note,
    )
    rich = _piped(width, encoding)
    print_span_tree(outline.summary, span_lines(outline.spans), rich)
    if note:
        rich.print(literal(note, "dim"))

    if text is None:
        # Left to Rich only where Rich lays something out: a line wrapped or too deep.
        assert width < 160 or name in ("everything", "hostile", "big", "deep")
    else:
        assert text.encode(encoding, errors="replace").decode(encoding) == _written(rich)


def test_the_usual_trace_at_a_pipes_width_is_written_without_rich(
    outlines: dict[str, TraceOutline],
) -> None:
    for name in ("wide", "stopped"):
        outline = outlines[name]
        text = plain_tree_text(
            outline.summary, span_lines(outline.spans), width=160, ascii_only=False, note=""
        )
        assert text is not None and text.startswith(outline.summary.workflow)


def test_the_guides_are_richs() -> None:
    assert Tree.TREE_GUIDES[0] == TREE_GUIDES
    assert ASCII_GUIDES == Tree.ASCII_GUIDES
