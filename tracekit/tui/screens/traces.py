"""The traces screen: every recorded run in a table, read a page at a time.

Rows come from :meth:`TraceStore.page_trace_rows` one page at a time (plain
:class:`~tracekit.store.trace_rows.TraceRow` tuples: no pydantic model per row, nor pydantic
loaded for the first screen); the next page is read when
the cursor nears the last loaded row. In live mode the screen polls the store's change marker
in a worker thread and reloads what it shows when another process has recorded something.
"""

from __future__ import annotations

import os
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Static

from tracekit.display import (
    STATUS_STYLES,
    format_duration,
    format_partial_cost,
    format_time,
    format_tokens,
    inert,
    literal,
)
from tracekit.exceptions import TracekitError
from tracekit.store import TraceStore
from tracekit.store.filters import parse_filter
from tracekit.store.pending import JOURNAL_SUFFIX, PARQUET_SUFFIX, SEGMENT_SUFFIX
from tracekit.store.trace_rows import TraceRow, TraceRowPage
from tracekit.tui.heap import HeapFreeze
from tracekit.tui.messages import OpenDiff, OpenTrace
from tracekit.tui.screens.base import StoreScreen
from tracekit.tui.widgets.sessions import SessionTable

#: Rows read per page.
PAGE_SIZE = 100
#: (column key, header, sort key of :data:`tracekit.store.SORT_COLUMNS`, right-aligned).
COLUMNS: tuple[tuple[str, str, str | None, bool], ...] = (
    ("mark", " ", None, False),
    ("time", "time", "time", False),
    ("workflow", "workflow", "workflow", False),
    ("status", "status", "status", False),
    ("duration", "duration", "duration", True),
    ("steps", "steps", "steps", True),
    ("tokens", "tokens", "tokens", True),
    ("cost", "cost", "cost", True),
    ("agents", "agents", "agents", False),
    ("id", "trace", "id", False),
)
_SORTABLE = [key for _, _, key, _ in COLUMNS if key]
_MARK = "●"
_WORKFLOW_WIDTH = 20
_DESCENDING_FIRST = frozenset({"time", "duration", "steps", "tokens", "cost"})
#: Seconds after the list mounts that what opening a trace needs is loaded (off the UI
#: thread): after its first frames, well before a person has read it and pressed enter.
WARM_UP_AFTER_S = 0.3
#: Spool files a read round acts on (folds, or writes the runs of).
_WAITING = (SEGMENT_SUFFIX, PARQUET_SUFFIX, JOURNAL_SUFFIX)


