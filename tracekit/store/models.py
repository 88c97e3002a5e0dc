"""What the store's query API returns: pydantic models, JSON-ready for ``--json`` and the TUI.

Every model defers its schema (``defer_build``): pydantic builds a model's validator and
serializer the first time one is used, not when this module is imported, so a command that
only lists traces (built with ``model_construct`` from the store's own rows) pays for none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any, Literal, NamedTuple

import pydantic_core
from pydantic import BaseModel, BeforeValidator, ConfigDict, computed_field

TraceStatus = Literal["ok", "error", "stopped", "interrupted"]
StatsDimension = Literal["agent", "model", "workflow"]


def _from_json(value: Any) -> Any:
    # The store keeps attributes as JSON text; pydantic-core parses it far faster than a
    # Python json.loads per span, which matters for a 10,000-span trace.
    if isinstance(value, str | bytes):
        return pydantic_core.from_json(value)
    return [] if value is None else value


#: A JSON object given as a dict or as JSON text.
JsonObject = Annotated[dict[str, Any], BeforeValidator(_from_json)]


class TraceSummary(BaseModel):
    """One row of the ``traces`` table: a run at a glance.

    Unknown is not zero: ``cost_usd`` is ``None`` when the trace has model calls and none of
    them could be priced, and ``input_tokens``/``output_tokens`` are ``None`` when it has
    model calls and none reported usage. ``unpriced_spans`` counts the model calls without a
    cost; when some are priced and some not, ``cost_usd`` is the priced part and
    ``cost_partial`` is true.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    trace_id: str
    start_ns: int
    end_ns: int
    duration_ns: int
    root_name: str
    workflow: str
    status: TraceStatus
    stop_reason: str | None = None
    span_count: int
    steps: int
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    error_count: int
    agents: list[str]
    service_name: str | None = None
    parent_trace_id: str | None = None
    """For a fork (``tracekit fork``): the trace it was forked from."""
    fork_at: str | None = None
    """For a fork: the step it went live at (``writer#2``)."""
    unpriced_spans: int = 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cost_partial(self) -> bool:
        """Whether ``cost_usd`` leaves out model calls that have no price."""
        return self.unpriced_spans > 0 and self.cost_usd is not None

    @property
    def start_time(self) -> datetime:
        """When the trace started, as an aware UTC datetime."""
        return datetime.fromtimestamp(self.start_ns / 1e9, tz=timezone.utc)

    @property
    def duration_ms(self) -> float:
        """Wall-clock duration in milliseconds."""
        return self.duration_ns / 1e6


class SpanEvent(BaseModel):
    """A span event (guardrail outcomes are events), attributes scrubbed."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    name: str
    time_ns: int
    attributes: dict[str, Any]


#: A list of span events given as a list or as JSON text (``None`` for none).
JsonEvents = Annotated[list[SpanEvent], BeforeValidator(_from_json)]


class SpanRecord(BaseModel):
    """One span of a trace, with its promoted GenAI columns and parsed JSON fields.

    ``depth`` is the span's depth in the trace tree (0 for the root); ``has_content`` says
    whether :meth:`TraceStore.get_span_content` has messages or tool payloads for it.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    trace_id: str
    span_id: str
    parent_span_id: str | None
    name: str
    kind: str
    start_ns: int
    end_ns: int
    duration_ns: int
    status_code: str
    status_message: str | None = None
    service_name: str | None = None
    scope_name: str | None = None
    operation: str | None = None
    workflow: str | None = None
    agent: str | None = None
    agent_path: str | None = None
    model: str | None = None
    provider: str | None = None
    tool: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_creation_tokens: int | None = None
    cost_usd: float | None = None
    error_type: str | None = None
    attributes: JsonObject
    resource: JsonObject
    events: JsonEvents
    depth: int = 0
    has_content: bool = False

    @property
    def duration_ms(self) -> float:
        """Duration in milliseconds."""
        return self.duration_ns / 1e6


