"""The ``traces`` summary table, kept up to date set-based at fold time.

A fold summarises the spans it brings per trace (one ``GROUP BY`` over the batch) and merges
those partial summaries into the existing rows of the same traces: counts and sums add up,
start/end widen, agent lists union, and the root is re-chosen. The cost is proportional to the
batch, never to the store, and the result is the summary of all the trace's spans so far.

Spans arrive in batches and children end before their parents, so a trace is often folded
before its root span exists. Until it does, the earliest span stands in as the root
(``has_root`` is false); the fold that brings the real root (the span without a parent) makes
it the root, and with it the workflow name and the declared workflow status.

Tokens and cost are summed over spans whose operation is neither ``invoke_agent`` nor
``invoke_workflow``: those spans may carry aggregates of their children, which would be
counted twice.

Unknown is not zero. ``cost_usd`` and the token sums are NULL while no span has brought one
(an unknown plus a known figure is the known figure, marked partial), and ``unpriced_spans``
counts the model calls without a cost. Readers turn a NULL into 0 only when the trace has no
unpriced model call (see :data:`TRACE_FIGURES`): a run without model calls cost nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracekit import semconv as sc

if TYPE_CHECKING:
    # Readers import this module for TRACE_FIGURES and must not load pyarrow.
    import pyarrow as pa

_MERGED_TABLE = "_fold_merged"

_STATUSES = ["ok", "error", "stopped", "interrupted"]

# Per trace of the batch, in ONE hash aggregation over the batch (no staging copy, no window):
# its additive aggregates and its stand-in root, the minimum by (a real root first, then the
# earliest start, the latest end, the span id). ``~end_ns`` orders by ``end_ns`` descending
# without the overflow ``-end_ns`` would risk. Only the chosen root's attributes are parsed.
_PARTIAL_SQL = """
    SELECT
        trace_id,
        min(start_ns) AS start_ns,
        max(end_ns) AS end_ns,
        count(*) AS span_count,
        count(*) FILTER (WHERE list_contains($step_ops, operation)) AS steps,
        sum(input_tokens) FILTER (WHERE NOT is_parent) AS input_tokens,
        sum(output_tokens) FILTER (WHERE NOT is_parent) AS output_tokens,
        sum(cost_usd) FILTER (WHERE NOT is_parent) AS cost_usd,
        count(*) FILTER (
            WHERE cost_usd IS NULL AND list_contains($llm_ops, operation)
        ) AS unpriced_spans,
        count(*) FILTER (WHERE status_code = 'ERROR') AS error_count,
        coalesce(list_sort(list_distinct(list(agent))), []::VARCHAR[]) AS agents,
        arg_min(
            {{
                'span_id': span_id,
                'has_root': parent_span_id IS NULL,
                'start_ns': start_ns,
                'name': name,
                'workflow': coalesce(workflow, name),
                'service_name': service_name,
                'attributes': CASE WHEN parent_span_id IS NULL THEN attributes END
            }},
            {{'not_root': parent_span_id IS NOT NULL, 'start': start_ns, 'end': ~end_ns,
              'span_id': span_id}}
        ) AS root
    FROM (
        SELECT
            trace_id, span_id, parent_span_id, name, start_ns, end_ns, status_code,
            service_name, operation, workflow, agent, input_tokens, output_tokens, cost_usd,
            attributes,
            coalesce(list_contains($parent_ops, operation), false) AS is_parent
        FROM {source}
    )
    GROUP BY trace_id
