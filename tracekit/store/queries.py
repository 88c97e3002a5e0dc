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

import gc
import json
import os
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import TypeAdapter

from tracekit import semconv as sc
from tracekit.exceptions import (
    ConfigError,
    StoreError,
    StoreLockedError,
    StoreNotFoundError,
    TraceNotFoundError,
)
from tracekit.otlp.model import OtlpSpan
from tracekit.store.db import connect
from tracekit.store.filters import TraceFilter, parse_filter
from tracekit.store.fold import fold_pending, migrate_store
from tracekit.store.models import (
    SeriesPoint,
    SpanRecord,
    StatsDimension,
    StatsRow,
    StatsSeries,
    TraceDetail,
    TraceOutline,
    TracePage,
    TraceSummary,
)
from tracekit.store.outline import read_outline as _read_outline
from tracekit.store.paths import StorePaths, store_lock
from tracekit.store.schema import SCHEMA_VERSION, check_readable, read_schema_version
from tracekit.store.spool import pending_segments
from tracekit.store.stored_spans import load_otlp_spans as _load_otlp_spans
from tracekit.store.stored_spans import trace_page as _trace_page

#: How long a reader waits for a busy store before StoreLockedError.
DEFAULT_WAIT_S = 10.0

_TRACE_COLUMNS = (
    "trace_id, start_ns, end_ns, duration_ns, root_name, workflow, status, stop_reason, "
    "span_count, steps, input_tokens, output_tokens, cost_usd, error_count, agents, service_name"
)
_TRACE_FIELDS = tuple(name.strip() for name in _TRACE_COLUMNS.split(","))

_SPAN_FIELDS = (
    "trace_id",
    "span_id",
    "parent_span_id",
    "name",
    "kind",
    "start_ns",
    "end_ns",
    "duration_ns",
    "status_code",
    "status_message",
    "service_name",
    "scope_name",
    "operation",
    "workflow",
    "agent",
    "agent_path",
    "model",
    "provider",
    "tool",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_creation_tokens",
    "cost_usd",
    "error_type",
    "attributes",
    "resource",
    "events",
)

