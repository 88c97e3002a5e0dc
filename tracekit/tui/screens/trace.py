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

from tracekit.exceptions import TracekitError
from tracekit.store.models import SpanRecord, TraceDetail
from tracekit.tui.conversation import span_details
from tracekit.tui.safe import format_cost, format_duration, format_tokens, literal
from tracekit.tui.screens.base import StoreScreen
from tracekit.tui.widgets.waterfall import SpanWaterfall

#: Below this width the detail pane goes under the tree instead of beside it.
NARROW_WIDTH = 110
_STATUS_STYLE = {"ok": "green", "error": "bold red", "stopped": "yellow"}


class TraceScreen(StoreScreen):
    """Span tree (workflow → agent → LLM / tool / handoff) and the detail of one span."""

    CSS_PATH = "trace.tcss"
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
    ]

    def __init__(self, trace_id: str) -> None:
        super().__init__()
        self.trace_id = trace_id
        self.detail: TraceDetail | None = None
        self._content: dict[str, dict[str, Any]] = {}

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
        """Read the trace and show it."""
        try:
            self.detail = self.store.get_trace(self.trace_id)
        except TracekitError as error:
            self.app.pop_screen()
            self.app.notify(str(error), severity="error", markup=False)
            return
        summary = self.detail.summary
        self.sub_title = f"{summary.workflow} {summary.trace_id[:12]}"
        self.query_one("#trace-summary", Static).update(self._summary_text())
        waterfall = self.query_one(SpanWaterfall)
        waterfall.set_trace(self.detail)
        waterfall.focus()

    def _summary_text(self) -> Text:
        assert self.detail is not None
        s = self.detail.summary
        text = literal(s.workflow, "bold")
        text.append("  ")
        text.append_text(literal(s.trace_id, "dim"))
        text.append("  ")
        status = s.status + (f" ({s.stop_reason})" if s.stop_reason else "")
        text.append_text(literal(status, _STATUS_STYLE.get(s.status, "")))
        text.append_text(
            literal(
                f"  {format_duration(s.duration_ns)} · {s.span_count} spans · {s.steps} steps"
                f" · {format_tokens(s.input_tokens)}/{format_tokens(s.output_tokens)} tokens"
                f" · {format_cost(s.cost_usd)}"
            )
        )
        return text

    def on_resize(self, event: Resize) -> None:
        """Stack the panes on narrow terminals."""
        self.set_class(event.size.width < NARROW_WIDTH, "narrow")

    @on(SpanWaterfall.Highlighted)
    def _show_span(self, event: SpanWaterfall.Highlighted) -> None:
        self.show_span(event.span)

    def show_span(self, span: SpanRecord) -> None:
        """Fill the detail pane with ``span``."""
        content = self._content.get(span.span_id)
        if content is None:
            content = {}
            if span.has_content:
                try:
                    content = self.store.get_span_content(span.trace_id, span.span_id)
                except TracekitError as error:
                    self.notify(str(error), severity="error", markup=False)
            self._content[span.span_id] = content
        self.query_one("#detail-body", Static).update(span_details(span, content))
        self.query_one("#detail", VerticalScroll).scroll_home(animate=False)

    def action_back(self) -> None:
        """Back to the traces."""
        self.app.pop_screen()

    def action_fold(self) -> None:
        """Fold or unfold the selected span."""
        self.query_one(SpanWaterfall).action_fold()
