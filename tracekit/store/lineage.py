"""Which traces are forks, and of what: read from the fork's workflow span.

A fork (``tracekit fork``) records ``tracekit.fork.parent_trace_id`` and ``tracekit.fork.at``
on its workflow span, and runs as the service ``tracekit-fork:<workflow>``. The summary table
keeps the service name, so a listing looks up lineage only for the rows of forks (most pages
have none, and pay nothing); the lookup reads those traces' root spans only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tracekit import semconv as sc
from tracekit.store.summary import json_path

#: The service name prefix a fork's spans carry (replay.fork sets it).
FORK_SERVICE_PREFIX = "tracekit-fork:"


def is_fork_service(service_name: str | None) -> bool:
    """Whether a trace's service name says it is a fork."""
    return bool(service_name) and str(service_name).startswith(FORK_SERVICE_PREFIX)


def fork_lineage(con: Any, trace_ids: Sequence[str]) -> dict[str, tuple[str, str | None]]:
    """``{trace_id: (parent_trace_id, fork_at)}`` for those of ``trace_ids`` that are forks."""
    if not trace_ids:
        return {}
    rows = con.execute(
        "SELECT trace_id, json_extract_string(attributes, $parent), "
        "json_extract_string(attributes, $at) FROM spans "
        "WHERE parent_span_id IS NULL AND list_contains($ids, trace_id)",
        {
            "parent": json_path(sc.TRACEKIT_FORK_PARENT_TRACE_ID),
            "at": json_path(sc.TRACEKIT_FORK_AT),
            "ids": list(trace_ids),
        },
    ).fetchall()
    return {trace_id: (parent, at) for trace_id, parent, at in rows if parent}


def forks_of(con: Any, trace_id: str) -> list[str]:
    """The ids of the traces forked from ``trace_id``, oldest first."""
    candidates = [
        row[0]
        for row in con.execute(
            "SELECT trace_id FROM traces WHERE starts_with(service_name, $prefix) "
            "ORDER BY start_ns, trace_id",
            {"prefix": FORK_SERVICE_PREFIX},
        ).fetchall()
    ]
    lineage = fork_lineage(con, candidates)
    return [fork for fork in candidates if lineage.get(fork, ("",))[0] == trace_id]