#: ``order`` values :meth:`TraceStore.list_traces` accepts, by the column they sort on.
SORT_COLUMNS: dict[str, str] = {
    "start": "start_ns",
    "duration": "duration_ns",
    "cost": "cost_usd",
    "tokens": "input_tokens + output_tokens",
    "spans": "span_count",
    "steps": "steps",
    "errors": "error_count",
    "workflow": "workflow",
    "status": "status",
}
#: ``order`` values :meth:`TraceStore.page_traces` accepts: every column the TUI shows.
BROWSE_SORT_COLUMNS: dict[str, str] = {
    **SORT_COLUMNS,
    "time": "start_ns",
    "id": "trace_id",
    "agents": "agents",
}
_ORDER = re.compile(r"^\s*(\w+)(?:\s+(asc|desc))?\s*$", re.IGNORECASE)
_HEX = re.compile(r"^[0-9a-f]{1,32}$")
_LLM_OPERATIONS = sorted(sc.STEP_OPERATIONS - {sc.OP_EXECUTE_TOOL})
_QUANTILES = [0.5, 0.95, 0.99]
_SPAN_LIST = TypeAdapter(list[SpanRecord])


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
        """A page of trace summaries, newest first by default.

        ``order`` is ``"<column> [asc|desc]"`` with a column from :data:`SORT_COLUMNS`;
        ``workflow`` and ``status`` filter on equality.
        """
        if limit < 0 or offset < 0:
            raise ConfigError("limit and offset must not be negative")
        where, params = _trace_filter(workflow, status)
        sql = (
            f"SELECT {_TRACE_COLUMNS} FROM traces{where} "
            f"ORDER BY {_order_by(order)}, trace_id LIMIT ? OFFSET ?"
        )
        with self._connection() as con:
            rows = con.execute(sql, [*params, limit, offset]).fetchall()
        return [_trace_summary(row) for row in rows]

    def count_traces(self, *, workflow: str | None = None, status: str | None = None) -> int:
        """How many traces match the filters (for paging)."""
        where, params = _trace_filter(workflow, status)
        with self._connection() as con:
            row = con.execute(f"SELECT count(*) FROM traces{where}", params).fetchone()
        return int(row[0]) if row else 0

    def resolve_trace_id(self, id_or_prefix: str) -> str:
        """The full id of the one trace whose id starts with ``id_or_prefix``.

        Raises TraceNotFoundError when no trace or several traces match.
        """
        with self._connection() as con:
            return _resolve(con, id_or_prefix)

    def get_trace(self, id_or_prefix: str) -> TraceDetail:
        """A trace with all its spans in tree order and events parsed."""
        with _gc_paused(), self._connection() as con:
            trace_id = _resolve(con, id_or_prefix)
            summary_row = con.execute(
                f"SELECT {_TRACE_COLUMNS} FROM traces WHERE trace_id = ?", [trace_id]
            ).fetchone()
            span_rows = con.execute(
                f"SELECT {', '.join(_SPAN_FIELDS)} FROM spans WHERE trace_id = ?", [trace_id]
            ).fetchall()
            with_content = {
                row[0]
                for row in con.execute(
                    "SELECT span_id FROM span_content WHERE trace_id = ?", [trace_id]
                ).fetchall()
            }
            if summary_row is None:
                raise TraceNotFoundError(f"no trace matches {id_or_prefix!r}")
            spans = _tree_order(span_rows, with_content)
        return TraceDetail(summary=_trace_summary(summary_row), spans=spans)

    def get_trace_outline(self, id_or_prefix: str) -> TraceOutline:
        """A trace's summary and its spans in tree order (the order of :meth:`get_trace`) as
        lean :class:`SpanOutline` tuples: attributes and events stay JSON text until a span's
        details are asked for. What a browser opens; one short read round.

        Raises TraceNotFoundError when no trace or several traces match.
        """
        with _gc_paused(), self._connection() as con:
            trace_id = _resolve(con, id_or_prefix)
            summary_row = con.execute(
                f"SELECT {_TRACE_COLUMNS} FROM traces WHERE trace_id = ?", [trace_id]
            ).fetchone()
            if summary_row is None:
                raise TraceNotFoundError(f"no trace matches {id_or_prefix!r}")
            spans = _read_outline(con, trace_id)
        return TraceOutline(summary=_trace_summary(summary_row), spans=spans)

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

    # --- whole spans (trace files, OTLP export, replay) -----------------------------------------

    def trace_spans(self, id_or_prefix: str, *, with_content: bool = True) -> list[OtlpSpan]:
        """Every span of one trace as :class:`~tracekit.otlp.OtlpSpan`, by start time: content
        attributes merged back into ``attributes`` (unless ``with_content=False``), events,
        links, resource, scope and status as recorded (after scrubbing).

        Raises TraceNotFoundError when no trace or several traces match.
        """
        with _gc_paused(), self._connection() as con:
            trace_id = _resolve(con, id_or_prefix)
            return _load_otlp_spans(con, [trace_id], None, with_content)

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
        after: tuple[int, str] | None = None
        while True:
            with _gc_paused(), self._connection() as con:
                page = _trace_page(con, after, since_ns, batch_size)
                if not page:
                    return
                after = (page[-1][1], page[-1][0])
                spans = _load_otlp_spans(con, [row[0] for row in page], None, with_content)
            yield from spans

    def _spans_of(
        self, trace_ids: list[str], since_ns: int | None, with_content: bool
    ) -> list[OtlpSpan]:
        with _gc_paused(), self._connection() as con:
            return _load_otlp_spans(con, trace_ids, since_ns, with_content)

    # --- aggregates ---------------------------------------------------------------------------

    def stats(self, by: StatsDimension) -> list[StatsRow]:
        """Counts, error rates, latency percentiles, tokens and cost per agent, model or
        workflow, busiest first.

        - ``agent``: calls, errors and latency of the agent's ``invoke_agent`` spans; tokens
          and cost of the LLM spans that ran under it.
        - ``model``: the LLM spans of each model.
        - ``workflow``: the traces of each workflow (a status other than ``ok`` is an error).
        """
        params: dict[str, object] = {"quantiles": _QUANTILES}
        if by == "agent":
            sql = _AGENT_STATS
            params.update(agent_op=sc.OP_INVOKE_AGENT, llm_ops=_LLM_OPERATIONS)
        elif by == "model":
            sql = _MODEL_STATS
            params.update(llm_ops=_LLM_OPERATIONS)
        elif by == "workflow":
            sql = _WORKFLOW_STATS
        else:
            raise ConfigError(f"cannot group stats by {by!r} (use agent, model or workflow)")
        with self._connection() as con:
            rows = con.execute(sql, params).fetchall()
        return [_stats_row(row) for row in rows]

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
        sorted by any column of :data:`BROWSE_SORT_COLUMNS`, with the number of matches.

        Raises FilterError for a filter that cannot be parsed, ConfigError for a bad order.
        """
        if limit < 0 or offset < 0:
            raise ConfigError("limit and offset must not be negative")
        parsed = query if isinstance(query, TraceFilter) else parse_filter(query)
        order_sql = _browse_order_by(order)
        where = parsed.clause()
        with self._connection() as con:
            rows = con.execute(
                f"SELECT {_TRACE_COLUMNS} FROM traces{where} "
                f"ORDER BY {order_sql}, trace_id LIMIT ? OFFSET ?",
                [*parsed.params, limit, offset],
            ).fetchall()
            total = con.execute(f"SELECT count(*) FROM traces{where}", parsed.params).fetchone()
        return TracePage(
            traces=[_trace_summary(row) for row in rows],
            offset=offset,
            total=int(total[0]) if total else 0,
            order=order,
            query=parsed.text,
        )

    def traces_newer_than(
        self, start_ns: int, query: str | TraceFilter = "", *, limit: int = 100
    ) -> list[TraceSummary]:
        """Traces (matching the filter) that started after ``start_ns``, newest first: what a
        live view polls for."""
        parsed = query if isinstance(query, TraceFilter) else parse_filter(query)
        condition = f"({parsed.where}) AND start_ns > ?" if parsed.where else "start_ns > ?"
        with self._connection() as con:
            rows = con.execute(
                f"SELECT {_TRACE_COLUMNS} FROM traces WHERE {condition} "
                "ORDER BY start_ns DESC, trace_id LIMIT ?",
                [*parsed.params, start_ns, limit],
            ).fetchall()
        return [_trace_summary(row) for row in rows]

    def change_marker(self) -> tuple[int, int]:
        """A value that changes whenever spans are folded into the store: (time of the last
        fold, number of traces). Cheap; a live view compares it between polls."""
        with self._connection() as con:
            row = con.execute(
                "SELECT (SELECT coalesce(max(folded_at_ns), 0) FROM folded_segments), "
                "(SELECT count(*) FROM traces)"
            ).fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)

    def stats_series(
        self, by: StatsDimension, *, buckets: int = 24, keys: list[str | None] | None = None
    ) -> list[StatsSeries]:
        """Per agent, model or workflow: count, errors, p50/p95 latency, tokens and cost in
        ``buckets`` equal time buckets spanning the store's traces (for charts over time).

        ``keys`` limits the result to those keys (default: the five busiest of :meth:`stats`).
        Rows are counted as in :meth:`stats`.
        """
        if buckets < 1:
            raise ConfigError("buckets must be at least 1")
        if by not in _SERIES_SOURCES:
            raise ConfigError(f"cannot group stats by {by!r} (use agent, model or workflow)")
        if keys is None:
            keys = [row.key for row in self.stats(by)[:5]]
        with self._connection() as con:
            bounds = con.execute("SELECT min(start_ns), max(start_ns) FROM traces").fetchone()
            if not keys or bounds is None or bounds[0] is None:
                return []
            low, high = int(bounds[0]), int(bounds[1])
            width = max(1, -(-(high - low + 1) // buckets))
            sql = _SERIES_SQL.format(source=_SERIES_SOURCES[by])
            params: dict[str, object] = {
                "low": low,
                "width": width,
                "last": buckets - 1,
                "keys": [key for key in keys if key is not None],
                "null_key": None in keys,
                "agent_op": sc.OP_INVOKE_AGENT,
                "llm_ops": _LLM_OPERATIONS,
            }
            # DuckDB refuses named parameters a statement does not use.
            used = {name: value for name, value in params.items() if f"${name}" in sql}
            rows = con.execute(sql, used).fetchall()
        by_key: dict[str | None, list[SeriesPoint]] = {key: [] for key in keys}
        for key, bucket, count, errors, p50, p95, tokens_in, tokens_out, cost in rows:
            by_key.setdefault(key, []).append(
                SeriesPoint(
                    bucket_start_ns=low + int(bucket) * width,
                    count=int(count or 0),
                    error_count=int(errors or 0),
                    p50_ms=p50 / 1e6 if p50 is not None else None,
                    p95_ms=p95 / 1e6 if p95 is not None else None,
                    input_tokens=int(tokens_in or 0),
                    output_tokens=int(tokens_out or 0),
                    cost_usd=float(cost or 0.0),
                )
            )
        return [
            StatsSeries(key=key, bucket_ns=width, points=points) for key, points in by_key.items()
        ]

    # --- connection rounds --------------------------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        deadline = time.monotonic() + self._wait_s
        segments = pending_segments(self.paths)
        if not segments and not self.paths.db.exists():
            raise StoreNotFoundError(
                f"no store at {self.paths.db} (run `tracekit demo` or record a workflow first)"
            )
        if self.paths.db.exists() and not self.paths.db.is_file():
            raise StoreError(f"the store path {self.paths.db} is not a file")
        if (
            segments
            and fold_pending(self.paths, wait_s=self._wait_s, db_wait_s=self._wait_s) is None
        ):
            raise StoreLockedError(f"the store {self.paths.db} stayed busy for {self._wait_s:g} s")
        for attempt in range(2):
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
                        yield con
                        return
                    if attempt == 1:
                        raise StoreError(f"{self.paths.db}: migrating the store failed")
                finally:
                    con.close()
            # An older store: migrate it once (read-write, exclusive), then read again.
            migrate_store(self.paths, wait_s=max(0.0, deadline - time.monotonic()))

    def _version(self, con: Any) -> int:
        try:
            version = read_schema_version(con)
            check_readable(version)
        except StoreError as error:
            raise StoreError(f"{self.paths.db}: {error}") from None
        assert version is not None
        return version


@contextmanager
def _gc_paused() -> Iterator[None]:
    # Building tens of thousands of acyclic objects triggers a cascade of cyclic-GC passes
    # that doubled the time to load a 10,000-span trace; none of them could free anything.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _trace_filter(workflow: str | None, status: str | None) -> tuple[str, list[Any]]:
    clauses, params = [], []
    if workflow is not None:
        clauses.append("workflow = ?")
        params.append(workflow)
    if status is not None:
        clauses.append("status = ?")
        params.append(status)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def _order_by(order: str) -> str:
    match = _ORDER.match(order)
    column = SORT_COLUMNS.get(match.group(1).lower()) if match else None
    if match is None or column is None:
        raise ConfigError(
            f"cannot sort traces by {order!r} (use one of {', '.join(SORT_COLUMNS)}, "
            "optionally followed by asc or desc)"
        )
    direction = (match.group(2) or "asc").upper()
    return f"{column} {direction}"


def _resolve(con: Any, id_or_prefix: str) -> str:
    prefix = id_or_prefix.strip().lower()
    if not _HEX.match(prefix):
        raise TraceNotFoundError(f"no trace matches {id_or_prefix!r} (trace ids are hex digits)")
    if len(prefix) == 32:
        row = con.execute("SELECT trace_id FROM traces WHERE trace_id = ?", [prefix]).fetchone()
        if row is None:
            raise TraceNotFoundError(f"no trace matches {id_or_prefix!r}")
        return str(row[0])
    rows = con.execute(
        "SELECT trace_id FROM traces WHERE starts_with(trace_id, ?) LIMIT 2", [prefix]
    ).fetchall()
    if not rows:
        raise TraceNotFoundError(f"no trace matches {id_or_prefix!r}")
    if len(rows) > 1:
        count = con.execute(
            "SELECT count(*) FROM traces WHERE starts_with(trace_id, ?)", [prefix]
        ).fetchone()
        raise TraceNotFoundError(
            f"{count[0] if count else 'several'} traces match {id_or_prefix!r}; give more of the id"
        )
    return str(rows[0][0])


def _trace_summary(row: tuple[Any, ...]) -> TraceSummary:
    return TraceSummary.model_validate(dict(zip(_TRACE_FIELDS, row, strict=True)))


def _tree_order(rows: list[tuple[Any, ...]], with_content: set[str]) -> list[SpanRecord]:
    """Spans depth-first: parent before children, siblings (and orphans) by start time."""
    rows.sort(key=lambda row: (row[5], row[1]))  # start_ns, span_id
    ids = {row[1] for row in rows}
    children: dict[str | None, list[tuple[Any, ...]]] = {}
    for row in rows:
        parent = row[2] if row[2] in ids and row[2] != row[1] else None
        children.setdefault(parent, []).append(row)
    ordered: list[dict[str, Any]] = []
    seen: set[str] = set()
    stack: list[tuple[tuple[Any, ...], int]] = [
        (row, 0) for row in reversed(children.get(None, []))
    ]
    while stack:
        row, depth = stack.pop()
        if row[1] in seen:
            continue
        seen.add(row[1])
        ordered.append(_span_values(row, depth, with_content))
        stack.extend((child, depth + 1) for child in reversed(children.get(row[1], [])))
    # Spans caught in a parent cycle (malformed foreign data) are still shown, at the top.
    ordered.extend(_span_values(row, 0, with_content) for row in rows if row[1] not in seen)
    return _SPAN_LIST.validate_python(ordered)


def _span_values(row: tuple[Any, ...], depth: int, with_content: set[str]) -> dict[str, Any]:
    values = dict(zip(_SPAN_FIELDS, row, strict=True))
    values["depth"] = depth
    values["has_content"] = row[1] in with_content
    return values


def _stats_row(row: tuple[Any, ...]) -> StatsRow:
    key, count, errors, quantiles, input_tokens, output_tokens, cost = row
    p50, p95, p99 = (q / 1e6 if q is not None else None for q in (quantiles or [None] * 3))
    return StatsRow(
        key=key,
        count=int(count or 0),
        error_count=int(errors or 0),
        error_rate=(errors or 0) / count if count else 0.0,
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        input_tokens=int(input_tokens or 0),
        output_tokens=int(output_tokens or 0),
        cost_usd=float(cost or 0.0),
    )


_AGENT_STATS = """
WITH calls AS (
    SELECT agent AS key,
           count(*) AS count,
           count(*) FILTER (WHERE status_code = 'ERROR') AS errors,
           quantile_cont(duration_ns, $quantiles) AS quantiles
    FROM spans
    WHERE operation = $agent_op AND agent IS NOT NULL
    GROUP BY agent
),
usage AS (
    SELECT agent AS key,
           sum(input_tokens) AS input_tokens,
           sum(output_tokens) AS output_tokens,
           sum(cost_usd) AS cost_usd
    FROM spans
    WHERE list_contains($llm_ops, operation) AND agent IS NOT NULL
    GROUP BY agent
)
SELECT key, coalesce(count, 0), coalesce(errors, 0), quantiles,
       input_tokens, output_tokens, cost_usd
