"""The trace screen: one run's span tree with a waterfall, and the selected span's details.

``f`` forks the run at the selected step (the form is :mod:`tracekit.tui.screens.fork`); the
fork runs in a thread worker, so the screen keeps answering keys, and when it is recorded the
diff of parent and fork opens. A trace's forks (or, for a fork, its parent) are named under
its summary.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.events import Resize
from textual.widgets import Footer, Header, ProgressBar, Static
from textual.worker import Worker, WorkerState

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
from tracekit.store.models import SpanOutline, TraceOutline, TraceSummary
from tracekit.tui.conversation import Paging, span_details
from tracekit.tui.messages import OpenDiff
from tracekit.tui.screens.base import StoreScreen
from tracekit.tui.widgets.waterfall import SpanWaterfall

if TYPE_CHECKING:
    from tracekit.models.routing import ModelRouter
    from tracekit.tui.fork_plan import ForkPlan

#: Below this width the detail pane goes under the tree instead of beside it.
NARROW_WIDTH = 110
#: The forks of a trace named under its summary (the rest are counted).
FORKS_SHOWN = 4
#: The name of the worker a fork runs in.
FORK_WORKER = "fork"


class TraceScreen(StoreScreen):
    """Span tree (workflow → agent → LLM / tool / handoff) and the detail of one span."""

    CSS_PATH = "trace.tcss"  # also read at app start-up (see TracekitApp.CSS_PATH)
    HELP_TEXT = (
        "The span tree of one run with a timeline bar per span. ✗ marks an error, ⚠ a "
        "guardrail event (limit, loop, retry, fallback, approval). The right pane shows the "
        "selected span: facts, error, events, the LLM conversation in full, tool arguments "
        "and results, attributes. Tab moves between the tree and the details. f forks the "
        "run at the selected step: the steps before it come from the recording, the rest "
        "runs live with the model, instructions or temperature you change; then the diff "
        "of the run and its fork opens."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back"),
        Binding("enter", "fold", "Fold", show=False),
        Binding("tab", "focus_next", "Details", show=False),
        # Long texts say these keys where they are cut; the footer stays as it is.
        Binding("m", "page(1)", "More of long texts", show=False),
        Binding("M", "page(-1)", "Back a page of long texts", show=False),
        Binding("f", "fork", "Fork"),
    ]

    def __init__(self, store: TraceStore, *, fork_models: ModelRouter | None = None) -> None:
        """``fork_models`` answers a fork's live calls (default: the workflow's own
        ``models=``, else Claude with ``ANTHROPIC_API_KEY``)."""
        super().__init__(store)
        self.fork_models = fork_models
        self.outline: TraceOutline | None = None
        self._content: dict[str, dict[str, Any]] = {}
        self._pending: SpanOutline | None = None
        self._span: SpanOutline | None = None
        self._paging = Paging()
        self._highlight: tuple[str, ...] = ()
        self._forks: list[TraceSummary] | None = None

    @property
    def trace_id(self) -> str | None:
        """The id of the trace shown."""
        return self.outline.summary.trace_id if self.outline is not None else None

    def compose(self) -> ComposeResult:
        """Header, trace summary, tree and details side by side (stacked when narrow)."""
        yield Header(show_clock=False, icon="◆")
        yield Static("", id="trace-summary")
        yield Static("", id="trace-forks")
        with Horizontal(id="fork-progress"):
            yield Static("", id="fork-progress-label")
            yield ProgressBar(id="fork-progress-bar", show_eta=False)
        with Horizontal(id="panes"):
            yield SpanWaterfall(id="waterfall")
            with VerticalScroll(id="detail"):
                yield Static("", id="detail-body")
        yield Footer()

    def on_mount(self) -> None:
        """Show the trace given before the screen was first mounted."""
        if self.outline is not None:
            self._show()

    def show_trace(
        self,
        outline: TraceOutline,
        *,
        forks: list[TraceSummary] | None = None,
        highlight: tuple[str, ...] = (),
    ) -> None:
        """Show ``outline``: the span tree at once, the root's details right after it is
        drawn, with the words of ``highlight`` (a ``text:`` search) marked. ``forks`` are the
        trace's forks if the caller read them with the outline (else they are read here).
        The app reuses one trace screen for every trace it opens."""
        self.outline = outline
        self._forks = forks
        self._highlight = highlight
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
        self._show_forks()
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

    def _show_forks(self) -> None:
        """Name the trace's parent (for a fork) and its own forks under the summary."""
        assert self.outline is not None
        summary = self.outline.summary
        forks, self._forks = self._forks, None
        if forks is None:
            forks = []
            try:
                forks = self.store.forks_of(summary.trace_id)
            except TracekitError as error:
                self.notify(inert(str(error)), severity="error", markup=False)
        text = Text()
        if summary.parent_trace_id:
            text.append_text(
                literal(
                    f"⑂ fork of {summary.parent_trace_id[:12]} at {summary.fork_at or '?'}",
                    "bold cyan",
                )
            )
        if forks:
            if text:
                text.append("   ")
            text.append_text(literal(f"⑂ {len(forks)} fork{'s' * (len(forks) != 1)}: ", "bold"))
            for n, fork in enumerate(forks[-FORKS_SHOWN:]):
                if n:
                    text.append(" · ")
                style = STATUS_STYLES.get(fork.status, "")
                text.append_text(literal(f"{fork.trace_id[:12]} at {fork.fork_at or '?'} "))
                text.append_text(literal(fork.status, style))
            if len(forks) > FORKS_SHOWN:
                text.append_text(literal(f" (and {len(forks) - FORKS_SHOWN} older)", "dim"))
        line = self.query_one("#trace-forks", Static)
        line.update(text)
        line.display = bool(text)

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
            span_details(span, content, self._paging, self._highlight, handoff=handoff)
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

    # --- forks ------------------------------------------------------------------------------

    def action_fork(self) -> None:
        """Open the fork form on the selected step."""
        if self.outline is None:
            return
        if any(w.name == FORK_WORKER and not w.is_finished for w in self.workers):
            self.notify("a fork is running; wait for it to finish", severity="warning")
            return
        # The fork machinery (replay, the orchestrator) loads when first asked for.
        from tracekit.tui.fork_plan import fork_target
        from tracekit.tui.screens.fork import ForkScreen

        waterfall = self.query_one(SpanWaterfall)
        current = waterfall.current
        index = waterfall.spans.index(current) if current is not None else 0
        try:
            target = fork_target(self.store, self.outline.summary.trace_id, waterfall.spans, index)
        except TracekitError as error:
            self.notify(inert(f"cannot fork here: {error}"), severity="error", markup=False)
            return
        self.app.push_screen(ForkScreen(target, self.fork_models), self._start_fork)

    def _start_fork(self, plan: ForkPlan | None) -> None:
        if plan is None:
            return
        from tracekit.tui.fork_plan import run_forks

        self._fork_progress(0, plan.repeat, plan.describe())
        self.run_worker(
            lambda: run_forks(plan, self.store, self._progress_from_thread),
            name=FORK_WORKER,
            thread=True,
            exit_on_error=False,
            description=plan.describe(),
        )

    def _progress_from_thread(self, done: int, total: int) -> None:
        self.app.call_from_thread(self._fork_progress, done, total)

    def _fork_progress(self, done: int, total: int, label: str | None = None) -> None:
        bar = self.query_one("#fork-progress-bar", ProgressBar)
        bar.update(total=total, progress=done)
        if label is not None:
            self.query_one("#fork-progress-label", Static).update(literal(f"{label} "))
        self.query_one("#fork-progress").display = True

    @on(Worker.StateChanged)
    def _fork_finished(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.name != FORK_WORKER or not worker.is_finished:
            return
        self.query_one("#fork-progress").display = False
        if event.state == WorkerState.ERROR:
            self.notify(inert(f"fork failed: {worker.error}"), severity="error", markup=False)
            return
        if event.state != WorkerState.SUCCESS or not worker.result:
            return
        runs = worker.result
        parent, last = runs[-1].parent.trace_id, runs[-1].trace_id
        statuses = ", ".join(run.result.status for run in runs)
        self.notify(inert(f"forked {len(runs)}× ({statuses}); showing the diff"), markup=False)
        if self.trace_id == parent and self.is_mounted:
            self._show_forks()
        self.post_message(OpenDiff(parent, last))
