"""The tracekit store: an embedded DuckDB file fed through a crash-safe spool of segments.

Recording processes never hold the database: :class:`StoreSpanProcessor` writes immutable
Arrow IPC segments into ``<store>.spool/`` and folds them in when the store is free. Readers
use :class:`TraceStore`, which folds what is pending and then reads one short round at a time.

>>> from tracekit.store import TraceStore
>>> TraceStore("runs.duckdb").list_traces(limit=10)  # doctest: +SKIP
"""

from typing import TYPE_CHECKING

from tracekit.lazy import lazy_exports as _lazy_exports

if TYPE_CHECKING:
    from tracekit.store.anomalies import Anomaly, AnomalyQuery, AnomalyReport
    from tracekit.store.buckets import TimeWindow
    from tracekit.store.convert import SegmentBuilder, spans_to_table
    from tracekit.store.experiments import ExperimentCaseRow, ExperimentRow, write_experiment
    from tracekit.store.figure_rows import FailureModeRow, FigureQuery, FigureRow
    from tracekit.store.figures import FailureMode, GroupFigures
    from tracekit.store.fold import FoldResult, fold_pending
    from tracekit.store.handoffs import HandoffEnds, is_handoff, trace_handoffs
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
    from tracekit.store.reprice import RepriceResult
    from tracekit.store.schema import SCHEMA_VERSION, SEGMENT_SCHEMA
    from tracekit.store.sessions import SessionPage, SessionSummary
    from tracekit.store.sorting import SORT_COLUMNS
    from tracekit.store.spool import pending_segments, write_segment
    from tracekit.store.trace_rows import TraceRow, TraceRowPage
    from tracekit.store.tree_lines import SpanLine, TraceLines, span_lines
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
    "ExperimentCaseRow",
    "ExperimentRow",
    "FailureMode",
    "FailureModeRow",
    "FigureQuery",
    "FigureRow",
    "FoldResult",
    "GroupFigures",
    "HandoffEnds",
    "RepriceResult",
    "SegmentBuilder",
    "SeriesPoint",
    "SessionPage",
    "SessionSummary",
    "SpanEvent",
    "SpanLine",
    "SpanOutline",
    "SpanRecord",
    "StatsDimension",
    "StatsRow",
    "StatsSeries",
    "StorePaths",
    "StoreSpanProcessor",
    "TimeWindow",
    "TraceDetail",
    "TraceLines",
    "TraceOutline",
    "TracePage",
    "TraceRow",
    "TraceRowPage",
    "TraceStatus",
    "TraceStore",
    "TraceSummary",
    "fold_pending",
    "is_handoff",
    "pending_segments",
    "resolve_store_path",
    "span_lines",
    "spans_to_table",
    "trace_handoffs",
    "write_experiment",
    "write_segment",
]

# Each name's module is imported on first use: `import tracekit.store` stays cheap, so a
# command that needs one name does not pay for DuckDB, Arrow, OTel and pydantic at once.
__getattr__ = _lazy_exports(
    __name__,
    {
        "Anomaly": "tracekit.store.anomalies",
        "AnomalyQuery": "tracekit.store.anomalies",
        "AnomalyReport": "tracekit.store.anomalies",
        "ExperimentCaseRow": "tracekit.store.experiments",
        "ExperimentRow": "tracekit.store.experiments",
        "FailureMode": "tracekit.store.figures",
        "FailureModeRow": "tracekit.store.figure_rows",
        "FigureQuery": "tracekit.store.figure_rows",
        "FigureRow": "tracekit.store.figure_rows",
        "FoldResult": "tracekit.store.fold",
        "GroupFigures": "tracekit.store.figures",
        "HandoffEnds": "tracekit.store.handoffs",
        "RepriceResult": "tracekit.store.reprice",
        "SCHEMA_VERSION": "tracekit.store.versions",
        "SEGMENT_SCHEMA": "tracekit.store.schema",
        "SORT_COLUMNS": "tracekit.store.sorting",
        "STORE_ENV": "tracekit.store.paths",
        "SegmentBuilder": "tracekit.store.convert",
        "SeriesPoint": "tracekit.store.models",
        "SessionPage": "tracekit.store.sessions",
        "SessionSummary": "tracekit.store.sessions",
        "SpanEvent": "tracekit.store.models",
        "SpanLine": "tracekit.store.tree_lines",
        "SpanOutline": "tracekit.store.models",
        "SpanRecord": "tracekit.store.models",
        "StatsDimension": "tracekit.store.models",
        "StatsRow": "tracekit.store.models",
        "StatsSeries": "tracekit.store.models",
        "StorePaths": "tracekit.store.paths",
        "StoreSpanProcessor": "tracekit.store.processor",
        "TimeWindow": "tracekit.store.buckets",
        "TraceDetail": "tracekit.store.models",
        "TraceLines": "tracekit.store.tree_lines",
        "TraceOutline": "tracekit.store.models",
        "TracePage": "tracekit.store.models",
        "TraceRow": "tracekit.store.trace_rows",
        "TraceRowPage": "tracekit.store.trace_rows",
        "TraceStatus": "tracekit.store.models",
        "TraceStore": "tracekit.store.queries",
        "TraceSummary": "tracekit.store.models",
        "VIEWS_VERSION": "tracekit.store.views",
        "fold_pending": "tracekit.store.fold",
        "is_handoff": "tracekit.store.handoffs",
        "pending_segments": "tracekit.store.pending",
        "resolve_store_path": "tracekit.store.paths",
        "span_lines": "tracekit.store.tree_lines",
        "spans_to_table": "tracekit.store.convert",
        "trace_handoffs": "tracekit.store.handoffs",
        "write_experiment": "tracekit.store.experiments",
        "write_segment": "tracekit.store.spool",
    },
)
