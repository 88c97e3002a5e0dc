"""The store's query API: paged, parameterised, one short read-only round per call.

Every call first folds pending spool segments (so a run that just finished is visible), then
opens the database read-only under the shared store lock, runs its queries and closes it:
recording processes are never kept from folding for longer than one query round.

>>> store = TraceStore("runs.duckdb")  # doctest: +SKIP
>>> latest = store.list_traces(limit=1)[0]  # doctest: +SKIP
>>> store.get_trace(latest.trace_id[:8]).spans[0].name  # doctest: +SKIP
'invoke_workflow doc-pipeline'
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tracekit.exceptions import (
    ConfigError,
    StoreError,
    StoreLockedError,
    StoreNotFoundError,
)
from tracekit.store.db import connect, damaged_store_error, is_damage
from tracekit.store.engine import engine
from tracekit.store.filters import (
    TraceFilter,
    equality_filter,
    order_clause,
    parse_filter,
)
from tracekit.store.gc_pause import gc_paused
from tracekit.store.paths import StorePaths, store_lock
from tracekit.store.pending import journal_files, pending_segments
from tracekit.store.price_digest import (
    canonical_prices,
    default_canonical_prices,
    recorded_prices,
)
from tracekit.store.sql_limits import DEFAULT_TIMEOUT_S
from tracekit.store.trace_ids import resolve_trace_id as _resolve
from tracekit.store.trace_reads import (
    change_marker,
    forks,
    page_rows,
    read_trace,
    summaries,
    trace_content,
    trace_outline,
    trace_row,
    tree_order,
)
from tracekit.store.trace_rows import TraceRowPage
from tracekit.store.versions import SCHEMA_VERSION, check_readable, read_schema_version

if TYPE_CHECKING:
    import pyarrow as pa

    from tracekit.otlp.model import OtlpSpan
    from tracekit.pricing import PriceTable
    from tracekit.store.anomalies import AnomalyQuery, AnomalyReport
    from tracekit.store.experiments import ExperimentCaseRow, ExperimentRow
    from tracekit.store.figure_rows import FigureQuery, FigureRow
    from tracekit.store.figures import GroupFigures
    from tracekit.store.fold import FoldResult
    from tracekit.store.models import (
        StatsDimension,
        StatsRow,
        StatsSeries,
        TraceDetail,
        TraceOutline,
        TracePage,
        TraceSummary,
    )
    from tracekit.store.reprice import RepriceResult
    from tracekit.store.sessions import SessionPage
    from tracekit.store.tree_lines import TraceLines


def _warn(message: str, *args: object) -> None:
    """A warning on the ``tracekit`` logger. ``logging`` is imported only when there is one
    to give: reads that warn of nothing (every listing) skip its import (~4 ms of start-up)."""
    import logging

    logging.getLogger("tracekit").warning(message, *args)


_T = TypeVar("_T")

#: How long a reader waits for a busy store before StoreLockedError.
DEFAULT_WAIT_S = 10.0


class TraceStore:
    """Read access to a tracekit store.

    Args:
        path: the store's database file (default: ``resolve_store_path`` rules).
        wait_s: how long a call waits for another process to release the store before it
            raises StoreLockedError.
    """

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, wait_s: float = DEFAULT_WAIT_S
    ) -> None:
        self.paths = StorePaths.for_store(path)
        self._wait_s = wait_s
        self._unwritable_said = False
        # The canonical price table last found to match the store's, so a live view that
        # reads every second compares two strings instead of querying meta each time.
        self._prices_checked: str | None = None

    # --- traces -------------------------------------------------------------------------------

    def list_traces(
        self,
        limit: int = 50,
        offset: int = 0,
        order: str = "start desc",
        *,
        workflow: str | None = None,
        status: str | None = None,
    ) -> list[TraceSummary]:
        """A page of trace summaries, newest first by default: :meth:`page_traces` with
        ``workflow`` and ``status`` as equality filters, without the match count.

        ``order`` is ``"<column> [asc|desc]"`` with a column from :data:`SORT_COLUMNS`.
        """
        matching = equality_filter(workflow=workflow, status=status)
        return summaries(self._page(matching, order, limit, offset, with_total=False).rows)

    def count_traces(self, *, workflow: str | None = None, status: str | None = None) -> int:
        """How many traces match the filters (for paging)."""
        matching = equality_filter(workflow=workflow, status=status)
        return self._page(matching, "time desc", 0, 0, with_total=True).total

    def resolve_trace_id(self, id_or_prefix: str) -> str:
        """The full id of the one trace whose id starts with ``id_or_prefix``.

        Raises TraceNotFoundError when no trace or several traces match.
        """
        with self._connection() as con:
            return _resolve(con, id_or_prefix)

    def get_trace(self, id_or_prefix: str) -> TraceDetail:
        """A trace with all its spans in tree order and events parsed."""
        from tracekit.store.models import TraceDetail

        with gc_paused(), self._connection() as con:
            row, span_rows, with_content = read_trace(con, id_or_prefix)
            spans = tree_order(span_rows, with_content)
        (summary,) = summaries([row])
        return TraceDetail(summary=summary, spans=spans)

    def get_trace_document(self, id_or_prefix: str) -> dict[str, Any]:
        """:meth:`get_trace` as the JSON-ready document ``TraceDetail.model_dump(mode="json")``
        gives, built without a model per span (see :mod:`tracekit.store.trace_document`):
        what ``tracekit show --json`` prints. One short read round.

        Raises TraceNotFoundError when no trace or several traces match.
        """
        # The read of get_trace_document_with_content, one round too (its content
        # attributes are a few more rows of the same read).
        return self.get_trace_document_with_content(id_or_prefix)[0]

    def get_trace_document_with_content(
        self, id_or_prefix: str
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]], bool]:
        """:meth:`get_trace_document` and :meth:`get_trace_content` of the trace, read in
        one round (what ``tracekit show --json`` prints a model call's messages from), and
        whether the spans' JSON texts hold no number that could be a float below 1e-4 or
        from 1e16 on (see :func:`~tracekit.store.trace_document.span_documents_and_numbers`).

        Raises TraceNotFoundError when no trace or several traces match.
        """
        from tracekit.store.trace_document import (
            DOCUMENT_COLUMNS,
            span_documents_and_numbers,
            summary_document,
        )

        with gc_paused():  # the documents too: tens of thousands of dicts and lists
            with self._connection() as con:
                row, span_rows, content = read_trace(
                    con, id_or_prefix, with_payloads=True, columns=DOCUMENT_COLUMNS
                )
            spans, plain_numbers = span_documents_and_numbers(span_rows, set(content), row.trace_id)
            document = {"summary": summary_document(row), "spans": spans}
        return document, content, plain_numbers

    def get_trace_outline(self, id_or_prefix: str) -> TraceOutline:
        """A trace's summary and its spans in tree order (the order of :meth:`get_trace`) as
        lean :class:`SpanOutline` tuples: attributes and events stay JSON text until a span's
        details are asked for. What a browser opens; one short read round.

        Raises TraceNotFoundError when no trace or several traces match.
        """
        with gc_paused(), self._connection() as con:
            return trace_outline(con, id_or_prefix)

    def get_trace_outline_and_forks(
        self, id_or_prefix: str
    ) -> tuple[TraceOutline, list[TraceSummary]]:
        """:meth:`get_trace_outline` and :meth:`forks_of` the trace, read in one round (one
        open of the store instead of two): what a browser shows when it opens a trace.

        Raises TraceNotFoundError when no trace or several traces match.
        """
        with gc_paused(), self._connection() as con:
            outline = trace_outline(con, id_or_prefix)
            return outline, forks(con, outline.summary.trace_id)

    def get_trace_lines(self, id_or_prefix: str) -> TraceLines:
        """A trace's summary and its spans in tree order as :class:`SpanLine` tuples: only
        what a line of its span tree shows (see :mod:`tracekit.store.tree_lines`). What
        ``tracekit show`` draws; one short read round.

        Raises TraceNotFoundError when no trace or several traces match.
        """
        from tracekit.store.tree_lines import TraceLines, read_span_lines

        with gc_paused(), self._connection() as con:
            # The store's own row, not a TraceSummary: drawing the tree loads no pydantic.
            summary = trace_row(con, id_or_prefix)
            spans = read_span_lines(con, summary.trace_id)
        return TraceLines(summary=summary, spans=spans)

    def get_span_content(self, trace_id: str, span_id: str) -> dict[str, Any]:
        """The content attributes of a span (messages, tool arguments and results), as
        recorded after scrubbing; empty when the span has none."""
        with self._connection() as con:
            rows = con.execute(
                "SELECT attributes FROM span_content WHERE trace_id = ? AND span_id = ?",
                [trace_id, span_id],
            ).fetchall()
        content: dict[str, Any] = {}
        for (attributes,) in rows:
            content.update(json.loads(attributes))
        return content

    def get_trace_content(self, trace_id: str) -> dict[str, dict[str, Any]]:
        """The content attributes of every span of one trace that has any, by span id: one
        read round instead of one per span."""
        with self._connection() as con:
            return trace_content(con, trace_id)

    # --- whole spans (trace files, OTLP export, replay) -----------------------------------------

    def trace_spans(self, id_or_prefix: str, *, with_content: bool = True) -> list[OtlpSpan]:
        """Every span of one trace as :class:`~tracekit.otlp.OtlpSpan`, by start time: content
        attributes merged back into ``attributes`` (unless ``with_content=False``), events,
        links, resource, scope and status as recorded (after scrubbing).

        Raises TraceNotFoundError when no trace or several traces match.
        """
        from tracekit.store.stored_spans import load_otlp_spans

        with gc_paused(), self._connection() as con:
            trace_id = _resolve(con, id_or_prefix)
            return load_otlp_spans(con, [trace_id], None, with_content)

    def iter_spans(
        self,
        *,
        trace_ids: Sequence[str] | None = None,
        since_ns: int | None = None,
        with_content: bool = True,
        batch_size: int = 5_000,
    ) -> Iterator[OtlpSpan]:
        """Stream stored spans as :class:`~tracekit.otlp.OtlpSpan`, trace by trace (traces by
        start time, spans of a trace together and by start time).

        ``trace_ids`` (ids or unique prefixes; all resolved before the first span, so an
        unknown one raises TraceNotFoundError up front) limits to those traces; ``since_ns``
        to traces that started at or after it. Spans are read in rounds of whole traces,
        about ``batch_size`` spans each, one short read-only connection per round: the store
        is never loaded whole, and recording processes can fold between rounds.
        """
        if batch_size < 1:
            raise ConfigError("batch_size must be at least 1")
        if trace_ids is not None:
            with self._connection() as con:
                resolved = list(dict.fromkeys(_resolve(con, given) for given in trace_ids))
                counts = dict(
                    con.execute(
                        "SELECT trace_id, span_count FROM traces "
                        "WHERE trace_id IN (SELECT unnest(?::VARCHAR[]))",
                        [resolved],
                    ).fetchall()
                )
            chunk: list[str] = []
            spans_in_chunk = 0
            for trace_id in resolved:
                chunk.append(trace_id)
                spans_in_chunk += int(counts.get(trace_id, 0))
                if spans_in_chunk >= batch_size:
                    yield from self._spans_of(chunk, since_ns, with_content)
                    chunk, spans_in_chunk = [], 0
            if chunk:
                yield from self._spans_of(chunk, since_ns, with_content)
            return
        from tracekit.store.stored_spans import load_otlp_spans, trace_page

        after: tuple[int, str] | None = None
        while True:
            with gc_paused(), self._connection() as con:
                page = trace_page(con, after, since_ns, batch_size)
                if not page:
                    return
                after = (page[-1][1], page[-1][0])
                spans = load_otlp_spans(con, [row[0] for row in page], None, with_content)
            yield from spans

    def _spans_of(
        self, trace_ids: list[str], since_ns: int | None, with_content: bool
    ) -> list[OtlpSpan]:
        from tracekit.store.stored_spans import load_otlp_spans

        with gc_paused(), self._connection() as con:
            return load_otlp_spans(con, trace_ids, since_ns, with_content)

    # --- aggregates ---------------------------------------------------------------------------

    def stats(self, by: StatsDimension) -> list[StatsRow]:
        """Counts, error rates, latency percentiles, tokens and cost per agent, model or
        workflow, busiest first (see :func:`tracekit.store.stats.read_stats`)."""
        from tracekit.store.stats import check_dimension, read_stats

        check_dimension(by)
        with self._connection() as con:
            return read_stats(con, by)

    def figures(self, query: FigureQuery) -> list[GroupFigures]:
        """The operations figures per agent, model, workflow, tool or service, whole or per
        time bucket: success, error, stop, retry and fallback rates, latency percentiles,
        tokens, cost per run and the top failure modes (see
        :mod:`tracekit.store.analytics`). One read round.

        Raises ConfigError for a bad dimension or too many buckets.
        """
        from tracekit.store.analytics import read_figures

        with self._connection() as con:
            return read_figures(con, query)

    def figure_rows(self, query: FigureQuery) -> list[FigureRow]:
        """:meth:`figures` as plain rows (named tuples of the same fields), without pydantic:
        what ``tracekit stats`` prints as a table or CSV. One read round."""
        from tracekit.store.analytics import read_figure_rows

        with self._connection() as con:
            return read_figure_rows(con, query)

    def sessions(
        self, query: str | TraceFilter = "", *, limit: int = 50, offset: int = 0
    ) -> SessionPage:
        """A page of sessions (runs sharing a ``session.id`` or ``gen_ai.conversation.id``)
        of the runs matching a filter expression, latest activity first, with runs, turns,
        tokens, cost and duration (see :mod:`tracekit.store.sessions`). One read round.

        Raises FilterError for a filter that cannot be parsed.
        """
        if limit < 0 or offset < 0:
            raise ConfigError("limit and offset must not be negative")
        parsed = query if isinstance(query, TraceFilter) else parse_filter(query)
        with self._connection() as con:
            from tracekit.store.sessions import read_sessions

            return read_sessions(con, parsed, limit=limit, offset=offset)

    def anomalies(self, query: AnomalyQuery) -> AnomalyReport:
        """The groups whose recent figures depart from their own baseline (see
        :mod:`tracekit.store.anomalies` for the method). One read round.

        Raises ConfigError for a baseline too short for the window.
        """
        with self._connection() as con:
            # Imported here: the detector loads Rich's number formatting, which listings skip.
            from tracekit.store.anomalies import find_anomalies

            return find_anomalies(con, query)

    def sql(
        self,
        text: str,
        consume: Callable[[pa.RecordBatchReader], _T],
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> _T:
        """Run a user's SELECT (one statement, read-only, no file access, at most
        ``timeout_s`` seconds) against the store with pending segments folded and the named
        views (``runs``, ``agent_calls``, ``llm_calls``, ``tool_calls``) in place; its result
        goes to ``consume`` as a stream of Arrow batches, within the read round.

        Raises QueryError for a refused, bad, failing or too slow statement.
        """
        from tracekit.store.sql import run_read_only

        with self._connection() as con:
            return run_read_only(con, text, consume, timeout_s=timeout_s)

    # --- browsing (the TUI) --------------------------------------------------------------------

    def page_traces(
        self,
        query: str | TraceFilter = "",
        *,
        order: str = "time desc",
        limit: int = 100,
        offset: int = 0,
    ) -> TracePage:
        """A page of traces matching a filter expression (see :mod:`tracekit.store.filters`),
        sorted by any column of :data:`SORT_COLUMNS`, with the number of matches: what the
        TUI's list and ``tracekit traces`` show.

        Raises FilterError for a filter that cannot be parsed, ConfigError for a bad order.
        """
        from tracekit.store.models import TracePage

        page = self.page_trace_rows(query, order=order, limit=limit, offset=offset)
        return TracePage.model_construct(
            traces=summaries(page.rows),
            offset=page.offset,
            total=page.total,
            order=page.order,
            query=page.query,
        )

    def page_trace_rows(
        self,
        query: str | TraceFilter = "",
        *,
        order: str = "time desc",
        limit: int = 100,
        offset: int = 0,
    ) -> TraceRowPage:
        """:meth:`page_traces` as plain :class:`~tracekit.store.trace_rows.TraceRow` tuples,
        without pydantic: what ``tracekit traces`` prints.

        Raises FilterError for a filter that cannot be parsed, ConfigError for a bad order.
        """
        parsed = query if isinstance(query, TraceFilter) else parse_filter(query)
        return self._page(parsed, order, limit, offset, with_total=True)

    def traces_newer_than(
        self, start_ns: int, query: str | TraceFilter = "", *, limit: int = 100
    ) -> list[TraceSummary]:
        """Traces (matching the filter) that started after ``start_ns``, newest first: what a
        live view polls for."""
        parsed = query if isinstance(query, TraceFilter) else parse_filter(query)
        newer = parsed.and_where("start_ns > ?", start_ns)
        return summaries(self._page(newer, "time desc", limit, 0, with_total=False).rows)

    def listing_start(
        self, query: str | TraceFilter = "", *, order: str = "time desc", limit: int = 100
    ) -> tuple[tuple[int, int], TraceRowPage]:
        """:meth:`change_marker` and the first page of :meth:`page_trace_rows`, read in one
        round (one open of the store instead of two): what a live listing starts from. Both
        come from the same snapshot, so a change after it moves the marker.

        Raises FilterError for a filter that cannot be parsed, ConfigError for a bad order.
        """
        parsed = query if isinstance(query, TraceFilter) else parse_filter(query)
        order_clause(order)  # a bad order fails before the store is opened
        with self._connection() as con:
            marker = change_marker(con)
            page = page_rows(con, parsed, order, limit, 0, with_total=True)
        return marker, page

    def _page(
        self, matching: TraceFilter, order: str, limit: int, offset: int, *, with_total: bool
    ) -> TraceRowPage:
        # The one query behind every trace listing.
        if limit < 0 or offset < 0:
            raise ConfigError("limit and offset must not be negative")
        order_clause(order)  # a bad order fails before the store is opened
        with self._connection() as con:
            return page_rows(con, matching, order, limit, offset, with_total=with_total)

    def forks_of(self, id_or_prefix: str) -> list[TraceSummary]:
        """The traces forked from a trace (``tracekit fork``), oldest first."""
        with self._connection() as con:
            return forks(con, _resolve(con, id_or_prefix))

    def change_marker(self) -> tuple[int, int]:
        """A value that changes whenever spans are folded into the store: (time of the last
        fold, number of traces). Cheap; a live view compares it between polls."""
        with self._connection() as con:
            return change_marker(con)

    def stats_series(
        self, by: StatsDimension, *, buckets: int = 24, keys: list[str | None] | None = None
    ) -> list[StatsSeries]:
        """Per agent, model or workflow: count, errors, p50/p95 latency, tokens and cost in
        ``buckets`` equal time buckets spanning the store's traces (for charts over time).

        ``keys`` limits the result to those keys (default: the five busiest of :meth:`stats`).
        Rows are counted as in :meth:`stats`.
        """
        from tracekit.store.stats import check_dimension, read_stats, read_stats_series

        if buckets < 1:
            raise ConfigError("buckets must be at least 1")
        check_dimension(by)
        with self._connection() as con:
            if keys is None:
                keys = [row.key for row in read_stats(con, by)[:5]]
            return read_stats_series(con, by, buckets=buckets, keys=keys)

    # --- eval experiments ----------------------------------------------------------------------

    def list_experiments(self, *, suite: str | None = None, limit: int = 50) -> list[ExperimentRow]:
        """Stored eval experiments, newest first (of ``suite`` when given)."""
        with self._connection() as con:
            from tracekit.store.experiments import list_experiments

            return list_experiments(con, suite=suite, limit=limit)

    def get_experiment(self, id_or_prefix: str) -> tuple[ExperimentRow, list[ExperimentCaseRow]]:
        """One experiment (by id or unique prefix) and its case rows in suite order.

        Raises StoreError when no experiment or several match.
        """
        with self._connection() as con:
            # Imported here: experiments' module loads Arrow (they are written as a batch).
            from tracekit.store.experiments import experiment_cases, resolve_experiment

            experiment = resolve_experiment(con, id_or_prefix)
            return experiment, experiment_cases(con, experiment.experiment_id)

    # --- connection rounds --------------------------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        deadline = time.monotonic() + self._wait_s
        _write_journaled_runs(self.paths)
        # A recorder killed before its writer's round left its last runs in a journal.
        segments = pending_segments(self.paths)
        pending = bool(segments) or _has_orphaned_journals(self.paths)
        if not pending and not self.paths.db.exists():
            raise StoreNotFoundError(
                f"no store at {self.paths.db} (run `tracekit demo` or record a workflow first)"
            )
        if self.paths.db.exists() and not self.paths.db.is_file():
            raise StoreError(f"the store path {self.paths.db} is not a file")
        if pending:
            if self._fold(segments) is None:
                raise StoreLockedError(
                    f"the store {self.paths.db} stayed busy for {self._wait_s:g} s"
                )
            if not self.paths.db.exists():
                # Nothing to fold after all (a dead recorder's journal with no finished run).
                raise StoreNotFoundError(
                    f"no store at {self.paths.db} (run `tracekit demo` or record a workflow first)"
                )
        priced = False
        for attempt in range(3):
            remaining = max(0.0, deadline - time.monotonic())
            with store_lock(self.paths, exclusive=False, timeout_s=remaining) as held:
                if not held:
                    raise StoreLockedError(
                        f"the store {self.paths.db} stayed busy for {self._wait_s:g} s"
                    )
                con = connect(self.paths.db, read_only=True, wait_s=remaining)
                try:
                    version = self._version(con)
                    if version >= SCHEMA_VERSION:
                        prices = None if priced else self._changed_prices(con)
                        if prices is None:
                            try:
                                yield con
                            except engine.Error as error:
                                if is_damage(error):
                                    raise damaged_store_error(self.paths.db, error) from None
                                raise
                            return
                    elif attempt == 2:
                        raise StoreError(f"{self.paths.db}: migrating the store failed")
                finally:
                    con.close()
            remaining = max(0.0, deadline - time.monotonic())
            if version < SCHEMA_VERSION:
                # An older store: migrate it once (read-write, exclusive), then read again.
                from tracekit.store.fold import migrate_store

                migrate_store(self.paths, wait_s=remaining)
            else:
                # Prices apply at read time: this process's table differs from the one the
                # stored costs were priced with, so re-price once, then read.
                priced = True
                self._reprice(prices, remaining)

    def _changed_prices(self, con: Any) -> PriceTable | None:
        """This process's price table when the store's costs were priced with another."""
        # Compared as canonical JSON, built from the plain built-in values where no file
        # overrides them: the table itself is built only when it is needed to re-price.
        own = default_canonical_prices()
        if own == self._prices_checked:
            return None
        if recorded_prices(con) == own:
            self._prices_checked = own
            return None
        from tracekit.pricing import PriceTable

        return PriceTable.default()

    def _reprice(self, table: PriceTable | None, wait_s: float) -> None:
        assert table is not None
        from tracekit.store.reprice import reprice_store

        try:
            reprice_store(self.paths, table, wait_s=wait_s)
        except StoreError as error:
            # A store this process may read but not write: show the costs as stored.
            if not self._unwritable_said:
                self._unwritable_said = True
                _warn("tracekit: cannot re-price the store with this price table: %s", error)
        self._prices_checked = canonical_prices(table)

    def reprice(self, table: PriceTable | None = None) -> RepriceResult:
        """Re-price every stored model call whose cost did not come from its source with
        ``table`` (default: this process's table, ``TRACEKIT_PRICES`` over the built-in one)
        and record it as the store's table (see :mod:`tracekit.store.reprice`)."""
        with self._connection():
            pass  # folds pending segments and migrates an older store first
        from tracekit.pricing import PriceTable
        from tracekit.store.reprice import reprice_store

        table = table if table is not None else PriceTable.default()
        result = reprice_store(self.paths, table, wait_s=self._wait_s)
        self._prices_checked = canonical_prices(table)
        return result

    def _fold(self, segments: Sequence[Path]) -> FoldResult | None:
        # Arrow (and the fold) load only when there is something to fold: a read of a
        # quiet store (`tracekit traces`) needs neither.
        from tracekit.store.fold import FoldResult, fold_pending

        try:
            return fold_pending(self.paths, wait_s=self._wait_s, db_wait_s=self._wait_s)
        except StoreLockedError:
            raise
        except StoreError:
            try:
                self.paths.check_writable()
            except StoreError:
                # A store this process may read but not write (a read-only mount, another
                # user's files): what is folded already is still worth showing. Said once
                # per TraceStore: a live view reads every second.
                if self._unwritable_said:
                    return FoldResult(segments=0, spans=0)
                self._unwritable_said = True
                _warn(
                    "tracekit: %d segment(s) in %s cannot be folded here (the store is not "
                    "writable); showing what was folded before",
                    len(segments),
                    self.paths.spool,
                )
                return FoldResult(segments=0, spans=0)
            raise
        except engine.Error as error:
            if is_damage(error):
                raise damaged_store_error(self.paths.db, error) from None
            raise StoreError(f"cannot fold into the store {self.paths.db}: {error}") from None
        except OSError as error:
            raise StoreError(
                f"cannot fold into the store {self.paths.db}: {error.strerror or error}"
            ) from None

    def _version(self, con: Any) -> int:
        try:
            version = read_schema_version(con)
            check_readable(version)
        except engine.Error as error:
            if is_damage(error):
                raise damaged_store_error(self.paths.db, error) from None
            raise
        except StoreError as error:
            raise StoreError(f"{self.paths.db}: {error}") from None
        assert version is not None
        return version


def _write_journaled_runs(paths: StorePaths) -> None:
    # Only a process that records has journaled runs, and it has loaded the processor: a
    # process that only reads (`tracekit traces`) need not load it and the OTel SDK.
    processor = sys.modules.get("tracekit.store.processor")
    if processor is not None:
        processor.write_journaled_runs(paths)


def _has_orphaned_journals(paths: StorePaths) -> bool:
    # Listing the spool is cheap; the journal reader (and Arrow) loads only if there are any.
    if not journal_files(paths):
        return False
    from tracekit.store.journal import has_orphaned_journals

    return has_orphaned_journals(paths)
