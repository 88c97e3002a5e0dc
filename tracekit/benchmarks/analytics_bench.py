"""Analytics benchmark: ``tracekit stats`` figures on a big store that covers 30 days.

The store is the ingest benchmark's synthetic agent runs (:mod:`tracekit.benchmarks.store_bench`)
spread over 30 days, built through real spool segments and folds. One run of
:func:`measure_month_queries` times one call of the store's query API per figure (one read
round each, on a fresh connection, as the command makes), after one warm-up call;
``tracekit bench`` repeats it for the median, min and max:

- ``stats_by_agent_ms``: every figure per agent over the whole store;
- ``stats_every_1h_30d_ms``: the same per agent and per hour over the last 30 days (720
  buckets), what ``tracekit stats --by agent --every 1h --since 30d`` computes;

  both as the command computes them: the store's plain rows (:meth:`TraceStore.figure_rows`;
  the pydantic models of :meth:`TraceStore.figures`, for ``--json`` and the TUI, are built
  from them and cost ~30 ms more for the 3,605 hourly groups);
- ``anomalies_1m_ms``: ``tracekit anomalies`` (last 24h against 7 days, per agent, model
  and workflow, with example traces);
- ``text_search_1m_ms``: a ``text:`` search of the stored messages combined with another
  term, a page of the matching traces and their count (``tracekit traces --filter
  'text:"summarise 17" agent:writer'``): a term with digits, which is sifted by them first;
- ``text_search_words_1m_ms``: the same with a term of letters only (``text:summarise``),
  which matches most traces and has nothing to sift by: an ``ILIKE`` of all the content.
"""

from __future__ import annotations

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


#: The figures :func:`measure_month_queries` reports.
MONTH_FIGURES = (
    "stats_by_agent_ms",
    "stats_every_1h_30d_ms",
    "anomalies_1m_ms",
    "text_search_1m_ms",
    "text_search_words_1m_ms",
)
#: The ``text:`` searches timed: a phrase of the synthetic messages and another term, and a
#: word (letters only) with it.
TEXT_SEARCH = 'text:"summarise 17" agent:writer'
WORDS_SEARCH = "text:summarise agent:writer"
#: How ``text:`` searches here, for the figures' notes: DuckDB's ``fts`` extension is not in
#: the duckdb wheel, cannot be installed offline, and PyPI's ``duckdb-ext-fts`` loads on
#: DuckDB 1.4.4 only (see :mod:`tracekit.store.filters`).
SEARCH_NOTE = "ILIKE scan (no fts extension offline)"


def measure_month_queries(path: Path) -> dict[str, float]:
    """One run of the :data:`MONTH_FIGURES` on the month store at ``path`` (built by
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
    anomalies = AnomalyQuery(now_ns=last + 1)
    return {
        "stats_by_agent_ms": once_ms(lambda: store.figure_rows(FigureQuery(by="agent"))),
        "stats_every_1h_30d_ms": once_ms(lambda: store.figure_rows(hourly)),
        "anomalies_1m_ms": once_ms(lambda: store.anomalies(anomalies)),
        "text_search_1m_ms": once_ms(lambda: store.page_traces(TEXT_SEARCH, limit=50)),
        "text_search_words_1m_ms": once_ms(lambda: store.page_traces(WORDS_SEARCH, limit=50)),
    }
