"""Aggregates over the store: per-agent, per-model and per-workflow figures, whole or in
time buckets. The SQL behind :meth:`TraceStore.stats` and :meth:`TraceStore.stats_series`;
each function runs on a connection the caller holds for one read round.
"""

from __future__ import annotations

from typing import Any

from tracekit import semconv as sc
from tracekit.exceptions import ConfigError
from tracekit.store.ancestry import has_agentless_steps, nearest_agent_sql
from tracekit.store.models import SeriesPoint, StatsDimension, StatsRow, StatsSeries
from tracekit.store.outcomes import STOP_ERROR_TYPES as STOP_ERROR_TYPES

_LLM_OPERATIONS = sorted(sc.STEP_OPERATIONS - {sc.OP_EXECUTE_TOOL})
_QUANTILES = [0.5, 0.95, 0.99]
_DIMENSIONS = ("agent", "model", "workflow")


def check_dimension(by: str) -> None:
    """ConfigError unless ``by`` is a dimension stats can be grouped by."""
    if by not in _DIMENSIONS:
        raise ConfigError(
            f"cannot group stats by {by!r} (use {', '.join(_DIMENSIONS[:-1])} or {_DIMENSIONS[-1]})"
        )


def read_stats(con: Any, by: StatsDimension) -> list[StatsRow]:
    """Counts, error rates, latency percentiles, tokens and cost per ``by``, busiest first.

    - ``agent``: calls, errors and latency of the agent's ``invoke_agent`` spans; tokens
      and cost of the LLM spans that ran under it.
    - ``model``: the LLM spans of each model.
    - ``workflow``: the traces of each workflow.

    Errors and stops are apart: a run (or a call) that a guardrail ended (a limit, a loop,
    an open breaker) is a stop, not an error; an interrupted run is neither.
    """
    check_dimension(by)
    params: dict[str, object] = {"quantiles": _QUANTILES}
    if by != "workflow":
        params["stop_types"] = STOP_ERROR_TYPES
    if by == "agent":
        owned = (
            _ATTRIBUTION_CTES.format(nearest=_NEAREST)
            if has_agentless_steps(con)
            else _OWN_AGENT_CTES
        )
        sql = _AGENT_STATS.format(owned=owned)
        params.update(
            agent_op=sc.OP_INVOKE_AGENT,
            llm_ops=_LLM_OPERATIONS,
            tool_op=sc.OP_EXECUTE_TOOL,
            rollup_ops=sorted(sc.STEP_OPERATIONS),
        )
    elif by == "model":
        sql = _MODEL_STATS
        params.update(llm_ops=_LLM_OPERATIONS)
    else:
        sql = _WORKFLOW_STATS
    # DuckDB refuses named parameters a statement does not use.
    used = {name: value for name, value in params.items() if f"${name}" in sql}
    return [_stats_row(row) for row in con.execute(sql, used).fetchall()]


def read_stats_series(
    con: Any, by: StatsDimension, *, buckets: int, keys: list[str | None]
) -> list[StatsSeries]:
    """The figures of :func:`read_stats` for ``keys`` in ``buckets`` equal time buckets
    spanning the store's traces."""
    check_dimension(by)
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
    return [StatsSeries(key=key, bucket_ns=width, points=points) for key, points in by_key.items()]


def _stats_row(row: tuple[Any, ...]) -> StatsRow:
    (
        key,
        count,
        errors,
        stops,
        quantiles,
        input_tokens,
        output_tokens,
        cost,
        unpriced,
        model_calls,
        tool_calls,
    ) = row
    p50, p95, p99 = (q / 1e6 if q is not None else None for q in (quantiles or [None] * 3))
    unpriced = int(unpriced or 0)
    return StatsRow(
        key=key,
        count=int(count or 0),
        error_count=int(errors or 0),
        error_rate=(errors or 0) / count if count else 0.0,
        stop_count=int(stops or 0),
        stop_rate=(stops or 0) / count if count else 0.0,
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        input_tokens=_known(input_tokens, unpriced, int),
        output_tokens=_known(output_tokens, unpriced, int),
        cost_usd=_known(cost, unpriced, float),
        unpriced_spans=unpriced,
        model_calls=None if model_calls is None else int(model_calls),
        tool_calls=None if tool_calls is None else int(tool_calls),
    )


def _known(total: Any, unpriced: int, kind: type[Any]) -> Any:
    """A sum as shown: unknown (None) when nothing reported it and some model calls were
    left out; 0 when there was nothing to count."""
    if total is None:
        return None if unpriced else kind(0)
    return kind(total)


