"""The operations figures per group, whole or per time bucket: the SQL behind ``tracekit stats``.

Each dimension has one *source*: a row per call (or run) of a group with how it ended, plus,
for agents, a row per LLM call under the agent for its tokens and cost:

- ``agent``: the agent's ``invoke_agent`` spans; tokens and cost of the LLM spans it ran;
- ``model``: LLM spans per model; ``tool``: ``execute_tool`` spans per tool;
- ``workflow`` / ``service``: runs (the ``traces`` table) per workflow / service.

Retries and fallbacks are span events (``tracekit.retry``, ``tracekit.fallback``). A retry
belongs to the call it retried: an agent call owns the events on its span and on the LLM and
tool spans directly under it (the orchestrator records them on the agent span, other
instrumentations on the LLM span); a model's or tool's call owns the events on its own span
(and a model the retries of agent spans that name it); a run owns every event in its trace.

Every figure is computed in DuckDB (three aggregations over the source, never the store in
Python). Bucketing uses DuckDB's ``time_bucket`` on the span's (or run's) start in UTC, so a
1h bucket starts on the hour. The same function answers the whole-window and the bucketed
question, so anomaly detection can read per-group per-bucket figures from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tracekit import semconv as sc
from tracekit.exceptions import ConfigError
from tracekit.store.ancestry import nearest_agent_sql
from tracekit.store.dimensions import FIGURE_DIMENSIONS, FigureDimension
from tracekit.store.figure_rows import FailureKind, FailureModeRow, FigureQuery, FigureRow
from tracekit.store.outcomes import (
    FAILED_OUTCOME_SQL,
    FAILURE_SQL,
    FALLBACKS_SQL,
    HAS_RETRY_OR_FALLBACK_SQL,
    RETRIES_SQL,
    sql_literal,
)

if TYPE_CHECKING:
    from tracekit.store.figures import GroupFigures

_AGENT_OP = sql_literal(sc.OP_INVOKE_AGENT)
_TOOL_OP = sql_literal(sc.OP_EXECUTE_TOOL)
# ``IN`` rather than ``list_contains``: measured ~7% of the figures query on 1M spans.
_IS_LLM = "operation IN (" + ", ".join(sql_literal(op) for op in sorted(sc.LLM_OPERATIONS)) + ")"
_UNPRICED = "(cost_usd IS NULL AND (input_tokens IS NOT NULL OR output_tokens IS NOT NULL))"

# Source columns: key, start_ns, is_call, duration_ns, outcome (NULL when ok), failure
# (only in the failures query), tokens_in, tokens_out, cost, unpriced. ``{scope}`` narrows
# to the window and the filter; ``{failed}`` is ``true``, or the failed rows only.
_SPAN_FAILED = "status_code = 'ERROR'"
# The model calls that name no agent, found by row id: filtering on ``agent`` and
# ``operation`` alone, then fetching their ids, reads the long id columns only for them, not
# for every span without an agent (every run's root; measured on 1M spans: the cold scan
# 35 -> 15 ms CPU). Materialised once, as the walk's starts and the rows it prices: inlined
# twice, DuckDB ran the scan twice. The walk always runs: where no model call lacks its
# agent it starts from nothing, and a separate query asking first cost as much as the scan.
_AGENTLESS_CTE = f"""agentless AS MATERIALIZED (
    SELECT trace_id, span_id, parent_span_id, start_ns, duration_ns, input_tokens,
           output_tokens, cost_usd, {_UNPRICED} AS unpriced
    FROM spans
    WHERE rowid IN (SELECT rowid FROM spans WHERE agent IS NULL AND {_IS_LLM}) AND {{scope}}
),
"""
_NEAREST = nearest_agent_sql("SELECT trace_id, span_id, parent_span_id FROM agentless")
# An agent's calls are its invoke_agent spans; its tokens and cost, those of the LLM spans
# under it, and of the model calls that name no agent counted for their nearest named
# ancestor (foreign traces). Three disjoint parts, each with its own plain filter in its
# scan: one scan with the parts told apart by CASE expressions filtered ~700k rows through
# them (measured on 1M spans: the figures query 730M -> 555M instructions, with the
# agentless set made once).
_AGENT_CALLS = f"""
        SELECT agent AS key, start_ns, true AS is_call, duration_ns,
               {FAILED_OUTCOME_SQL} AS outcome, {{failure}} AS failure,
               NULL::BIGINT AS tokens_in, NULL::BIGINT AS tokens_out, NULL::DOUBLE AS cost,
               false AS unpriced
        FROM spans
        WHERE agent IS NOT NULL AND operation = {_AGENT_OP} AND {{scope}} AND {{failed}}"""
# Agent-less rows (and LLM rows) only add tokens and cost, never calls or failures.
_AGENT_LLM = f"""
        UNION ALL
        SELECT agent AS key, start_ns, false AS is_call, duration_ns, NULL AS outcome,
               NULL AS failure, input_tokens AS tokens_in, output_tokens AS tokens_out,
               cost_usd AS cost, {_UNPRICED} AS unpriced
        FROM spans
        WHERE agent IS NOT NULL AND {_IS_LLM} AND {{scope}}
        UNION ALL
        SELECT a.agent AS key, o.start_ns, false AS is_call, o.duration_ns,
               NULL AS outcome, NULL AS failure,
               o.input_tokens AS tokens_in, o.output_tokens AS tokens_out, o.cost_usd AS cost,
               o.unpriced
        FROM agentless AS o
        JOIN ({_NEAREST}) AS a USING (trace_id, span_id)"""
_SPAN_SOURCES: dict[str, str] = {
    "agent": _AGENT_CALLS,
    "model": f"""
        SELECT model AS key, start_ns, true AS is_call, duration_ns,
               {FAILED_OUTCOME_SQL} AS outcome, {{failure}} AS failure,
               input_tokens AS tokens_in, output_tokens AS tokens_out, cost_usd AS cost,
               {_UNPRICED} AS unpriced
        FROM spans
        WHERE {_IS_LLM} AND {{scope}} AND {{failed}}""",
    "tool": f"""
        SELECT tool AS key, start_ns, true AS is_call, duration_ns,
               {FAILED_OUTCOME_SQL} AS outcome, {{failure}} AS failure,
               NULL::BIGINT AS tokens_in, NULL::BIGINT AS tokens_out, NULL::DOUBLE AS cost,
               false AS unpriced
        FROM spans
        WHERE operation = {_TOOL_OP} AND {{scope}} AND {{failed}}""",
}
_RUN_KEYS = {"workflow": "workflow", "service": "service_name"}
_RUN_FAILED = "status <> 'ok'"
_RUN_FAILURE = """CASE t.status WHEN 'ok' THEN NULL
                WHEN 'stopped' THEN coalesce(t.stop_reason, 'stopped')
                ELSE coalesce(r.error_type, t.status) END"""
_RUN_SOURCE = """
    SELECT t.{key} AS key, t.start_ns, true AS is_call, t.duration_ns,
           nullif(t.status, 'ok') AS outcome, {failure} AS failure,
           t.input_tokens AS tokens_in, t.output_tokens AS tokens_out, t.cost_usd AS cost,
           false AS unpriced
    FROM (SELECT * FROM traces WHERE {scope} AND {failed}) AS t
    {join}"""
# Only the failures query needs a failed run's error.type, from its root span.
_RUN_ROOT_JOIN = """LEFT JOIN (
        SELECT trace_id, span_id, error_type FROM spans
        WHERE parent_span_id IS NULL AND status_code = 'ERROR'
    ) AS r ON r.trace_id = t.trace_id AND r.span_id = t.root_span_id"""

# Guardrail events per dimension: (key, owner, start_ns) of each span that has any.
_EVENT_OWNERS: dict[str, str] = {
    "agent": f"""
        SELECT agent AS key,
               trace_id || '/' || CASE WHEN operation = {_AGENT_OP} THEN span_id
                                       ELSE coalesce(parent_span_id, span_id) END AS owner,
               start_ns, retries, fallbacks
        FROM events WHERE agent IS NOT NULL""",
    "model": f"""
        SELECT model AS key, trace_id || '/' || span_id AS owner, start_ns, retries, fallbacks
        FROM events WHERE model IS NOT NULL AND (operation = {_AGENT_OP} OR {_IS_LLM})""",
    "tool": """
        SELECT tool AS key, trace_id || '/' || span_id AS owner, start_ns, retries, fallbacks
        FROM events WHERE tool IS NOT NULL""",
}
_RUN_EVENT_OWNERS = """
    SELECT t.{key} AS key, t.trace_id AS owner, t.start_ns, e.retries, e.fallbacks
    FROM events AS e JOIN (SELECT * FROM traces WHERE {scope}) AS t USING (trace_id)"""

_EVENTS_CTE = f"""events AS (
    SELECT trace_id, span_id, parent_span_id, operation, agent, model, tool, start_ns,
           {RETRIES_SQL} AS retries, {FALLBACKS_SQL} AS fallbacks
    FROM spans
    WHERE {HAS_RETRY_OR_FALLBACK_SQL} AND {{scope}}
)"""

#: The origin DuckDB's ``time_bucket`` uses for widths under a month (Monday 2000-01-03
#: UTC), in ns. Buckets are computed as ``time_bucket`` would, in integer arithmetic on
#: ``start_ns``: measured on 1M spans, converting each start to a TIMESTAMP and back cost
#: ~20% of the whole query (a test checks both agree).
BUCKET_ORIGIN_NS = 946_857_600 * 1_000_000_000
_BUCKET = "start_ns - (start_ns - ?::BIGINT) % ?::BIGINT"
_WHOLE = "NULL::BIGINT"

# Two aggregations joined, not one: the counts and percentiles over the calls alone (for
# agents a quarter of the rows), the sums over the rows that carry tokens or cost. Measured
# on 1M spans, 720 hourly buckets of 5 agents: ~20% faster than one pass with a FILTER on
# every aggregate. The bucket is written twice, so its two parameters come twice. The source
# is NOT MATERIALIZED: each aggregation scans ``spans`` for its own rows, with the filter in
# the scan, instead of DuckDB writing all ~700k source rows of 1M spans into a temporary
# result first (measured: stats --by agent's query 136 -> 95 ms CPU, 1h buckets over 30 days
# 112 -> 97 ms).
_FIGURES_SQL = """
WITH {ctes}source AS NOT MATERIALIZED ({source}),
calls AS (
    SELECT key, {bucket} AS bucket_ns,
           count(*) AS calls,
           count(outcome) AS failed,
           count(*) FILTER (WHERE outcome = 'error') AS errors,
           count(*) FILTER (WHERE outcome = 'stopped') AS stops,
           count(*) FILTER (WHERE outcome = 'interrupted') AS interrupted,
           quantile_cont(duration_ns, [0.5, 0.95, 0.99]) AS quantiles
    FROM source WHERE is_call
    GROUP BY ALL
),
sums AS (
    SELECT key, {bucket} AS bucket_ns,
           sum(tokens_in) AS tokens_in, sum(tokens_out) AS tokens_out, sum(cost) AS cost,
           count(*) FILTER (WHERE unpriced) AS unpriced
    FROM source
    WHERE tokens_in IS NOT NULL OR tokens_out IS NOT NULL OR cost IS NOT NULL OR unpriced
    GROUP BY ALL
)
SELECT coalesce(c.key, s.key), coalesce(c.bucket_ns, s.bucket_ns), coalesce(calls, 0),
       coalesce(failed, 0), coalesce(errors, 0), coalesce(stops, 0), coalesce(interrupted, 0),
       quantiles, tokens_in, tokens_out, cost, coalesce(unpriced, 0)
