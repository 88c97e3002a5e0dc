"""How a stored span ended, as SQL expressions over the ``spans`` columns.

One definition for the analytics (:mod:`tracekit.store.analytics`) and the named views users
query (:mod:`tracekit.store.views`), so ``tracekit stats`` and ``tracekit sql`` never disagree:

- ``ok``: the span's status is not ERROR;
- ``stopped``: a guardrail ended it (its ``error.type`` is WorkflowStopped or a subclass: a
  limit, a loop, an open circuit breaker), which is not an error;
- ``interrupted``: Ctrl-C or a cancellation ended it;
- ``error``: any other ERROR.

The lists in the SQL are spliced in as literals: they are tracekit's own constants (class
names), never a user's text, and a view cannot take parameters.
"""

from __future__ import annotations

from collections.abc import Iterable

from tracekit import semconv as sc
from tracekit.exceptions import LimitExceeded, WorkflowStopped

#: ``error.type`` of the exceptions that interrupt a run rather than fail it.
INTERRUPT_ERROR_TYPES = (
    "KeyboardInterrupt",
    "SystemExit",
    "GeneratorExit",
    "asyncio.exceptions.CancelledError",
    "concurrent.futures._base.CancelledError",
)


def sql_literal(value: str) -> str:
    """``value`` as a SQL string literal (quotes doubled); for tracekit's constants only."""
    return "'" + value.replace("'", "''") + "'"


def _sql_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(sql_literal(value) for value in values) + "]::VARCHAR[]"


def _qualified(cls: type[BaseException]) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _family(cls: type[WorkflowStopped]) -> list[type[WorkflowStopped]]:
    found = [cls]
    for direct in cls.__subclasses__():
        found += _family(direct)
    return found


#: ``error.type`` of the exceptions a guardrail ends a call with (WorkflowStopped and its
#: subclasses), spelt as telemetry records it: the module and the class name.
STOP_ERROR_TYPES = sorted(_qualified(cls) for cls in _family(WorkflowStopped))

_STOPS = _sql_list(STOP_ERROR_TYPES)
_INTERRUPTS = _sql_list(INTERRUPT_ERROR_TYPES)

#: The outcome of a span: ``'ok'``, ``'error'``, ``'stopped'`` or ``'interrupted'``.
OUTCOME_SQL = f"""CASE
    WHEN status_code <> 'ERROR' THEN 'ok'
    WHEN list_contains({_STOPS}, error_type) THEN 'stopped'
    WHEN list_contains({_INTERRUPTS}, error_type) THEN 'interrupted'
    ELSE 'error'
END"""

#: The outcome of a span that failed: ``'error'``, ``'stopped'`` or ``'interrupted'``; NULL
#: when it did not (cheaper to aggregate over a store than a string for every span).
FAILED_OUTCOME_SQL = f"""CASE WHEN status_code = 'ERROR' THEN CASE
    WHEN list_contains({_STOPS}, error_type) THEN 'stopped'
    WHEN list_contains({_INTERRUPTS}, error_type) THEN 'interrupted'
    ELSE 'error'
END END"""

_STOP_REASONS = "\n    ".join(
    f"WHEN error_type = {sql_literal(_qualified(cls))} THEN {sql_literal(cls.reason)}"
    for cls in _family(WorkflowStopped)
    if cls is not LimitExceeded
)
#: Why a span failed: its ``error.type`` for an error or interruption; for a stop, the stop
#: reason the run records (``loop``, ``circuit_open``, ``limit:max_steps``); NULL when ok.
FAILURE_SQL = f"""CASE
    WHEN status_code <> 'ERROR' THEN NULL
    WHEN error_type = {sql_literal(_qualified(LimitExceeded))} THEN coalesce(
        'limit:' || nullif(regexp_extract(status_message, '^limit (\\S+) exceeded', 1), ''),
        'limit')
    {_STOP_REASONS}
    ELSE coalesce(error_type, 'error')
END"""


def _event_count(event: str) -> str:
    return (
        f"CASE WHEN events IS NULL OR NOT contains(events::VARCHAR, {sql_literal(event)}) THEN 0 "
        # unnest rather than a lambda: DuckDB changed its lambda syntax in 1.3.
        "ELSE (SELECT count(*) FROM unnest(json_extract_string(events, '$[*].name')) AS e(n) "
        f"WHERE e.n = {sql_literal(event)}) END"
    )


#: The ``tracekit.retry`` events on the span itself.
RETRIES_SQL = _event_count(sc.EVENT_RETRY)
#: The ``tracekit.fallback`` events on the span itself (one when it handed over).
FALLBACKS_SQL = _event_count(sc.EVENT_FALLBACK)
#: A cheap test that a span has a retry or fallback event at all (before parsing its JSON).
HAS_RETRY_OR_FALLBACK_SQL = (
    f"events IS NOT NULL AND (contains(events::VARCHAR, {sql_literal(sc.EVENT_RETRY)}) "
    f"OR contains(events::VARCHAR, {sql_literal(sc.EVENT_FALLBACK)}))"
)
#: Operations of LLM calls, as a SQL list.
LLM_OPERATIONS_SQL = _sql_list(sorted(sc.LLM_OPERATIONS))