"""

# Partial summaries merged with the stored rows of the same traces. ``p`` wins the root when
# it brings a real root the stored row lacks, or an earlier stand-in.
_MERGE_SQL = """
CREATE OR REPLACE TEMP TABLE {merged} AS
WITH partial AS (
    SELECT
        * EXCLUDE (root),
        root.span_id AS root_span_id,
        root.has_root AS has_root,
        root.start_ns AS root_start_ns,
        root.name AS root_name,
        root.workflow AS workflow,
        lower(json_extract_string(root.attributes, $status_path)) AS declared_status,
        json_extract_string(root.attributes, $stop_path) AS stop_reason,
        root.service_name AS service_name
    FROM ({partial})
),
pair AS (
    SELECT
        p.*,
        t.trace_id IS NOT NULL AS stored,
        t.start_ns AS t_start_ns, t.end_ns AS t_end_ns, t.span_count AS t_span_count,
        t.steps AS t_steps, t.input_tokens AS t_input_tokens, t.output_tokens AS t_output_tokens,
        t.cost_usd AS t_cost_usd, t.unpriced_spans AS t_unpriced_spans,
        t.error_count AS t_error_count, t.agents AS t_agents,
        t.root_span_id AS t_root_span_id, t.has_root AS t_has_root,
        t.root_name AS t_root_name, t.workflow AS t_workflow,
        t.workflow_status AS t_declared_status, t.stop_reason AS t_stop_reason,
        t.service_name AS t_service_name,
        (t.trace_id IS NULL
            OR (p.has_root AND NOT t.has_root)
            OR (NOT p.has_root AND NOT t.has_root AND p.root_start_ns < t.start_ns)
        ) AS p_root
    FROM partial AS p
    LEFT JOIN traces AS t USING (trace_id)
),
merged AS (
    SELECT
        trace_id,
        CASE WHEN stored THEN least(start_ns, t_start_ns) ELSE start_ns END AS start_ns,
        CASE WHEN stored THEN greatest(end_ns, t_end_ns) ELSE end_ns END AS end_ns,
        CASE WHEN p_root THEN root_span_id ELSE t_root_span_id END AS root_span_id,
        CASE WHEN p_root THEN has_root ELSE t_has_root END AS has_root,
        CASE WHEN p_root THEN root_name ELSE t_root_name END AS root_name,
        CASE WHEN p_root THEN workflow ELSE t_workflow END AS workflow,
        CASE WHEN p_root THEN declared_status ELSE t_declared_status END AS workflow_status,
        CASE WHEN p_root THEN stop_reason ELSE t_stop_reason END AS stop_reason,
        span_count + coalesce(t_span_count, 0) AS span_count,
        steps + coalesce(t_steps, 0) AS steps,
        CASE WHEN input_tokens IS NULL THEN t_input_tokens
             ELSE input_tokens + coalesce(t_input_tokens, 0) END AS input_tokens,
        CASE WHEN output_tokens IS NULL THEN t_output_tokens
             ELSE output_tokens + coalesce(t_output_tokens, 0) END AS output_tokens,
        CASE WHEN cost_usd IS NULL THEN t_cost_usd
             ELSE cost_usd + coalesce(t_cost_usd, 0.0) END AS cost_usd,
        unpriced_spans + coalesce(t_unpriced_spans, 0) AS unpriced_spans,
        error_count + coalesce(t_error_count, 0) AS error_count,
        list_sort(list_distinct(list_concat(agents, coalesce(t_agents, []::VARCHAR[])))) AS agents,
        CASE WHEN p_root THEN service_name ELSE t_service_name END AS service_name
    FROM pair
)
SELECT
    trace_id, start_ns, end_ns, end_ns - start_ns AS duration_ns, root_span_id, has_root,
    root_name, workflow,
    CASE
        WHEN list_contains($statuses, workflow_status) THEN workflow_status
        WHEN error_count > 0 THEN 'error'
        ELSE 'ok'
    END AS status,
    workflow_status, stop_reason, span_count, steps, input_tokens, output_tokens, cost_usd,
    unpriced_spans, error_count, agents, service_name
