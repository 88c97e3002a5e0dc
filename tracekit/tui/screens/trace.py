"""The trace screen: one run's span tree with a waterfall, and the selected span's details."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.events import Resize
from textual.widgets import Footer, Header, Static

from tracekit.display import (
    STATUS_STYLES,
    format_duration,
    format_partial_cost,
    format_tokens,
    inert,
    literal,
    unpriced_note,
)
from tracekit.exceptions import TracekitError
from tracekit.store import TraceStore
from tracekit.store.models import SpanOutline, TraceOutline
from tracekit.tui.conversation import Paging, span_details
from tracekit.tui.screens.base import StoreScreen
from tracekit.tui.widgets.waterfall import SpanWaterfall

#: Below this width the detail pane goes under the tree instead of beside it.
NARROW_WIDTH = 110


class TraceScreen(StoreScreen):
    """Span tree (workflow → agent → LLM / tool / handoff) and the detail of one span."""

    CSS_PATH = "trace.tcss"  # also read at app start-up (see TracekitApp.CSS_PATH)
    HELP_TEXT = (
        "The span tree of one run with a timeline bar per span. ✗ marks an error, ⚠ a "
        "guardrail event (limit, loop, retry, fallback, approval). The right pane shows the "
        "selected span: facts, error, events, the LLM conversation in full, tool arguments "
        "and results, attributes. Tab moves between the tree and the details."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back"),
        Binding("enter", "fold", "Fold", show=False),
        Binding("tab", "focus_next", "Details", show=False),
        # Long texts say these keys where they are cut; the footer stays as it is.
        Binding("m", "page(1)", "More of long texts", show=False),
        Binding("M", "page(-1)", "Back a page of long texts", show=False),
    ]

    def __init__(self, store: TraceStore) -> None:
        super().__init__(store)
        self.outline: TraceOutline | None = None
        self._content: dict[str, dict[str, Any]] = {}
        self._pending: SpanOutline | None = None
        self._span: SpanOutline | None = None
        self._paging = Paging()

    @property
    def trace_id(self) -> str | None:
        """The id of the trace shown."""
        return self.outline.summary.trace_id if self.outline is not None else None

    def compose(self) -> ComposeResult:
        """Header, trace summary, tree and details side by side (stacked when narrow)."""
        yield Header(show_clock=False, icon="◆")
        yield Static("", id="trace-summary")
        with Horizontal(id="panes"):
            yield SpanWaterfall(id="waterfall")
            with VerticalScroll(id="detail"):
                yield Static("", id="detail-body")
        yield Footer()

    def on_mount(self) -> None:
        """Show the trace given before the screen was first mounted."""
        if self.outline is not None:
            self._show()

    def show_trace(self, outline: TraceOutline) -> None:
        """Show ``outline``: the span tree at once, the root's details right after it is
        drawn. The app reuses one trace screen for every trace it opens."""
        self.outline = outline
        self._content = {}
        self._span = None
        if self.is_mounted:
            self._show()

    def _show(self) -> None:
        assert self.outline is not None
        summary = self.outline.summary
        self.sub_title = inert(f"{summary.workflow} {summary.trace_id[:12]}")
        self.set_class(self.app.size.width < NARROW_WIDTH, "narrow")
        self.query_one("#trace-summary", Static).update(self._summary_text())
        self.query_one("#detail-body", Static).update("")
        waterfall = self.query_one(SpanWaterfall)
        waterfall.scroll_home(animate=False)
        waterfall.set_trace(self.outline)
        waterfall.focus()

    def _summary_text(self) -> Text:
        assert self.outline is not None
        s = self.outline.summary
        text = literal(s.workflow, "bold")
        text.append("  ")
        text.append_text(literal(s.trace_id, "dim"))
        text.append("  ")
        status = s.status + (f" ({s.stop_reason})" if s.stop_reason else "")
        text.append_text(literal(status, STATUS_STYLES.get(s.status, "")))
        text.append_text(
            literal(
                f"  {format_duration(s.duration_ns)} · {s.span_count} spans · {s.steps} steps"
                f" · {format_tokens(s.input_tokens)}/{format_tokens(s.output_tokens)} tokens"
                f" · {format_partial_cost(s.cost_usd, s.unpriced_spans)}"
            )
        )
        note = unpriced_note(s.unpriced_spans)
        if note:
            text.append_text(literal(f"  {note}", "dim"))
        return text

    def on_resize(self, event: Resize) -> None:
        """Stack the panes on narrow terminals."""
        self.set_class(event.size.width < NARROW_WIDTH, "narrow")

    @on(SpanWaterfall.Highlighted)
    def _show_span(self, event: SpanWaterfall.Highlighted) -> None:
        # The details wait for the next frame, so the tree (or the moved cursor) is drawn
        # first; moves faster than frames show only the last span's details.
        if self._pending is None:
            self.call_after_refresh(self._show_pending)
        self._pending = event.span

    def _show_pending(self) -> None:
        span, self._pending = self._pending, None
        if span is not None and span.trace_id == self.trace_id:
            self.show_span(span)

    def show_span(self, span: SpanOutline, page: int = 0) -> None:
        """Fill the detail pane with ``span``: page ``page`` of its long texts."""
        content = self._content.get(span.span_id)
        if content is None:
            content = {}
            if span.has_content:
                try:
                    content = self.store.get_span_content(span.trace_id, span.span_id)
                except TracekitError as error:
                    self.notify(inert(str(error)), severity="error", markup=False)
            self._content[span.span_id] = content
        self._span, self._paging = span, Paging(page)
        handoff = self.query_one(SpanWaterfall).handoff(span.span_id)
        self.query_one("#detail-body", Static).update(
            span_details(span, content, self._paging, handoff=handoff)
        )
        self.query_one("#detail", VerticalScroll).scroll_home(animate=False)

    def action_page(self, step: int) -> None:
        """The next (``m``) or previous (``M``) page of the selected span's long texts."""
        span, page = self._span, self._paging.page + step
        if span is None or page < 0 or (step > 0 and not self._paging.more):
            return
        self.show_span(span, page)

    def action_back(self) -> None:
        """Back to the traces."""
        self.dismiss()

    def action_fold(self) -> None:
        """Fold or unfold the selected span."""
        self.query_one(SpanWaterfall).action_fold()
