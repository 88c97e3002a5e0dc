"""The lean trace outline the browser opens: the same tree, facts and details as
:meth:`TraceStore.get_trace`, and a trace screen reused from one trace to the next."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from tests.tui.fixture_store import trace_id
from tests.tui.screen_text import screen_text
from tracekit import semconv as sc
from tracekit.exceptions import TraceNotFoundError
from tracekit.store import TraceStore
from tracekit.store.convert import SegmentBuilder
from tracekit.store.fold import fold_pending
from tracekit.store.models import SpanRecord
from tracekit.store.paths import StorePaths
from tracekit.store.spool import write_segment
from tracekit.tui import TracekitApp
from tracekit.tui.conversation import span_details
from tracekit.tui.screens.trace import TraceScreen
from tracekit.tui.widgets.waterfall import SpanWaterfall, has_guardrail_event, span_kind

_SCALARS = [
    name
    for name in SpanRecord.model_fields
    if name not in ("attributes", "resource", "events", "has_content")
]


def _plain(renderable: object) -> str:
    console = Console(width=100, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


@pytest.mark.parametrize("run", range(6))
def test_the_outline_is_the_tree_of_get_trace_with_the_same_facts(
    fixture_store: Path, run: int
) -> None:
    store = TraceStore(fixture_store)
    detail = store.get_trace(trace_id(run))
    outline = store.get_trace_outline(trace_id(run)[:8])
    assert outline.summary == detail.summary
    assert [(s.span_id, s.depth) for s in outline.spans] == [
        (s.span_id, s.depth) for s in detail.spans
    ]
    for lean, full in zip(outline.spans, detail.spans, strict=True):
        assert [getattr(lean, name) for name in _SCALARS] == [
            getattr(full, name) for name in _SCALARS
        ]
        assert lean.attributes == full.attributes
        assert lean.events == full.events
        assert lean.has_content == full.has_content
        assert span_kind(lean) == span_kind(full)
        assert has_guardrail_event(lean) == has_guardrail_event(full)


def test_handoffs_guardrails_and_content_are_flagged(fixture_store: Path) -> None:
    store = TraceStore(fixture_store)
    router = store.get_trace_outline(trace_id(2)).spans
    assert [s.name for s in router if span_kind(s) == "handoff"] == ["invoke_agent billing"]
    guarded = store.get_trace_outline(trace_id(3)).spans
    assert {s.name for s in guarded if s.has_guardrail} == {
        "invoke_workflow guarded-research",
        "loop guard",
    }
    pipeline = store.get_trace_outline(trace_id(0)).spans
    assert {s.name.split()[0] for s in pipeline if s.has_content} >= {"chat", "execute_tool"}


@pytest.mark.parametrize("run", range(6))
def test_details_from_the_outline_read_as_before(fixture_store: Path, run: int) -> None:
    store = TraceStore(fixture_store)
    detail = store.get_trace(trace_id(run))
    outline = store.get_trace_outline(trace_id(run))
    for lean, full in zip(outline.spans, detail.spans, strict=True):
        content = store.get_span_content(full.trace_id, full.span_id)
        assert _plain(span_details(lean, content)) == _plain(span_details(full, content))


def test_an_unknown_or_ambiguous_id_is_not_found(fixture_store: Path) -> None:
    store = TraceStore(fixture_store)
    with pytest.raises(TraceNotFoundError, match="no trace matches"):
        store.get_trace_outline("0123456789abcdef0123456789abcdef")
    with pytest.raises(TraceNotFoundError, match="trace ids are hex digits"):
        store.get_trace_outline("not-hex")


def test_orphans_and_parent_cycles_keep_the_order_of_get_trace(tmp_path: Path) -> None:
    # Foreign data: a span whose parent never arrived, and two spans that are each other's
    # parent (never reachable from a root).
    builder = SegmentBuilder()
    tid = "a" * 32
    spans = [
        ("0000000000000001", None, 0),
        ("0000000000000002", "0000000000000001", 1),
        ("0000000000000003", "00000000000000ff", 2),  # orphan
        ("0000000000000004", "0000000000000005", 3),  # cycle
        ("0000000000000005", "0000000000000004", 4),  # cycle
        ("0000000000000006", "0000000000000001", 5),
        ("0000000000000007", "0000000000000007", 6),  # its own parent
    ]
    for span_id, parent, start in spans:
        builder.add(
            trace_id=tid,
            span_id=span_id,
            parent_span_id=parent,
            name=f"span {span_id[-1]}",
            kind="INTERNAL",
            start_ns=1_000_000 * (start + 1),
            end_ns=1_000_000 * (start + 2),
            status_code="UNSET",
            attributes={sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL},
        )
    paths = StorePaths.for_store(tmp_path / "odd.duckdb")
    write_segment(paths, builder.to_table())
    assert fold_pending(paths, wait_s=10.0) is not None
    store = TraceStore(paths.db)
    expected = [(s.span_id[-1], s.depth) for s in store.get_trace(tid).spans]
    assert [(s.span_id[-1], s.depth) for s in store.get_trace_outline(tid).spans] == expected
    assert expected == [("1", 0), ("2", 1), ("6", 1), ("3", 0), ("7", 0), ("4", 0), ("5", 0)]


@pytest.mark.anyio
async def test_one_trace_screen_shows_each_trace_opened(
    make_app: Callable[..., TracekitApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("enter")  # run 5, the newest
        await pilot.pause()
        first = app.screen
        assert isinstance(first, TraceScreen) and first.trace_id == trace_id(5)
        await pilot.press("end")  # the last span selected, the tree scrolled
        await pilot.pause()
        await pilot.press("escape", "j", "j", "enter")  # run 3
        await pilot.pause()
        assert app.screen is first and first.trace_id == trace_id(3)
        waterfall = first.query_one(SpanWaterfall)
        assert waterfall.cursor == 0 and waterfall.scroll_offset.y == 0
        assert waterfall.current is not None
        assert waterfall.current.name == "invoke_workflow guarded-research"
        text = screen_text(app)
        assert "guarded-research" in text and "⚠ tracekit.limit.exceeded" in text
        assert "doc-pipeline" not in text  # nothing left over from the first trace


def test_a_long_attribute_key_leaves_the_value_room_to_be_read() -> None:
    from rich.console import Console

    from tracekit.tui.conversation import ATTRIBUTE_VALUE_MIN_WIDTH, Paging
    from tracekit.tui.conversation import _attributes as attribute_table

    key = "llm.output_messages.0.message.tool_calls.0.function.name"  # 56 characters
    console = Console(width=64, record=True, color_system=None)
    console.print(attribute_table({key: "lookup_invoice_for_customer"}, Paging()))
    lines = console.export_text().splitlines()

    assert len(key) == 56
    assert any("lookup_invoice_for_customer" in line for line in lines)
    assert "".join(line[:32].strip() for line in lines) == key  # folded, never cut
    assert ATTRIBUTE_VALUE_MIN_WIDTH >= 24
