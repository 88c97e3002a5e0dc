"""The reads behind :class:`~tracekit.store.queries.TraceStore`'s trace calls, each on an
open connection: the caller owns the connection, its lock and its read round."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal, overload

from tracekit.exceptions import ConfigError, TraceNotFoundError
from tracekit.store.filters import TraceFilter, order_clause
from tracekit.store.lineage import fork_lineage, forks_of, is_fork_service
from tracekit.store.summary import TRACE_FIGURES
from tracekit.store.trace_ids import resolve_trace_id as _resolve
from tracekit.store.trace_rows import TraceRow, TraceRowPage

if TYPE_CHECKING:
    from pydantic import TypeAdapter

    from tracekit.store.models import SpanRecord, TraceOutline, TraceSummary

#: The columns of a listing, in the order of TraceRow's fields.
TRACE_COLUMNS = (
    "trace_id, start_ns, end_ns, duration_ns, root_name, workflow, status, stop_reason, "
    f"span_count, steps, {TRACE_FIGURES}, unpriced_spans, error_count, agents, service_name"
)

#: ``list[SpanRecord]``'s validator, built the first time a whole trace is read: a listing
#: (``tracekit traces``) never needs it (see :func:`span_list`).
_SPAN_LIST: TypeAdapter[list[SpanRecord]] | None = None


def trace_row(con: Any, id_or_prefix: str) -> TraceRow:
    """The store's row of the one trace ``id_or_prefix`` names, with its fork lineage;
    TraceNotFoundError when no trace or several traces match."""
    trace_id = _resolve(con, id_or_prefix)
    row = con.execute(
        f"SELECT {TRACE_COLUMNS} FROM traces WHERE trace_id = ?", [trace_id]
    ).fetchone()
    if row is None:
        raise TraceNotFoundError(f"no trace matches {id_or_prefix!r}")
    (summary,) = with_lineage(con, [TraceRow(*row)])
    return summary


@overload
def read_trace(
    con: Any, id_or_prefix: str, *, with_payloads: Literal[False] = False, columns: str = ""
) -> tuple[TraceRow, list[tuple[Any, ...]], set[str]]: ...


@overload
def read_trace(
    con: Any, id_or_prefix: str, *, with_payloads: Literal[True], columns: str = ""
) -> tuple[TraceRow, list[tuple[Any, ...]], dict[str, dict[str, Any]]]: ...


def read_trace(
    con: Any, id_or_prefix: str, *, with_payloads: bool = False, columns: str = ""
) -> tuple[TraceRow, list[tuple[Any, ...]], set[str] | dict[str, dict[str, Any]]]:
    """A trace's summary (the store's row, with its lineage), its span rows (the columns
    of ``SPAN_FIELDS``, or the SELECT list ``columns``) and the ids of its spans that have
    content (``with_payloads``: their content attributes by span id, as
    :meth:`TraceStore.get_trace_content` reads them); TraceNotFoundError when no trace or
    several traces match."""
    from tracekit.store.trace_document import SPAN_FIELDS

    summary = trace_row(con, id_or_prefix)
    trace_id = summary.trace_id
    span_rows = con.execute(
        f"SELECT {columns or ', '.join(SPAN_FIELDS)} FROM spans WHERE trace_id = ?", [trace_id]
    ).fetchall()
    if with_payloads:
        return summary, span_rows, trace_content(con, trace_id)
    with_content = {
        row[0]
        for row in con.execute(
            "SELECT span_id FROM span_content WHERE trace_id = ?", [trace_id]
        ).fetchall()
    }
    return summary, span_rows, with_content


def trace_content(con: Any, trace_id: str) -> dict[str, dict[str, Any]]:
    """See :meth:`TraceStore.get_trace_content`."""
    rows = con.execute(
        "SELECT span_id, attributes FROM span_content WHERE trace_id = ?", [trace_id]
    ).fetchall()
    content: dict[str, dict[str, Any]] = {}
    for span_id, attributes in rows:
        content.setdefault(span_id, {}).update(json.loads(attributes))
    return content


def page_rows(
    con: Any, matching: TraceFilter, order: str, limit: int, offset: int, *, with_total: bool
) -> TraceRowPage:
    """One page of a trace listing read on ``con`` (see :meth:`TraceStore.page_trace_rows`)."""
    if limit < 0 or offset < 0:
        raise ConfigError("limit and offset must not be negative")
    order_sql = order_clause(order)
    where = matching.clause()
    # With a filter, the match count comes with the page (a window over the matches,
    # before LIMIT): the filter is evaluated once, not twice; measured, that halves a
    # ``text:`` search. Without one the window is all cost (it materialises every row
    # of the table before the top-N; 20 of 20 ms CPU on 60,000 traces) and the table's
    # own count is free: counted apart.
    counted = ", count(*) OVER ()" if with_total and where else ""
    rows = con.execute(
        f"SELECT {TRACE_COLUMNS}{counted} FROM traces{where} "
        f"ORDER BY {order_sql}, trace_id LIMIT ? OFFSET ?",
        [*matching.params, limit, offset],
    ).fetchall()
    total = None
    if counted and rows:
        total = (rows[0][-1],)
        rows = [row[:-1] for row in rows]
    elif with_total:
        total = con.execute(f"SELECT count(*) FROM traces{where}", matching.params).fetchone()
    traces = with_lineage(con, [TraceRow(*row) for row in rows])
    return TraceRowPage(
        rows=traces,
        offset=offset,
        total=int(total[0]) if total else len(traces),
        order=order,
        query=matching.text,
    )


def trace_outline(con: Any, id_or_prefix: str) -> TraceOutline:
    """See :meth:`TraceStore.get_trace_outline`."""
    from tracekit.store.models import TraceOutline
    from tracekit.store.outline import read_outline

    row = trace_row(con, id_or_prefix)
    spans = read_outline(con, row.trace_id)
    (summary,) = summaries([row])
    return TraceOutline(summary=summary, spans=spans)


def forks(con: Any, trace_id: str) -> list[TraceSummary]:
    """See :meth:`TraceStore.forks_of`."""
    ids = forks_of(con, trace_id)
    if not ids:
        return []
    rows = con.execute(
        f"SELECT {TRACE_COLUMNS} FROM traces WHERE list_contains($ids, trace_id) "
        "ORDER BY start_ns, trace_id",
        {"ids": ids},
    ).fetchall()
    return summaries(with_lineage(con, [TraceRow(*row) for row in rows]))


def change_marker(con: Any) -> tuple[int, int]:
    """See :meth:`TraceStore.change_marker`."""
    row = con.execute(
        "SELECT (SELECT coalesce(max(folded_at_ns), 0) FROM folded_segments), "
        "(SELECT count(*) FROM traces)"
    ).fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def with_lineage(con: Any, traces: list[TraceRow]) -> list[TraceRow]:
    """The rows with their fork lineage (looked up for forks only)."""
    forks = [t.trace_id for t in traces if is_fork_service(t.service_name)]
    if not forks:
        return traces
    lineage = fork_lineage(con, forks)
    return [
        t._replace(parent_trace_id=lineage[t.trace_id][0], fork_at=lineage[t.trace_id][1])
        if t.trace_id in lineage
        else t
        for t in traces
    ]


def summaries(rows: list[TraceRow]) -> list[TraceSummary]:
    """The store's rows as :class:`TraceSummary` models (built without validation)."""
    # Rows of the store's own ``traces`` table, whose column types are the model's (DuckDB
    # checks them on write): built without validation, so a listing never builds the
    # model's validator (pydantic's schema build, tens of milliseconds). The lineage is
    # set only on forks, as validation left it unset before.
    from tracekit.store.models import TraceSummary

    summaries = []
    for row in rows:
        values = row._asdict()
        if row.parent_trace_id is None and row.fork_at is None:
            del values["parent_trace_id"], values["fork_at"]
        summaries.append(TraceSummary.model_construct(**values))
    return summaries


def span_list() -> TypeAdapter[list[SpanRecord]]:
    """``list[SpanRecord]``'s validator, built on first use."""
    global _SPAN_LIST
    if _SPAN_LIST is None:
        from pydantic import TypeAdapter

        from tracekit.store.models import SpanRecord

        _SPAN_LIST = TypeAdapter(list[SpanRecord])
    return _SPAN_LIST


def tree_order(rows: list[tuple[Any, ...]], with_content: set[str]) -> list[SpanRecord]:
    """Span rows (``SPAN_FIELDS``) as records in tree order, depth and content flag set."""
    from tracekit.store.tree import tree_order

    rows.sort(key=lambda row: (row[5], row[1]))  # start_ns, span_id
    ordered = [
        span_values(row, depth, with_content)
        for row, depth in tree_order(rows, id_at=1, parent_at=2)
    ]
    return span_list().validate_python(ordered)


def span_values(row: tuple[Any, ...], depth: int, with_content: set[str]) -> dict[str, Any]:
    """One span row as a SpanRecord's field values."""
    from tracekit.store.trace_document import SPAN_FIELDS

    values = dict(zip(SPAN_FIELDS, row, strict=True))
    values["depth"] = depth
    values["has_content"] = row[1] in with_content
    return values
