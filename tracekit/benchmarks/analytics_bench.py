"""Analytics benchmark: ``tracekit stats`` figures on a big store that covers 30 days.

The store is the ingest benchmark's synthetic agent runs (:mod:`tracekit.benchmarks.store_bench`)
spread over 30 days, built through real spool segments and folds. Each figure is the median
of 5 calls of the store's query API (one read round each, as the command makes), after one
warm-up call:

- ``stats_by_agent_ms``: every figure per agent over the whole store;
- ``stats_every_1h_30d_ms``: the same per agent and per hour over the last 30 days (720
  buckets), what ``tracekit stats --by agent --every 1h --since 30d`` computes;
- ``anomalies_1m_ms``: ``tracekit anomalies`` (last 24h against 7 days, per agent, model
  and workflow, with example traces);
- ``text_search_1m_ms``: a ``text:`` search of the stored messages combined with another
  term, a page of the matching traces and their count (``tracekit traces --filter
  'text:"summarise 17" agent:writer'``).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tracekit.benchmarks.store_bench import SEGMENTS_PER_FOLD, synthetic_batches
from tracekit.store import FigureQuery, TimeWindow, TraceStore
from tracekit.store.anomalies import AnomalyQuery
from tracekit.store.fold import fold_pending
from tracekit.store.paths import StorePaths
from tracekit.store.spool import write_segment

_HOUR_NS = 3_600 * 10**9
_DAYS_NS = 30 * 24 * _HOUR_NS
_RUNS = 5


def build_month_store(path: Path, n_spans: int) -> None:
    """A store at ``path`` of ``n_spans`` synthetic spans spread over about 30 days."""
    paths = StorePaths.for_store(path)
    # Twice the mean gap as the largest gap: the spans cover ~30 days on average.
    gap = max(10_001, 2 * _DAYS_NS // max(1, n_spans))
    for written, batch in enumerate(synthetic_batches(n_spans, max_gap_ns=gap), 1):
        write_segment(paths, batch, fsync=False)
        if written % SEGMENTS_PER_FOLD == 0:
            fold_pending(paths, wait_s=60.0)
    fold_pending(paths, wait_s=60.0)


def _median_ms(call: Callable[[], object]) -> float:
    call()
    times = []
    for _ in range(_RUNS):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure_analytics(n_spans: int = 1_000_000, tmp_dir: Path | None = None) -> dict[str, float]:
    """``stats_by_agent_ms``, ``stats_every_1h_30d_ms``, ``anomalies_1m_ms`` and
    ``text_search_1m_ms`` on a store of ``n_spans`` spans."""
    with tempfile.TemporaryDirectory(dir=tmp_dir, prefix="analytics-") as tmp:
        path = Path(tmp) / "month.duckdb"
        build_month_store(path, n_spans)
        store = TraceStore(path)
        last = store.list_traces(limit=1)[0].start_ns
        by_agent = FigureQuery(by="agent")
        hourly = FigureQuery(
            by="agent", window=TimeWindow(since_ns=last - _DAYS_NS + 1), every_ns=_HOUR_NS
        )
        anomalies = AnomalyQuery(now_ns=last + 1)
        search = 'text:"summarise 17" agent:writer'
        return {
            "stats_by_agent_ms": _median_ms(lambda: store.figures(by_agent)),
            "stats_every_1h_30d_ms": _median_ms(lambda: store.figures(hourly)),
            "anomalies_1m_ms": _median_ms(lambda: store.anomalies(anomalies)),
            "text_search_1m_ms": _median_ms(lambda: store.page_traces(search, limit=50)),
        }


def measure_stats_queries(path: Path) -> dict[str, float]:
    """One run of both figures on the month store at ``path`` (built by
    :func:`build_month_store`), each one call after a warm-up call: ``tracekit bench``
    repeats it for the median."""

    def once_ms(call: Callable[[], object]) -> float:
        call()
        start = time.perf_counter()
        call()
        return (time.perf_counter() - start) * 1000

    store = TraceStore(path)
    last = store.list_traces(limit=1)[0].start_ns
    hourly = FigureQuery(
        by="agent", window=TimeWindow(since_ns=last - _DAYS_NS + 1), every_ns=_HOUR_NS
    )
    return {
        "stats_by_agent_ms": once_ms(lambda: store.figures(FigureQuery(by="agent"))),
        "stats_every_1h_30d_ms": once_ms(lambda: store.figures(hourly)),
    }