class TracesScreen(StoreScreen):
    """A table of traces: sort, filter, mark two for a diff, open one.

    Opening a trace posts :class:`~tracekit.tui.messages.OpenTrace`, a diff
    :class:`~tracekit.tui.messages.OpenDiff`; the app handles them.

    Args:
        store: the store to list.
        live: poll the store for traces other processes record.
        poll_s: seconds between two polls in live mode.
        marker: the store's change marker, if the caller has just read it (before any
            traces); saves a read round in live mode.
        first_page: the first page in the first order (newest first, no filter), if the
            caller has just read it (with the marker); saves the first read round.
        heap: what freezes the long-lived objects while the app runs (the app's own, which
            it releases when it exits); default: the screen's own, released on unmount.
    """

    CSS_PATH = "traces.tcss"  # also read at app start-up (see TracekitApp.CSS_PATH)
    HELP_TEXT = (
        "Every recorded run, newest first. Filter with field expressions and free text, e.g. "
        "`agent:planner status:error cost>0.05 model:haiku workflow:doc duration>2s "
        "tokens>1000`. Fields: agent, workflow, model, tool, service, status, id (text: "
        "`:` contains, `=` equals, `!=`), text (search the messages and tool payloads: "
        "`text:refund`, matches marked in the trace), cost, duration, tokens, steps, spans, errors "
        "(numbers: > >= < <= = !=). Click a column header to sort by it. S groups the runs "
        "by session (runs sharing a session or conversation id); enter on a session lists "
        "its runs (the filter `session=ID`)."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", show=True),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("s", "sort", "Sort"),
        Binding("r", "reverse", "Reverse", show=False),
        Binding("m", "mark", "Mark"),
        Binding("d", "diff", "Diff"),
        Binding("L", "toggle_live", "Live"),
        Binding("S", "toggle_sessions", "Sessions", show=False),  # in the help: 80 columns are full
        Binding("ctrl+r", "refresh", "Refresh", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("g", "top", "Top", show=False),
        Binding("G", "bottom", "Bottom", show=False),
        Binding("2", "app.switch_mode('stats')", "Stats"),
    ]

    def __init__(
        self,
        store: TraceStore,
        *,
        live: bool = False,
        poll_s: float = 1.0,
        marker: tuple[int, int] | None = None,
        first_page: TraceRowPage | None = None,
        heap: HeapFreeze | None = None,
    ) -> None:
        super().__init__(store)
        self.heap = heap or HeapFreeze()
        self.live = live
        self._first_page = first_page
        self.poll_s = poll_s
        self.initial_marker = marker
        self.query_text = ""
        self.sort_column = "time"
        self.descending = True
        self.marked: list[str] = []
        self.total = 0
        self._loaded: list[TraceRow] = []
        self._marker: tuple[int, int] | None = None
        self._poll_timer: Timer | None = None
        self._files: tuple[object, ...] | None = None
        self.by_session = False

    def compose(self) -> ComposeResult:
        """Header, status line, filter bar (hidden until ``/``), the table, footer."""
        yield Header(show_clock=False, icon="◆")
        with Vertical(id="filter-bar", classes="hidden"):
            yield Input(placeholder="filter: agent:planner status:error cost>0.05 …", id="filter")
            yield Static("", id="filter-error")
        yield Static("", id="summary")
        table: DataTable[Text] = DataTable(id="traces", cursor_type="row", zebra_stripes=True)
        for key, header, _, right in COLUMNS:
            table.add_column(Text(header, justify="right" if right else "left"), key=key)
        yield table
        yield SessionTable(id="sessions", cursor_type="row", zebra_stripes=True, classes="hidden")
        yield Footer()

    def on_mount(self) -> None:
        """Read the first page; start polling in live mode."""
        self.sub_title = inert(self.store.paths.db.name)
        if self.live:
            # Read before the first page, so a change in between is reloaded, never missed.
            self._marker = self.initial_marker
            if self._marker is None:
                try:
                    self._marker = self.store.change_marker()
                except TracekitError:
                    self._marker = None
        self.reload()
        self.set_live(self.live)
        self.query_one("#traces", DataTable).focus()
        # The app, its modules and the list live as long as the app: out of the garbage
        # collector's sight (cheap: nothing is walked), so a full collection, which opening
        # a 10,000-span trace sets off, walks only what was made since (100 ms less on the
        # UI thread). The warm-up below freezes what it loads too.
        self.heap.freeze()
        # Later than the next refresh: the rows are drawn some frames after mounting, and
        # the warm-up must not take the CPU from them.
        self.set_timer(WARM_UP_AFTER_S, self._warm_up)

    @work(thread=True, exclusive=True, group="warm-up")
    def _warm_up(self) -> None:
        """Load what opening a trace needs (the trace screen, the span models, the message
        conventions of the details) off the UI thread once the list is drawn, so the first
        trace opened does not wait for those imports (then frozen out of the garbage
        collector's sight, as the app is in :meth:`on_mount`)."""
        import tracekit.otlp.conventions
        import tracekit.tui.screens.trace  # noqa: F401

        # Skipped if the app exited meanwhile (its process goes on: a test run, a notebook).
        self.heap.freeze()

    def on_unmount(self) -> None:
        """Give what was frozen back to the garbage collector."""
        self.heap.release()

    # --- loading ----------------------------------------------------------------------------

    @property
    def order(self) -> str:
        """The ``order`` argument for the store."""
        return f"{self.sort_column} {'desc' if self.descending else 'asc'}"

    def reload(self, *, at_least: int = PAGE_SIZE) -> bool:
        """Read the traces again from the top (keeping the cursor on the same trace).

        Returns False (and shows why) when the filter is bad or the store cannot be read.
        """
        page, self._first_page = self._first_page, None
        if page is None or page.query != self.query_text or page.order != self.order:
            page = self._read(limit=max(PAGE_SIZE, at_least), offset=0)
        if page is None:
            return False
        table = self.query_one("#traces", DataTable)
        current = self._current_id()
        table.clear()
        self._loaded = []
        self._add(page)
        if current is not None and current in {t.trace_id for t in self._loaded}:
            table.move_cursor(row=table.get_row_index(current), scroll=True)
        return True

    def load_more(self) -> None:
        """Read the next page, if any."""
        if len(self._loaded) >= self.total:
            return
        page = self._read(limit=PAGE_SIZE, offset=len(self._loaded))
        if page is not None:
            self._add(page)

    def _read(self, *, limit: int, offset: int) -> TraceRowPage | None:
        try:
            page = self.store.page_trace_rows(
                self.query_text, order=self.order, limit=limit, offset=offset
            )
        except TracekitError as error:
            self._show_error(str(error))
            return None
        self._show_error("")
        return page

    def _add(self, page: TraceRowPage) -> None:
        self.total = page.total
        table = self.query_one("#traces", DataTable)
        known = {t.trace_id for t in self._loaded}
        fresh = [t for t in page.rows if t.trace_id not in known]
        self._loaded.extend(fresh)
        for trace in fresh:
            table.add_row(*self._cells(trace), key=trace.trace_id)
        self._update_summary()

    def _cells(self, trace: TraceRow) -> list[Text]:
        workflow = literal(trace.workflow, "bold")
        workflow.truncate(_WORKFLOW_WIDTH, overflow="ellipsis")
        return [
            Text(_MARK if trace.trace_id in self.marked else " ", style="bold magenta"),
            literal(format_time(trace.start_ns)),
            workflow,
            literal(trace.status, STATUS_STYLES.get(trace.status, "")),
            literal(format_duration(trace.duration_ns), right=True),
            literal(trace.steps, right=True),
            literal(format_tokens(_total_tokens(trace)), right=True),
            literal(format_partial_cost(trace.cost_usd, trace.unpriced_spans), right=True),
            literal(", ".join(trace.agents), "cyan"),
            literal(trace.trace_id[:12], "dim"),
        ]

    def _update_summary(self) -> None:
        arrow = "↓" if self.descending else "↑"
        parts = [f"{self.total:,} traces", f"sorted by {self.sort_column} {arrow}"]
        if self.query_text:
            parts.append(f"filter: {self.query_text}")
        if self.marked:
            parts.append(f"marked {len(self.marked)}/2")
        parts.append("live ●" if self._poll_timer is not None else "live off")
        self.query_one("#summary", Static).update(literal(" · ".join(parts)))

    def _show_error(self, message: str) -> None:
        error = self.query_one("#filter-error", Static)
        error.update(literal(message, "bold red"))
        error.set_class(not message, "hidden")
        if message:
            self.query_one("#filter-bar").remove_class("hidden")

    def _current_id(self) -> str | None:
        table = self.query_one("#traces", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return key.value

    # --- events -----------------------------------------------------------------------------

    @on(DataTable.RowHighlighted, "#traces")
    def _near_end(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= event.data_table.row_count - 10:
            self.load_more()

    @on(DataTable.RowSelected, "#traces")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    @on(DataTable.HeaderSelected, "#traces")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        sort_key = dict((key, sort) for key, _, sort, _ in COLUMNS).get(str(event.column_key.value))
        if sort_key is None:
            return
        if sort_key == self.sort_column:
            self.descending = not self.descending
        else:
            self._sort_by(sort_key)
        self.reload()

    def _sort_by(self, column: str) -> None:
        # Numbers and times read best largest first, text columns alphabetically.
        self.sort_column = column
        self.descending = column in _DESCENDING_FIRST

    @on(Input.Submitted, "#filter")
    def _apply_filter(self, event: Input.Submitted) -> None:
        previous = self.query_text
        self.query_text = event.value.strip()
        if self.reload():
            self.query_one("#traces", DataTable).focus()
            if not self.query_text:
                self.query_one("#filter-bar").add_class("hidden")
        else:
            self.query_text = previous

    # --- actions ----------------------------------------------------------------------------

    def action_open(self) -> None:
        """Open the trace under the cursor."""
        trace_id = self._current_id()
        if trace_id is not None:
            self.post_message(OpenTrace(trace_id, highlight=self._search_words()))

    def _search_words(self) -> tuple[str, ...]:
        try:
            return parse_filter(self.query_text).search
        except TracekitError:
            return ()

    def action_toggle_sessions(self) -> None:
        """Group the runs (matching the filter) by session, or back to the runs (``S``)."""
        sessions = self.query_one("#sessions", SessionTable)
        traces = self.query_one("#traces", DataTable)
        if not self.by_session:
            try:
                page = self.store.sessions(self.query_text, limit=PAGE_SIZE)
            except TracekitError as error:
                self._show_error(str(error))
                return
            sessions.show(page.sessions)
            self.query_one("#summary", Static).update(
                Text(f"{page.total:,} sessions · enter lists a session's runs · S: runs")
            )
        self.by_session = not self.by_session
        sessions.set_class(not self.by_session, "hidden")
        traces.set_class(self.by_session, "hidden")
        (sessions if self.by_session else traces).focus()
        if not self.by_session:
            self._update_summary()

    @on(SessionTable.Chosen)
    def _session_chosen(self, event: SessionTable.Chosen) -> None:
        quoted = event.session_id.replace("\\", "\\\\").replace('"', '\\"')
        self.query_text = f'session="{quoted}"'
        self.query_one("#filter", Input).value = self.query_text
        self.query_one("#filter-bar").remove_class("hidden")
        self.action_toggle_sessions()
        self.reload()

    def action_filter(self) -> None:
        """Show the filter bar and focus it."""
        self.query_one("#filter-bar").remove_class("hidden")
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        """Clear the filter (escape), or leave the filter bar."""
        bar_input = self.query_one("#filter", Input)
        if self.query_text or bar_input.value:
            bar_input.value = ""
            self.query_text = ""
            self.reload()
        self._show_error("")
        self.query_one("#filter-bar").add_class("hidden")
        self.query_one("#traces", DataTable).focus()

    def action_sort(self) -> None:
        """Sort by the next column."""
        index = (_SORTABLE.index(self.sort_column) + 1) % len(_SORTABLE)
        self._sort_by(_SORTABLE[index])
        self.reload()

    def action_reverse(self) -> None:
        """Reverse the sort order."""
        self.descending = not self.descending
        self.reload()

    def action_mark(self) -> None:
        """Mark (or unmark) the trace under the cursor for a diff; two at most."""
        trace_id = self._current_id()
        if trace_id is None:
            return
        if trace_id in self.marked:
            self.marked.remove(trace_id)
        else:
            self.marked.append(trace_id)
            for dropped in self.marked[:-2]:
                self._set_mark_cell(dropped, False)
            self.marked = self.marked[-2:]
        self._set_mark_cell(trace_id, trace_id in self.marked)
        self._update_summary()
        self.query_one("#traces", DataTable).action_cursor_down()

    def _set_mark_cell(self, trace_id: str, marked: bool) -> None:
        table = self.query_one("#traces", DataTable)
        if trace_id in table.rows:
            table.update_cell(trace_id, "mark", Text(_MARK if marked else " ", "bold magenta"))

    def action_diff(self) -> None:
        """Compare the two marked traces (or the marked one with the one under the cursor)."""
        pair = list(self.marked)
        current = self._current_id()
        if len(pair) == 1 and current is not None and current not in pair:
            pair.append(current)
        if len(pair) != 2:
            self.notify("Mark two traces with m, then press d.", severity="warning")
            return
        self.post_message(OpenDiff(pair[0], pair[1]))

    def action_top(self) -> None:
        """Go to the first row."""
        self.query_one("#traces", DataTable).move_cursor(row=0)

    def action_bottom(self) -> None:
        """Go to the last loaded row (reading the next page)."""
        table = self.query_one("#traces", DataTable)
        table.move_cursor(row=table.row_count - 1)

    def action_refresh(self) -> None:
        """Read the store again."""
        self.reload(at_least=len(self._loaded))

    # --- live mode --------------------------------------------------------------------------

    def action_toggle_live(self) -> None:
        """Turn live mode on or off."""
        self.set_live(self._poll_timer is None)
        self.notify("Live mode on" if self._poll_timer else "Live mode off", timeout=2)

    def set_live(self, live: bool) -> None:
        """Start or stop polling the store for new traces."""
        if live and self._poll_timer is None:
            self._poll_timer = self.set_interval(self.poll_s, self.poll)
        elif not live and self._poll_timer is not None:
            self._poll_timer.stop()
            self._poll_timer = None
        self._update_summary()

    @work(thread=True, exclusive=True, group="poll")
    def poll(self) -> None:
        """Check (off the UI thread) whether the store changed; reload when it did.

        The store is opened only when its files say something may have changed (see
        :func:`_files_state`): opening a big store costs tens of milliseconds of CPU, every
        second, on an idle screen.
        """
        files = _files_state(self.store)
        if files is not None and files == self._files:
            return
        try:
            marker = self.store.change_marker()
        except TracekitError:
            return  # a busy store is retried at the next poll
        self._files = files
        if marker != self._marker:
            self._marker = marker
            self.app.call_from_thread(self._refresh_live)

    def _refresh_live(self) -> None:
        before = self.total
        if self.reload(at_least=len(self._loaded)) and self.total > before:
            new = self.total - before
            self.notify(f"{new} new trace{'s' if new != 1 else ''}", timeout=2)


def _files_state(store: TraceStore) -> tuple[object, ...] | None:
    """What the store's files look like (the database and its WAL: size, time, inode; the
    spool's names), or None when only a read round can tell whether it changed: a segment
    or journal waits in the spool (a read round folds it, or writes a dead recorder's
    journaled runs), or a file cannot be looked at. A fold rewrites the database (or its
    WAL), so an unchanged state means an unchanged change marker."""
    paths = store.paths
    try:
        names = sorted(os.listdir(paths.spool)) if paths.spool.is_dir() else []
        stats: list[object] = []
        for path in (paths.db, paths.db.with_name(paths.db.name + ".wal")):
            try:
                st = path.stat()
            except FileNotFoundError:
                stats.append(None)
                continue
            stats.append((st.st_ino, st.st_size, st.st_mtime_ns))
    except OSError:
        return None
    if any(name.endswith(_WAITING) for name in names):
        return None
    return (*stats, *names)


def _total_tokens(trace: TraceRow) -> int | None:
    """Input plus output tokens; unknown when neither was reported."""
    if trace.input_tokens is None and trace.output_tokens is None:
        return None
    return (trace.input_tokens or 0) + (trace.output_tokens or 0)
