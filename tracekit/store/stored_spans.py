"""Stored spans back to :class:`~tracekit.otlp.OtlpSpan`: the SQL and the row decoding behind
:meth:`TraceStore.trace_spans` and :meth:`TraceStore.iter_spans`.

A span comes back as the converter stored it: its attributes with the content attributes of
``span_content`` merged back in, its resource, events, links, scope and status. Resources are
parsed once per distinct JSON text, so the spans of one process share one dict (the OTLP
encoders group by it).
"""

from __future__ import annotations

from typing import Any

import pydantic_core

from tracekit.otlp.model import OtlpEvent, OtlpLink, OtlpSpan

_COLUMNS = (
    "trace_id, span_id, parent_span_id, name, kind, start_ns, end_ns, status_code, "
    "status_message, scope_name, scope_version, attributes, resource, events, links"
)

_SPANS_SQL = f"""
SELECT {_COLUMNS} FROM spans
WHERE trace_id IN (SELECT unnest($ids::VARCHAR[]))
  AND start_ns >= $min_start
ORDER BY trace_id, start_ns, span_id
"""

_CONTENT_SQL = """
SELECT trace_id, span_id, attributes FROM span_content
WHERE trace_id IN (SELECT unnest($ids::VARCHAR[]))
"""

_PAGE_SQL = """
SELECT trace_id, start_ns, span_count FROM traces
WHERE start_ns >= $since
  AND (start_ns > $after_start OR (start_ns = $after_start AND trace_id > $after_id))
ORDER BY start_ns, trace_id
LIMIT $limit
"""


def trace_page(
    con: Any, after: tuple[int, str] | None, since_ns: int | None, max_spans: int
) -> list[tuple[str, int, int]]:
    """The next traces by (start, id) after ``after``, started at or after ``since_ns``: as
    many whole traces as hold about ``max_spans`` spans (at least one trace)."""
    after_start, after_id = after if after is not None else (-(2**63), "")
    rows = con.execute(
        _PAGE_SQL,
        {
            "since": since_ns if since_ns is not None else -(2**63),
            "after_start": after_start,
            "after_id": after_id,
            # Every trace has at least one span: this many traces always covers max_spans.
            "limit": max_spans,
        },
    ).fetchall()
    page: list[tuple[str, int, int]] = []
    spans = 0
    for trace_id, start_ns, span_count in rows:
        page.append((str(trace_id), int(start_ns), int(span_count)))
        spans += int(span_count)
        if spans >= max_spans:
            break
    return page


def load_otlp_spans(
    con: Any, trace_ids: list[str], since_ns: int | None, with_content: bool
) -> list[OtlpSpan]:
    """The spans of ``trace_ids`` (in that order of traces; spans by start time), two queries
    in all. With ``since_ns``, only traces that started at or after it."""
    if not trace_ids:
        return []
    if since_ns is not None:
        started = con.execute(
            "SELECT trace_id FROM traces WHERE trace_id IN (SELECT unnest(?::VARCHAR[])) "
            "AND start_ns >= ?",
            [trace_ids, since_ns],
        ).fetchall()
        keep = {row[0] for row in started}
        trace_ids = [trace_id for trace_id in trace_ids if trace_id in keep]
        if not trace_ids:
            return []
    bounds = con.execute(
        "SELECT min(start_ns) FROM traces WHERE trace_id IN (SELECT unnest(?::VARCHAR[]))",
        [trace_ids],
    ).fetchone()
    # A lower bound on start_ns lets DuckDB skip row groups of older spans by their min/max.
    min_start = bounds[0] if bounds and bounds[0] is not None else -(2**63)
    rows = con.execute(_SPANS_SQL, {"ids": trace_ids, "min_start": min_start}).fetchall()
    content: dict[tuple[str, str], dict[str, Any]] = {}
    if with_content:
        for trace_id, span_id, attributes in con.execute(
            _CONTENT_SQL, {"ids": trace_ids}
        ).fetchall():
            content.setdefault((trace_id, span_id), {}).update(pydantic_core.from_json(attributes))
    order = {trace_id: index for index, trace_id in enumerate(trace_ids)}
    rows.sort(key=lambda row: (order.get(row[0], 0), row[5], row[1]))
    resources: dict[str, dict[str, Any]] = {}
    return [_span(row, content, resources) for row in rows]


def _span(
    row: tuple[Any, ...],
    content: dict[tuple[str, str], dict[str, Any]],
    resources: dict[str, dict[str, Any]],
) -> OtlpSpan:
    (
        trace_id,
        span_id,
        parent_span_id,
        name,
        kind,
        start_ns,
        end_ns,
        status_code,
        status_message,
        scope_name,
        scope_version,
        attributes_json,
        resource_json,
        events_json,
        links_json,
    ) = row
    attributes: dict[str, Any] = pydantic_core.from_json(attributes_json) if attributes_json else {}
    extra = content.get((trace_id, span_id))
    if extra:
        attributes.update(extra)
    resource = resources.get(resource_json or "")
    if resource is None:
        resource = pydantic_core.from_json(resource_json) if resource_json else {}
        resources[resource_json or ""] = resource
    events = (
        tuple(
            OtlpEvent(
                name=event["name"],
                time_ns=int(event["time_ns"] or 0),
                attributes=event.get("attributes") or {},
            )
            for event in pydantic_core.from_json(events_json)
        )
        if events_json
        else ()
    )
    links = (
        tuple(
            OtlpLink(
                trace_id=link["trace_id"],
                span_id=link["span_id"],
                attributes=link.get("attributes") or {},
            )
            for link in pydantic_core.from_json(links_json)
        )
        if links_json
        else ()
    )
    return OtlpSpan(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=parent_span_id,
        name=name,
        kind=kind,
        start_ns=int(start_ns),
        end_ns=int(end_ns),
        status_code=status_code,
        status_message=status_message,
        attributes=attributes,
        resource=resource,
        scope_name=scope_name,
        scope_version=scope_version,
        events=events,
        links=links,
    )