# Model and tool spans that name no agent of their own (foreign instrumentations put the agent
# on an ancestor span) count for their nearest ancestor that names one. The walk starts only
# from such spans and joins only the spans of their traces, so a store of spans that all
# name their agent (tracekit's own) pays one filtered scan for it.
_ATTRIBUTION_CTES = """
orphans AS (
    SELECT trace_id, span_id, parent_span_id, operation, input_tokens, output_tokens, cost_usd
    FROM spans
    -- By row id: the long id columns are read for these spans only (see analytics).
    WHERE rowid IN (
        SELECT rowid FROM spans WHERE agent IS NULL AND list_contains($rollup_ops, operation)
    )
),
attributed AS (
    SELECT o.*, a.agent
    FROM orphans AS o
    JOIN ({nearest}) AS a USING (trace_id, span_id)
),
owned AS (
    SELECT agent, operation = $tool_op AS is_tool, input_tokens, output_tokens, cost_usd
    FROM spans
    WHERE list_contains($rollup_ops, operation) AND agent IS NOT NULL
    UNION ALL
    SELECT agent, operation = $tool_op, input_tokens, output_tokens, cost_usd FROM attributed
),
"""

_NEAREST = nearest_agent_sql("SELECT trace_id, span_id, parent_span_id FROM orphans")

# Every model and tool span names its agent (tracekit's own spans): no walk needed.
_OWN_AGENT_CTES = """
owned AS (
    SELECT agent, operation = $tool_op AS is_tool, input_tokens, output_tokens, cost_usd
    FROM spans
    WHERE list_contains($rollup_ops, operation) AND agent IS NOT NULL
),
"""

_AGENT_STATS = """
WITH RECURSIVE
{owned}
calls AS (
    SELECT agent AS key,
           count(*) AS count,
           count(*) FILTER (
               WHERE status_code = 'ERROR'
                 AND NOT list_contains($stop_types, coalesce(error_type, ''))
           ) AS errors,
           count(*) FILTER (WHERE list_contains($stop_types, error_type)) AS stops,
           quantile_cont(duration_ns, $quantiles) AS quantiles
    FROM spans
    WHERE operation = $agent_op AND agent IS NOT NULL
    GROUP BY agent
),
usage AS (
    -- The model operations are the step operations but the tool's (see _LLM_OPERATIONS).
    SELECT agent AS key,
           sum(input_tokens) FILTER (WHERE NOT is_tool) AS input_tokens,
           sum(output_tokens) FILTER (WHERE NOT is_tool) AS output_tokens,
           sum(cost_usd) FILTER (WHERE NOT is_tool) AS cost_usd,
           count(*) FILTER (WHERE NOT is_tool AND cost_usd IS NULL) AS unpriced,
           count(*) FILTER (WHERE NOT is_tool) AS model_calls,
           count(*) FILTER (WHERE is_tool) AS tool_calls
    FROM owned
    GROUP BY agent
)
SELECT key, coalesce(count, 0), coalesce(errors, 0), coalesce(stops, 0), quantiles,
       input_tokens, output_tokens, cost_usd, coalesce(unpriced, 0),
       coalesce(model_calls, 0), coalesce(tool_calls, 0)
FROM calls FULL OUTER JOIN usage USING (key)
ORDER BY coalesce(count, 0) DESC, key
"""

_MODEL_STATS = """
SELECT model AS key,
       count(*),
       count(*) FILTER (
           WHERE status_code = 'ERROR'
             AND NOT list_contains($stop_types, coalesce(error_type, ''))
       ),
       count(*) FILTER (WHERE list_contains($stop_types, error_type)),
       quantile_cont(duration_ns, $quantiles),
       sum(input_tokens),
       sum(output_tokens),
       sum(cost_usd),
       count(*) FILTER (WHERE cost_usd IS NULL),
       count(*),
       0
FROM spans
WHERE list_contains($llm_ops, operation)
GROUP BY model
ORDER BY count(*) DESC, model NULLS LAST
"""

_WORKFLOW_STATS = """
SELECT workflow AS key,
       count(*),
       count(*) FILTER (WHERE status = 'error'),
       count(*) FILTER (WHERE status = 'stopped'),
       quantile_cont(duration_ns, $quantiles),
       sum(input_tokens),
       sum(output_tokens),
       sum(cost_usd),
       sum(unpriced_spans),
       NULL,
       NULL
FROM traces
GROUP BY workflow
ORDER BY count(*) DESC, workflow
"""


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
