"""Sessions: runs that belong to one user session, with their figures (``tracekit sessions``).

A run's session is its root span's ``session.id`` (what ``Workflow.run(..., session_id=)``
records, and what OpenInference instrumentations set), else its ``gen_ai.conversation.id``
(the GenAI semconv's conversation, session or thread id, which other frameworks share across
the runs of one chat). A run with neither is not in a session. tracekit gives each run a
fresh conversation id unless told one, so such a run is a session of one run.

Per session: runs; turns (model calls: each one request and one reply); tokens; cost (the
sum of the priced calls; ``None`` when no call is priced, never 0, with the count of calls
that had tokens but no price); errors; first start, last end and the wall-clock duration
between them. One grouped query over the root spans, the ``traces`` rows and the LLM spans.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from tracekit.store.filters import SESSION_KEY_SQL, TraceFilter
from tracekit.store.outcomes import LLM_OPERATIONS_SQL

_SESSIONS_SQL = f"""
WITH runs AS (
    SELECT s.trace_id, {SESSION_KEY_SQL} AS session_id
    FROM spans AS s
    WHERE s.parent_span_id IS NULL AND s.attributes IS NOT NULL
      AND s.trace_id IN (SELECT trace_id FROM traces {{where}})
),
keyed AS (SELECT * FROM runs WHERE session_id IS NOT NULL),
calls AS (
    SELECT trace_id, count(*) AS turns, sum(cost_usd) AS cost,
           count(*) FILTER (WHERE cost_usd IS NULL
                            AND (input_tokens IS NOT NULL OR output_tokens IS NOT NULL)) AS unpriced
    FROM spans
    WHERE list_contains({LLM_OPERATIONS_SQL}, operation)
      AND trace_id IN (SELECT trace_id FROM keyed)
    GROUP BY trace_id
)
SELECT k.session_id, count(*) AS runs, coalesce(sum(c.turns), 0) AS turns,
       sum(t.input_tokens) AS input_tokens, sum(t.output_tokens) AS output_tokens,
       sum(c.cost) AS cost_usd, coalesce(sum(c.unpriced), 0) AS unpriced,
       count(*) FILTER (WHERE t.status = 'error') AS errors,
       min(t.start_ns) AS first_ns, max(t.end_ns) AS last_ns,
       list(DISTINCT t.workflow ORDER BY t.workflow) AS workflows,
       arg_max(t.trace_id, t.start_ns) AS latest_trace_id,
       count(*) OVER () AS total
FROM keyed AS k
JOIN traces AS t USING (trace_id)
LEFT JOIN calls AS c USING (trace_id)
GROUP BY k.session_id
ORDER BY last_ns DESC, k.session_id
LIMIT ? OFFSET ?
"""


class SessionSummary(BaseModel):
    """One session: its runs' figures together."""

    model_config = ConfigDict(frozen=True)

    session_id: str
    runs: int
    #: Model calls (a request and its reply) in the session's runs.
    turns: int
    input_tokens: int
    output_tokens: int
    #: Sum of the priced calls; ``None`` when no call is priced.
    cost_usd: float | None
    #: Calls with tokens but no price (their cost is not in ``cost_usd``).
    unpriced_count: int
    errors: int
    first_start_ns: int
    last_end_ns: int
    duration_ns: int
    workflows: list[str]
    #: The session's most recent run.
    latest_trace_id: str


class SessionPage(BaseModel):
    """A page of sessions, latest activity first, and how many there are."""

    model_config = ConfigDict(frozen=True)

    sessions: list[SessionSummary]
    total: int
    offset: int


def read_sessions(con: Any, matching: TraceFilter, *, limit: int, offset: int) -> SessionPage:
    """The sessions of the runs matching ``matching``, latest activity first."""
    rows = con.execute(
        _SESSIONS_SQL.format(where=matching.clause()), [*matching.params, limit, offset]
    ).fetchall()
    sessions = [
        SessionSummary(
            session_id=key,
            runs=runs,
            turns=int(turns),
            input_tokens=int(tokens_in or 0),
            output_tokens=int(tokens_out or 0),
            cost_usd=float(cost) if cost is not None else None,
            unpriced_count=int(unpriced),
            errors=errors,
            first_start_ns=first,
            last_end_ns=last,
            duration_ns=last - first,
            workflows=list(workflows),
            latest_trace_id=latest,
        )
        for (
            key,
            runs,
            turns,
            tokens_in,
            tokens_out,
            cost,
            unpriced,
            errors,
            first,
            last,
            workflows,
            latest,
            _,
        ) in rows
    ]
    total = int(rows[0][-1]) if rows else 0
    if not rows and offset:
        counted = con.execute(
            f"SELECT count(DISTINCT {SESSION_KEY_SQL}) FROM spans WHERE parent_span_id IS NULL "
            f"AND trace_id IN (SELECT trace_id FROM traces {matching.clause()})",
            matching.params,
        ).fetchone()
        total = int(counted[0]) if counted else 0
    return SessionPage(sessions=sessions, total=total, offset=offset)