FROM calls FULL OUTER JOIN usage USING (key)
ORDER BY coalesce(count, 0) DESC, key
"""

_MODEL_STATS = """
SELECT model AS key,
       count(*),
       count(*) FILTER (WHERE status_code = 'ERROR'),
       quantile_cont(duration_ns, $quantiles),
       sum(input_tokens),
       sum(output_tokens),
       sum(cost_usd)
FROM spans
WHERE list_contains($llm_ops, operation)
GROUP BY model
ORDER BY count(*) DESC, model NULLS LAST
"""

_WORKFLOW_STATS = """
SELECT workflow AS key,
       count(*),
       count(*) FILTER (WHERE status <> 'ok'),
       quantile_cont(duration_ns, $quantiles),
       sum(input_tokens),
       sum(output_tokens),
       sum(cost_usd)
FROM traces
GROUP BY workflow
ORDER BY count(*) DESC, workflow
"""


def _browse_order_by(order: str) -> str:
    match = _ORDER.match(order)
    column = BROWSE_SORT_COLUMNS.get(match.group(1).lower()) if match else None
    if match is None or column is None:
        raise ConfigError(
            f"cannot sort traces by {order!r} (use one of {', '.join(BROWSE_SORT_COLUMNS)}, "
            "optionally followed by asc or desc)"
        )
    return f"{column} {(match.group(2) or 'asc').upper()}"


# Each source yields (key, start_ns, duration_ns, is_call, is_error, tokens in/out, cost);
# ``is_call`` rows count towards count/errors/latency, the others only towards usage.
_SERIES_SOURCES: dict[str, str] = {
    "agent": """
        SELECT agent AS key, start_ns, duration_ns, operation = $agent_op AS is_call,
               status_code = 'ERROR' AS is_error,
               CASE WHEN operation = $agent_op THEN NULL ELSE input_tokens END AS tokens_in,
               CASE WHEN operation = $agent_op THEN NULL ELSE output_tokens END AS tokens_out,
               CASE WHEN operation = $agent_op THEN NULL ELSE cost_usd END AS cost
        FROM spans
        WHERE agent IS NOT NULL
          AND (operation = $agent_op OR list_contains($llm_ops, operation))""",
    "model": """
        SELECT model AS key, start_ns, duration_ns, true AS is_call,
               status_code = 'ERROR' AS is_error, input_tokens AS tokens_in,
               output_tokens AS tokens_out, cost_usd AS cost
        FROM spans
        WHERE list_contains($llm_ops, operation)""",
    "workflow": """
        SELECT workflow AS key, start_ns, duration_ns, true AS is_call,
               status <> 'ok' AS is_error, input_tokens AS tokens_in,
               output_tokens AS tokens_out, cost_usd AS cost
        FROM traces""",
}

_SERIES_SQL = """
WITH source AS ({source})
SELECT key,
       least(($last)::BIGINT, (start_ns - $low) // $width) AS bucket,
       count(*) FILTER (WHERE is_call),
       count(*) FILTER (WHERE is_call AND is_error),
       quantile_cont(duration_ns, 0.5) FILTER (WHERE is_call),
       quantile_cont(duration_ns, 0.95) FILTER (WHERE is_call),
       sum(tokens_in),
       sum(tokens_out),
       sum(cost)
FROM source
WHERE list_contains($keys, key) OR (key IS NULL AND $null_key)
GROUP BY ALL
ORDER BY key NULLS LAST, bucket
"""