class TraceDetail(BaseModel):
    """A whole trace: its summary and its spans in tree order (parent before children,
    siblings by start time)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    summary: TraceSummary
    spans: list[SpanRecord]


class StatsRow(BaseModel):
    """Aggregates for one agent, model or workflow. Latencies are milliseconds.

    Tokens and cost are ``None`` when unknown (model calls that reported no usage, or no
    price); ``unpriced_spans`` model calls are left out of ``cost_usd`` (``cost_partial``).
    """

    # ``model_calls`` is a figure, not pydantic's: older pydantic warns of the ``model_`` prefix.
    model_config = ConfigDict(frozen=True, protected_namespaces=(), defer_build=True)

    key: str | None
    count: int
    error_count: int
    error_rate: float
    #: Calls (or runs) a guardrail ended: a limit, a loop, an open breaker.
    stop_count: int = 0
    stop_rate: float = 0.0
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    input_tokens: int | None
    output_tokens: int | None
    cost_usd: float | None
    unpriced_spans: int = 0
    #: Per agent: the model and tool calls that ran under it (its own or, for spans that name
    #: no agent, its nearest agent ancestor's); per model: its calls; None per workflow.
    model_calls: int | None = None
    tool_calls: int | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cost_partial(self) -> bool:
        """Whether ``cost_usd`` leaves out model calls that have no price."""
        return self.unpriced_spans > 0 and self.cost_usd is not None


class TracePage(BaseModel):
    """One page of the trace list as the TUI browses it: the rows, where they start, and how
    many traces match the filter in all."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    traces: list[TraceSummary]
    offset: int
    total: int
    order: str
    query: str = ""


class SeriesPoint(BaseModel):
    """Aggregates of one time bucket (for charts over time). Latencies are milliseconds."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    bucket_start_ns: int
    count: int
    error_count: int
    p50_ms: float | None
    p95_ms: float | None
    #: Tokens and cost as charts plot them: the reported and priced part (see StatsRow for
    #: the figures that tell unknown from zero).
    input_tokens: int
    output_tokens: int
    cost_usd: float


class StatsSeries(BaseModel):
    """One agent's, model's or workflow's aggregates over time, oldest bucket first; buckets
    with nothing in them are left out."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    key: str | None
    bucket_ns: int
    points: list[SeriesPoint]


class SpanOutline(NamedTuple):
    """One span of a trace tree as a browser draws it: the scalar columns of
    :class:`SpanRecord`, with ``attributes`` and ``events`` kept as the stored JSON text and
    parsed only when asked for (one span's details at a time).

    A named tuple, not a pydantic model: a 10,000-span trace builds in a few milliseconds
    instead of the ~100 ms that validating as many models takes. ``is_handoff`` (an
    ``invoke_agent`` span that hands off, or a foreign handoff span) and ``has_guardrail``
    (a guardrail event fired on it) are worked out when the outline is read.
    """

    span_id: str
    parent_span_id: str | None
    name: str
    kind: str
    start_ns: int
    end_ns: int
    duration_ns: int
    status_code: str
    status_message: str | None
    service_name: str | None
    scope_name: str | None
    operation: str | None
    workflow: str | None
    agent: str | None
    agent_path: str | None
    model: str | None
    provider: str | None
    tool: str | None
    input_tokens: int | None
    output_tokens: int | None
    cache_read_tokens: int | None
    cache_creation_tokens: int | None
    cost_usd: float | None
    error_type: str | None
    attributes_json: str | None
    events_json: str | None
    has_content: bool
    trace_id: str
    depth: int
    is_handoff: bool
    has_guardrail: bool

    @property
    def attributes(self) -> dict[str, Any]:
        """The span's attributes (content attributes excluded), parsed from the JSON text."""
        parsed = _from_json(self.attributes_json) if self.attributes_json else {}
        return parsed if isinstance(parsed, dict) else {}

    @property
    def events(self) -> list[SpanEvent]:
        """The span's events, parsed from the JSON text."""
        parsed = _from_json(self.events_json) if self.events_json else []
        return [SpanEvent.model_validate(event) for event in parsed or []]

    @property
    def duration_ms(self) -> float:
        """Duration in milliseconds."""
        return self.duration_ns / 1e6


@dataclass(frozen=True, slots=True)
class TraceOutline:
    """A trace as a browser opens it: its summary and its spans as :class:`SpanOutline` in
    tree order (the order of :attr:`TraceDetail.spans`)."""

    summary: TraceSummary
    spans: list[SpanOutline]
