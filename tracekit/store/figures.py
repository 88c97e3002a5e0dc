"""What ``tracekit stats`` reports per group (and per time bucket): the operations figures.

Pydantic models, JSON-ready for ``--json``/``--csv`` and the TUI. Rates are fractions of the
group's calls (0.0–1.0); latencies are milliseconds; an unknown figure is ``None`` (shown as
``—``), never 0: a group without a priced call has no cost, a group without calls no rates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tracekit.store.buckets import TimeWindow
from tracekit.store.dimensions import FIGURE_DIMENSIONS as FIGURE_DIMENSIONS
from tracekit.store.dimensions import FigureDimension as FigureDimension
from tracekit.store.filters import TraceFilter

#: How a call that did not succeed ended.
FailureKind = Literal["error", "stopped", "interrupted"]


@dataclass(frozen=True)
class FigureQuery:
    """Which figures to compute: grouped ``by`` a dimension, over the spans (or runs) that
    started inside ``window``, of the traces that match ``matching`` (the filter language),
    whole or in buckets of ``every_ns``."""

    by: FigureDimension = "agent"
    window: TimeWindow = field(default_factory=TimeWindow)
    matching: TraceFilter = field(default_factory=TraceFilter)
    every_ns: int | None = None
    #: How many failure modes each group lists, most frequent first (0: none, and the
    #: failures are not read at all).
    top_failures: int = 5
    #: Where buckets start: at this instant plus any whole number of ``every_ns`` (ns since
    #: the epoch; ``None``: DuckDB ``time_bucket``'s origin, so 1h buckets start on the hour).
    #: Anomaly detection aligns its windows to the end of the recent window with it.
    bucket_origin_ns: int | None = None


class FailureMode(BaseModel):
    """One way calls of a group failed: an ``error.type``, or a stop reason (``loop``,
    ``limit:max_steps``), with how often and its share of the group's failed calls."""

    model_config = ConfigDict(frozen=True)

    kind: FailureKind
    mode: str
    count: int
    share: float


class GroupFigures(BaseModel):
    """The figures of one group (an agent, a model, a workflow, a tool or a service), over
    the whole window or one time bucket (``bucket_start_ns``)."""

    model_config = ConfigDict(frozen=True)

    key: str | None
    #: Start of the time bucket (ns since the epoch, UTC), or ``None`` for the whole window.
    bucket_start_ns: int | None = None
    #: Calls (agent, LLM or tool calls) or runs (workflow, service): the requests.
    count: int
    ok_count: int
    success_rate: float | None
    error_count: int
    error_rate: float | None
    #: Ended by a guardrail (a limit, a loop, an open breaker): not an error.
    stop_count: int
    stop_rate: float | None
    interrupted_count: int
    #: Calls with at least one ``tracekit.retry`` event; ``retries`` counts the events.
    retried_count: int
    retry_rate: float | None
    retries: int
    retries_per_call: float | None
    #: Calls that handed over to their fallback (``tracekit.fallback``).
    fallback_count: int
    fallback_rate: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    input_tokens: int | None
    output_tokens: int | None
    input_tokens_per_call: float | None
    output_tokens_per_call: float | None
    #: Sum of the known costs; ``None`` when no call of the group is priced.
    cost_usd: float | None
    #: LLM calls with tokens but no price (their cost is unknown, not in ``cost_usd``).
    unpriced_count: int
    #: ``cost_usd`` per request: per run of a workflow or service, per call of an agent (one
    #: invocation, with the LLM calls under it), a model or a tool.
    cost_per_request_usd: float | None
    failure_modes: list[FailureMode]