FROM calls AS c FULL JOIN sums AS s
  ON c.key IS NOT DISTINCT FROM s.key AND c.bucket_ns IS NOT DISTINCT FROM s.bucket_ns
"""

_FAILURES_SQL = """
WITH source AS ({source})
SELECT key, {bucket} AS bucket_ns, outcome, failure, count(*) AS n
FROM source
WHERE is_call AND outcome IS NOT NULL
GROUP BY ALL
ORDER BY n DESC, failure
"""

_GUARDRAILS_SQL = """
WITH {events},
owners AS ({owners})
SELECT key, {bucket} AS bucket_ns,
       count(DISTINCT owner) FILTER (WHERE retries > 0),
       sum(retries),
       count(DISTINCT owner) FILTER (WHERE fallbacks > 0)
FROM owners
GROUP BY ALL
"""

_Key = tuple[str | None, int | None]


def check_figure_dimension(by: str) -> FigureDimension:
    """``by`` as a dimension stats can be grouped by; ConfigError with the choices otherwise."""
    for dimension in FIGURE_DIMENSIONS:
        if by == dimension:
            return dimension
    raise ConfigError(f"cannot group stats by {by!r} (use {', '.join(FIGURE_DIMENSIONS)})")


def read_figures(con: Any, query: FigureQuery) -> list[GroupFigures]:
    """:func:`read_figure_rows` as the pydantic models (built without validation)."""
    from tracekit.store.figures import figures_from_rows

    return figures_from_rows(read_figure_rows(con, query))


def read_figure_rows(con: Any, query: FigureQuery) -> list[FigureRow]:
    """The figures of every group (per bucket when ``query.every_ns`` is set), busiest group
    first, a group's buckets oldest first, as plain rows. Buckets without calls are left out."""
    by = check_figure_dimension(query.by)
    if query.every_ns is not None:
        first, last = con.execute("SELECT min(start_ns), max(start_ns) FROM traces").fetchone()
        if first is not None:
            query.window.check_buckets(query.every_ns, first_ns=first, last_ns=last)
    bucket = _BUCKET if query.every_ns is not None else _WHOLE
    # The bucket's origin and width are the last parameters: the bucket comes after the
    # source in the text.
    origin = BUCKET_ORIGIN_NS if query.bucket_origin_ns is None else query.bucket_origin_ns
    width = [origin, query.every_ns] if query.every_ns is not None else []
    source, source_params = _source(by, query, failed_only=False)
    ctes, ctes_params = ("", []) if by != "agent" else _agentless(query)
    rows = con.execute(
        _FIGURES_SQL.format(ctes=ctes, source=source, bucket=bucket),
        ctes_params + source_params + width + width,
    ).fetchall()
    failures: list[tuple[Any, ...]] = []
    if query.top_failures > 0:
        source, source_params = _source(by, query, failed_only=True)
        failures = con.execute(
            _FAILURES_SQL.format(source=source, bucket=bucket), source_params + width
        ).fetchall()
    events_sql, events_params = _guardrail_sources(by, query)
    guardrails = con.execute(
        _GUARDRAILS_SQL.format(bucket=bucket, **events_sql), events_params + width
    ).fetchall()
    return _assemble(rows, failures, guardrails, query.top_failures)


