"""What ``tracekit stats`` asks and gets, as plain values: the query, and each group's figures
as a row (a named tuple), without pydantic.

The store computes every figure itself (:mod:`tracekit.store.analytics`), so the command's
table, CSV and chart read these rows directly and never import pydantic (~70 ms of a
``stats`` start-up); :class:`tracekit.store.figures.GroupFigures` (the pydantic model for
``--json``, the TUI and the API) is built from the same rows, field for field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from tracekit.store.buckets import TimeWindow
from tracekit.store.dimensions import FigureDimension
from tracekit.store.filters import TraceFilter

__all__ = ["FailureKind", "FailureModeRow", "FigureQuery", "FigureRow"]

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


class FailureModeRow(NamedTuple):
    """One way calls of a group failed (the fields of
    :class:`tracekit.store.figures.FailureMode`)."""

    kind: FailureKind
    mode: str
    # The models' name for it; it hides tuple.count, which nothing here calls.
    count: int  # type: ignore[assignment]
    share: float


class FigureRow(NamedTuple):
    """The figures of one group, over the whole window or one time bucket: the fields of
    :class:`tracekit.store.figures.GroupFigures`, in its order (a test checks they agree)."""

    key: str | None
    bucket_start_ns: int | None
    count: int  # type: ignore[assignment]  # as FailureModeRow.count
    ok_count: int
    success_rate: float | None
    error_count: int
    error_rate: float | None
    stop_count: int
    stop_rate: float | None
    interrupted_count: int
    retried_count: int
    retry_rate: float | None
    retries: int
    retries_per_call: float | None
    fallback_count: int
    fallback_rate: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    input_tokens: int | None
    output_tokens: int | None
    input_tokens_per_call: float | None
    output_tokens_per_call: float | None
    cost_usd: float | None
    unpriced_count: int
    cost_per_request_usd: float | None
    failure_modes: list[FailureModeRow]
