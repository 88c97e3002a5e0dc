"""The span tree of one trace with a timeline bar per span, drawn a line at a time.

Spans arrive in tree order (parent before children), so a span's subtree is the contiguous
run of following spans with a greater depth; folding hides that run. Only the lines on
screen are rendered (Textual's line API), which keeps a 10,000-span trace instant where a
widget per span would not be.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tracekit import semconv as sc
from tracekit.display import format_cost, format_duration, format_tokens, inert
from tracekit.store import HandoffEnds, is_handoff, trace_handoffs
from tracekit.store.models import SpanOutline, SpanRecord, TraceOutline

_KIND_STYLE = {
    "workflow": ("◆", "bold blue"),
    "agent": ("●", "cyan"),
    "handoff": ("⇢", "bold cyan"),
    "llm": ("✦", "magenta"),
    "tool": ("⚙", "green"),
    "other": ("·", "white"),
}
_ERROR_STYLE = "bold red"
_GUARD_STYLE = "bold yellow"


def span_kind(span: SpanOutline | SpanRecord) -> str:
    """``workflow``, ``agent``, ``handoff``, ``llm``, ``tool`` or ``other``."""
    operation = span.operation
    if operation == sc.OP_INVOKE_WORKFLOW:
        return "workflow"
    if is_handoff(span):
        return "handoff"
    if operation == sc.OP_INVOKE_AGENT:
        return "agent"
    if operation in sc.LLM_OPERATIONS or span.name == sc.ANTHROPIC_SPAN_NAME:
        return "llm"
    if operation == sc.OP_EXECUTE_TOOL:
        return "tool"
    return "other"


def short_name(span: SpanOutline | SpanRecord) -> str:
    """The span's name without its operation (the icon says it): ``chat m`` -> ``m``."""
    operation = span.operation
    if operation and span.name.startswith(operation + " "):
        return span.name[len(operation) + 1 :]
    return span.name


def has_guardrail_event(span: SpanOutline | SpanRecord) -> bool:
    """Whether a guardrail (limit, loop, approval, retry, fallback, circuit) fired on it."""
    if isinstance(span, SpanOutline):
        return span.has_guardrail
    return any(event.name in sc.GUARDRAIL_EVENTS for event in span.events)