def _scope(query: FigureQuery, *, table: str = "spans") -> tuple[str, list[Any]]:
    """The condition that narrows ``table``'s rows to the window and the filter."""
    conditions: list[str] = []
    params: list[Any] = []
    if query.window.since_ns is not None:
        conditions.append("start_ns >= ?")
        params.append(query.window.since_ns)
    if query.window.until_ns is not None:
        conditions.append("start_ns < ?")
        params.append(query.window.until_ns)
    if query.matching.where:
        if table == "traces":
            conditions.append(f"({query.matching.where})")
        else:
            conditions.append(
                f"trace_id IN (SELECT trace_id FROM traces WHERE {query.matching.where})"
            )
        params.extend(query.matching.params)
    return (" AND ".join(conditions) or "true"), params


def _agentless(query: FigureQuery) -> tuple[str, list[Any]]:
    """The ``agentless`` CTE the agent source's last part reads (and its parameters)."""
    scope, params = _scope(query)
    return _AGENTLESS_CTE.format(scope=scope), params


def _source(by: FigureDimension, query: FigureQuery, *, failed_only: bool) -> tuple[str, list[Any]]:
    if by in _RUN_KEYS:
        scope, params = _scope(query, table="traces")
        sql = _RUN_SOURCE.format(
            key=_RUN_KEYS[by],
            scope=scope,
            failed=_RUN_FAILED if failed_only else "true",
            failure=_RUN_FAILURE if failed_only else "NULL",
            join=_RUN_ROOT_JOIN if failed_only else "",
        )
        return sql, params
    scope, params = _scope(query)
    sql = _SPAN_SOURCES[by].format(
        scope=scope,
        failed=_SPAN_FAILED if failed_only else "true",
        failure=FAILURE_SQL if failed_only else "NULL",
    )
    if by == "agent" and not failed_only:
        sql += _AGENT_LLM.format(scope=scope)
        params = params + params
    return sql, params