FROM merged
"""


#: The ``traces`` figures as readers select them: a NULL sum is unknown only when the trace
#: has unpriced model calls; otherwise nothing was there to count, which is 0.
TRACE_FIGURES = (
    "CASE WHEN input_tokens IS NULL AND unpriced_spans = 0 THEN 0 ELSE input_tokens END "
    "AS input_tokens, "
    "CASE WHEN output_tokens IS NULL AND unpriced_spans = 0 THEN 0 ELSE output_tokens END "
    "AS output_tokens, "
    "CASE WHEN cost_usd IS NULL AND unpriced_spans = 0 THEN 0.0 ELSE cost_usd END AS cost_usd"
)


def json_path(key: str) -> str:
    """A DuckDB JSON path selecting the top-level ``key`` (attribute keys contain dots)."""
    return '$."' + key.replace('"', '\\"') + '"'


_PARTIAL_PARAMETERS = {
    "step_ops": sorted(sc.STEP_OPERATIONS),
    "parent_ops": [sc.OP_INVOKE_AGENT, sc.OP_INVOKE_WORKFLOW],
    "llm_ops": sorted(sc.LLM_OPERATIONS),
}
_MERGE_PARAMETERS = {
    "status_path": json_path(sc.TRACEKIT_WORKFLOW_STATUS),
    "stop_path": json_path(sc.TRACEKIT_WORKFLOW_STOP_REASON),
    "statuses": _STATUSES,
}


def merge_into_traces(con: Any, source: str) -> None:
    """Merge the spans of ``source`` (a table or view name) into ``traces``, in ``con``'s
    current transaction."""
    sql = _MERGE_SQL.format(merged=_MERGED_TABLE, partial=_PARTIAL_SQL.format(source=source))
    _merge(con, sql, {**_PARTIAL_PARAMETERS, **_MERGE_PARAMETERS})


def partial_summaries(con: Any, source: str) -> pa.Table:
    """The per-trace summaries of the spans of ``source`` alone, for
    :func:`merge_partial_into_traces`. Reads nothing but ``source``, so it may run on another
    connection of the instance (a cursor) while ``con``'s transaction inserts the same spans."""
    relation = con.sql(_PARTIAL_SQL.format(source=source), params=_PARTIAL_PARAMETERS)
    table: pa.Table = relation.to_arrow_table()
    return table


def merge_partial_into_traces(con: Any, partial: str) -> None:
    """Merge ``partial`` (the name of :func:`partial_summaries`' table, registered on ``con``)
    into ``traces``, in ``con``'s current transaction: what :func:`merge_into_traces` does
    with the summaries computed beforehand."""
    sql = _MERGE_SQL.format(merged=_MERGED_TABLE, partial=f"SELECT * FROM {partial}")
    _merge(con, sql, _MERGE_PARAMETERS)


def _merge(con: Any, sql: str, parameters: dict[str, Any]) -> None:
    con.execute(sql, parameters)
    con.execute(f"DELETE FROM traces WHERE trace_id IN (SELECT trace_id FROM {_MERGED_TABLE})")
    con.execute(f"INSERT INTO traces BY NAME SELECT * FROM {_MERGED_TABLE}")
    con.execute(f"DROP TABLE {_MERGED_TABLE}")


def rebuild_all_traces(con: Any) -> None:
    """Recompute the summary of every trace from ``spans`` (used by migrations)."""
    con.execute("DELETE FROM traces")
    merge_into_traces(con, "spans")


def rebuild_traces(con: Any, source: str) -> None:
    """Recompute the summaries of the traces named in ``source`` (a table or view with a
    ``trace_id`` column) from their stored spans, in ``con``'s current transaction."""
    con.execute(f"DELETE FROM traces WHERE trace_id IN (SELECT trace_id FROM {source})")
    con.execute(
        "CREATE OR REPLACE TEMP VIEW _rebuilt_spans AS "
        f"SELECT * FROM spans WHERE trace_id IN (SELECT trace_id FROM {source})"
    )
    merge_into_traces(con, "_rebuilt_spans")
    con.execute("DROP VIEW _rebuilt_spans")