class SpanWaterfall(ScrollView, can_focus=True):
    """Span tree + waterfall. Posts :class:`SpanWaterfall.Highlighted` as the cursor moves."""

    DEFAULT_CSS = """
    SpanWaterfall {
        height: 1fr;
        background: $surface;
    }
    SpanWaterfall > .span-waterfall--cursor {
        background: $accent 40%;
        text-style: bold;
    }
    SpanWaterfall:focus > .span-waterfall--cursor {
        background: $accent 70%;
    }
    SpanWaterfall > .span-waterfall--track {
        color: $text-muted 30%;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "span-waterfall--cursor",
        "span-waterfall--track",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("space", "fold", "Fold"),
        Binding("left,h", "collapse", "Collapse", show=False),
        Binding("right,l", "expand", "Expand", show=False),
        Binding("E", "expand_all", "Expand all", show=False),
        Binding("C", "collapse_all", "Collapse all", show=False),
        Binding("n", "next_problem", "Next error"),
        Binding("pagedown", "page_down", show=False),
        Binding("pageup", "page_up", show=False),
        Binding("home", "first", show=False),
        Binding("end", "last", show=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, layout=False)

    class Highlighted(Message):
        """The cursor moved to ``span``."""

        def __init__(self, span: SpanOutline) -> None:
            super().__init__()
            self.span = span

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._spans: list[SpanOutline] = []
        self._subtree_end: list[int] = []
        self._handoffs: dict[str, HandoffEnds] = {}
        self._collapsed: set[int] = set()
        self._visible: list[int] = []
        self._t0 = 0
        self._total = 1

    # --- data -------------------------------------------------------------------------------

    def set_trace(self, outline: TraceOutline) -> None:
        """Show ``outline``'s spans, all unfolded, cursor on the root."""
        spans = outline.spans
        self._spans = spans
        self._subtree_end = _subtree_ends(spans)
        self._handoffs = trace_handoffs(spans)
        self._collapsed = set()
        self._t0 = min((s.start_ns for s in spans), default=0)
        end = max((s.end_ns for s in spans), default=self._t0 + 1)
        self._total = max(1, end - self._t0)
        self._rebuild()
        self.cursor = 0

    @property
    def spans(self) -> list[SpanOutline]:
        """All spans of the trace, in tree order."""
        return self._spans

    def handoff(self, span_id: str) -> HandoffEnds | None:
        """Who handed off to whom, when the span is a handoff."""
        return self._handoffs.get(span_id)

    @property
    def visible_spans(self) -> list[SpanOutline]:
        """The spans not hidden by a fold, in display order."""
        return [self._spans[index] for index in self._visible]

    @property
    def current(self) -> SpanOutline | None:
        """The span under the cursor."""
        return self._spans[self._visible[self.cursor]] if self._visible else None

    def is_collapsed(self, span_id: str) -> bool:
        """Whether the span's children are hidden."""
        return any(self._spans[i].span_id == span_id for i in self._collapsed)

    def _rebuild(self) -> None:
        if not self._collapsed:
            visible = list(range(len(self._spans)))
        else:
            visible = []
            index = 0
            while index < len(self._spans):
                visible.append(index)
                index = self._subtree_end[index] if index in self._collapsed else index + 1
        self._visible = visible
        self.virtual_size = Size(self.size.width, len(visible))
        self.refresh()

    def _has_children(self, index: int) -> bool:
        return self._subtree_end[index] > index + 1

    # --- cursor -----------------------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self._visible) - 1))

    def watch_cursor(self, value: int) -> None:
        if not self._visible:
            return
        height = self.scrollable_content_region.height or 1
        if value < self.scroll_offset.y:
            self.scroll_to(y=value, animate=False)
        elif value >= self.scroll_offset.y + height:
            self.scroll_to(y=value - height + 1, animate=False)
        self.refresh()
        current = self.current
        if current is not None:
            self.post_message(self.Highlighted(current))

    def _move_to_index(self, index: int) -> None:
        """Unfold the ancestors of span ``index`` and put the cursor on it."""
        for folded in [i for i in self._collapsed if i < index < self._subtree_end[i]]:
            self._collapsed.discard(folded)
        self._rebuild()
        self.cursor = self._visible.index(index)

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_page_down(self) -> None:
        self.cursor += max(1, self.scrollable_content_region.height - 1)

    def action_page_up(self) -> None:
        self.cursor -= max(1, self.scrollable_content_region.height - 1)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self._visible) - 1

    # --- folding ----------------------------------------------------------------------------

    def action_fold(self) -> None:
        """Fold or unfold the span under the cursor."""
        if not self._visible:
            return
        index = self._visible[self.cursor]
        if index in self._collapsed:
            self._collapsed.discard(index)
        elif self._has_children(index):
            self._collapsed.add(index)
        self._rebuild()
        self.cursor = self.cursor

    def action_collapse(self) -> None:
        """Fold the span under the cursor, or go to its parent."""
        if not self._visible:
            return
        index = self._visible[self.cursor]
        if self._has_children(index) and index not in self._collapsed:
            self._collapsed.add(index)
            self._rebuild()
            self.cursor = self.cursor
            return
        depth = self._spans[index].depth
        for parent in range(index - 1, -1, -1):
            if self._spans[parent].depth < depth:
                self.cursor = self._visible.index(parent)
                return

    def action_expand(self) -> None:
        """Unfold the span under the cursor."""
        if self._visible and self._visible[self.cursor] in self._collapsed:
            self.action_fold()

    def action_expand_all(self) -> None:
        """Unfold every span."""
        current = self._visible[self.cursor] if self._visible else 0
        self._collapsed.clear()
        self._rebuild()
        self.cursor = self._visible.index(current) if self._visible else 0

    def action_collapse_all(self) -> None:
        """Fold every span below the root's children."""
        self._collapsed = {i for i, span in enumerate(self._spans) if span.depth >= 1}
        self._collapsed = {i for i in self._collapsed if self._has_children(i)}
        self._rebuild()
        self.cursor = 0

    def action_next_problem(self) -> None:
        """Go to the next span with an error or a guardrail event (wrapping around)."""
        if not self._spans:
            return
        start = self._visible[self.cursor] if self._visible else 0
        count = len(self._spans)
        for step in range(1, count + 1):
            index = (start + step) % count
            span = self._spans[index]
            if span.status_code == "ERROR" or has_guardrail_event(span):
                self._move_to_index(index)
                return
        self.notify("No errors or guardrail events in this trace.", timeout=2)

    # --- mouse ------------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        """Click a row to select it; click the selected row (or its ▸/▾) to fold it."""
        row = event.y + self.scroll_offset.y
        if not 0 <= row < len(self._visible):
            return
        span = self._spans[self._visible[row]]
        marker_x = span.depth * 2
        if row == self.cursor or marker_x <= event.x + self.scroll_offset.x <= marker_x + 1:
            self.cursor = row
            self.action_fold()
        else:
            self.cursor = row

    # --- rendering --------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self._visible))

    def render_line(self, y: int) -> Strip:
        """One span row: tree + name, duration, tokens, cost, then the timeline bar."""
        width = self.scrollable_content_region.width
        row = y + self.scroll_offset.y
        if row >= len(self._visible) or width <= 0:
            return Strip.blank(width, self.rich_style)
        index = self._visible[row]
        text = self._row_text(index, width)
        if row == self.cursor:
            text.stylize(self.get_component_rich_style("span-waterfall--cursor"))
        segments = list(text.render(self.app.console, end=""))
        base = self.rich_style
        return Strip(Segment.apply_style(segments, base), text.cell_len).crop_extend(0, width, base)

    def _row_text(self, index: int, width: int) -> Text:
        span = self._spans[index]
        kind = span_kind(span)
        icon, kind_style = _KIND_STYLE[kind]
        is_error = span.status_code == "ERROR"
        guard = has_guardrail_event(span)
        fold = "  "
        if self._has_children(index):
            fold = "▸ " if index in self._collapsed else "▾ "
        wide = width >= 70
        bar_width = max(8, width // 4) if wide else max(6, width // 5)
        numbers = self._numbers(span, wide)
        name_width = max(8, width - bar_width - len(numbers) - 2)
        name = Text(" " * (span.depth * 2) + fold, style="dim")
        name.append(icon + " ", style=_ERROR_STYLE if is_error else kind_style)
        # A handoff's row says who handed off to whom (the icon says it is one; the span's
        # own name, often "handoff to x" or "x → unknown.handoff", is in its details).
        handoff = self._handoffs.get(span.span_id)
        shown = short_name(span) if handoff is None else handoff.label()
        name.append(inert(shown), style=_ERROR_STYLE if is_error else "")
        if is_error:
            name.append(" ✗", style=_ERROR_STYLE)
        if guard:
            name.append(" ⚠", style=_GUARD_STYLE)
        name.truncate(name_width, overflow="ellipsis", pad=True)
        line = Text()
        line.append_text(name)
        line.append(numbers, style="dim" if not is_error else "red")
        line.append("  ")
        line.append_text(self._bar(span, bar_width, _ERROR_STYLE if is_error else kind_style))
        return line

    @staticmethod
    def _numbers(span: SpanOutline, wide: bool) -> str:
        duration = format_duration(span.duration_ns).rjust(9)
        if not wide:
            return duration
        tokens = (
            format_tokens((span.input_tokens or 0) + (span.output_tokens or 0))
            if span.input_tokens is not None or span.output_tokens is not None
            else ""
        )
        cost = format_cost(span.cost_usd) if span.cost_usd is not None else ""
        return f"{duration} {tokens:>7} {cost:>8}"

    def _bar(self, span: SpanOutline, width: int, style: str) -> Text:
        start = (span.start_ns - self._t0) / self._total * width
        end = (span.end_ns - self._t0) / self._total * width
        first = min(width - 1, max(0, int(start)))
        last = max(first + 1, min(width, round(end)))
        track = self.get_component_rich_style("span-waterfall--track")
        bar = Text("·" * first, style=track)
        bar.append("█" * (last - first), style=style)
        bar.append("·" * (width - last), style=track)
        return bar


def _subtree_ends(spans: list[SpanOutline]) -> list[int]:
    """For each span, the index just past its subtree (spans are in tree order)."""
    depths = [span.depth for span in spans]
    ends = [len(spans)] * len(spans)
    open_spans: list[int] = []
    for index, depth in enumerate(depths):
        while open_spans and depths[open_spans[-1]] >= depth:
            ends[open_spans.pop()] = index
        open_spans.append(index)
    return ends
