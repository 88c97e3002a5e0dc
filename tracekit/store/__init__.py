"""The tracekit store: an embedded DuckDB file fed through a crash-safe spool of segments.

Recording processes never hold the database: :class:`StoreSpanProcessor` writes immutable
Arrow IPC segments into ``<store>.spool/`` and folds them in when the store is free. Readers
use :class:`TraceStore`, which folds what is pending and then reads one short round at a time.

>>> from tracekit.store import TraceStore
>>> TraceStore("runs.duckdb").list_traces(limit=10)  # doctest: +SKIP
"""

from tracekit.store.anomalies import Anomaly, AnomalyQuery, AnomalyReport
from tracekit.store.buckets import TimeWindow
from tracekit.store.convert import SegmentBuilder, spans_to_table
from tracekit.store.figures import FailureMode, FigureQuery, GroupFigures
from tracekit.store.filters import SORT_COLUMNS
from tracekit.store.fold import FoldResult, fold_pending
from tracekit.store.models import (
    SeriesPoint,
    SpanEvent,
    SpanOutline,
    SpanRecord,
    StatsDimension,
    StatsRow,
    StatsSeries,
    TraceDetail,
    TraceOutline,
    TracePage,
    TraceStatus,
    TraceSummary,
)
from tracekit.store.paths import STORE_ENV, StorePaths, resolve_store_path
from tracekit.store.processor import StoreSpanProcessor
from tracekit.store.queries import TraceStore
from tracekit.store.schema import SCHEMA_VERSION, SEGMENT_SCHEMA
from tracekit.store.sessions import SessionPage, SessionSummary
from tracekit.store.spool import pending_segments, write_segment
from tracekit.store.views import VIEWS_VERSION

__all__ = [
    "SCHEMA_VERSION",
    "SEGMENT_SCHEMA",
    "SORT_COLUMNS",
    "STORE_ENV",
    "VIEWS_VERSION",
    "Anomaly",
    "AnomalyQuery",
    "AnomalyReport",
    "FailureMode",
    "FigureQuery",
    "FoldResult",
    "GroupFigures",
    "SegmentBuilder",
    "SeriesPoint",
    "SessionPage",
    "SessionSummary",
    "SpanEvent",
    "SpanOutline",
    "SpanRecord",
    "StatsDimension",
    "StatsRow",
    "StatsSeries",
    "StorePaths",
    "StoreSpanProcessor",
    "TimeWindow",
    "TraceDetail",
    "TraceOutline",
    "TracePage",
    "TraceStatus",
    "TraceStore",
    "TraceSummary",
    "fold_pending",
    "pending_segments",
    "resolve_store_path",
    "spans_to_table",
    "write_segment",
]