def _guardrail_sources(by: FigureDimension, query: FigureQuery) -> tuple[dict[str, str], list[Any]]:
    if by in _RUN_KEYS:
        # A run's events count for the run, bucketed by when the run started.
        filter_only = FigureQuery(by=by, matching=query.matching)
        events_scope, events_params = _scope(filter_only)
        runs_scope, runs_params = _scope(query, table="traces")
        owners = _RUN_EVENT_OWNERS.format(key=_RUN_KEYS[by], scope=runs_scope)
        return (
            {"events": _EVENTS_CTE.format(scope=events_scope), "owners": owners},
            events_params + runs_params,
        )
    scope, params = _scope(query)
    return {"events": _EVENTS_CTE.format(scope=scope), "owners": _EVENT_OWNERS[by]}, params


def _assemble(
    rows: Sequence[tuple[Any, ...]],
    failures: Sequence[tuple[Any, ...]],
    guardrails: Sequence[tuple[Any, ...]],
    top_failures: int,
) -> list[FigureRow]:
    by_group: dict[_Key, dict[str, Any]] = {}
    for key, bucket_ns, *figures in rows:
        by_group[(key, bucket_ns)] = {"figures": figures}
    for key, bucket_ns, retried, retries, fallbacks in guardrails:
        group = by_group.setdefault((key, bucket_ns), {})
        group["guardrails"] = (int(retried or 0), int(retries or 0), int(fallbacks or 0))
    modes: dict[_Key, list[tuple[FailureKind, str, int]]] = {}
    for key, bucket_ns, outcome, failure, count in failures:
        modes.setdefault((key, bucket_ns), []).append((outcome, failure, int(count)))
    built = [
        _group(key, bucket_ns, parts, modes.get((key, bucket_ns), []), top_failures)
        for (key, bucket_ns), parts in by_group.items()
    ]
    totals: dict[str | None, int] = {}
    for one in built:
        totals[one.key] = totals.get(one.key, 0) + one.count
    built.sort(key=lambda g: (-totals[g.key], g.key is None, g.key or "", g.bucket_start_ns or 0))
    return [one for one in built if one.count or one.bucket_start_ns is None]


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _group(
    key: str | None,
    bucket_ns: int | None,
    parts: dict[str, Any],
    modes: list[tuple[FailureKind, str, int]],
    top_failures: int,
) -> FigureRow:
    figures = parts.get("figures") or [0, 0, 0, 0, 0, None, None, None, None, 0]
    (
        count,
        failed_count,
        errors,
        stops,
        interrupted,
        quantiles,
        tokens_in,
        tokens_out,
        cost,
        unpriced,
    ) = figures
    retried, retries, fallbacks = parts.get("guardrails", (0, 0, 0))
    p50, p95, p99 = (q / 1e6 if q is not None else None for q in (quantiles or [None] * 3))
    failed = sum(n for _, _, n in modes)
    tokens_in = int(tokens_in) if tokens_in is not None else None
    tokens_out = int(tokens_out) if tokens_out is not None else None
    cost = float(cost) if cost is not None else None
    return FigureRow(
        key,
        bucket_ns,
        count,
        count - failed_count,
        _rate(count - failed_count, count),
        errors,
        _rate(errors, count),
        stops,
        _rate(stops, count),
        interrupted,
        retried,
        _rate(retried, count),
        retries,
        _rate(retries, count),
        fallbacks,
        _rate(fallbacks, count),
        p50,
        p95,
        p99,
        tokens_in,
        tokens_out,
        tokens_in / count if tokens_in is not None and count else None,
        tokens_out / count if tokens_out is not None and count else None,
        cost,
        unpriced,
        cost / count if cost is not None and count else None,
        [
            FailureModeRow(outcome, failure, n, n / failed)
            for outcome, failure, n in modes[:top_failures]
        ],
    )
