"""Anomalies: groups whose recent figure departs from their own baseline (``tracekit anomalies``).

The method, a robust z-score against the group's own past, with a seasonal-naive baseline:

1. The recent window is the last ``since`` (default 24h) before ``now``. The baseline is the
   ``baseline`` (default 7d) before it, cut into windows of the same length, aligned to
   ``now`` (so each is a like-for-like period).
2. Seasonal-naive: when the pattern would otherwise be a false alarm, only baseline windows
   at the same phase count. A recent window shorter than a day is compared with the same
   hours of the previous days (a daily pattern: nights are not days); with a baseline of
   three weeks or more, a window is compared with the same time of the previous weeks (a
   weekly pattern: a Saturday with the Saturdays). Otherwise every baseline window counts.
3. For each group (agent, model, workflow) and metric (tokens per call, cost per run,
   p95 latency, error rate, retry rate) the figures of those windows give a median and a
   MAD (median absolute deviation), and the recent figure ``x`` a robust z-score
   ``z = 0.6745 · (x − median) / MAD``. ``|z| ≥ 3.5`` flags it (Iglewicz and Hoaglin's
   outlier rule); error and retry rates only flag when they rise.
4. The MAD has floors, so a steady group (MAD near 0) does not flag on noise: 5% of the
   median for every metric, and for rates the sampling noise of the recent window's calls,
   ``0.6745 · sqrt(p(1−p)/n)``. A group needs :data:`MIN_CALLS` recent calls and
   :data:`MIN_BASELINE_WINDOWS` baseline windows with calls to be judged at all.

Every figure comes from :func:`tracekit.store.analytics.read_figures` (one bucketed read per
dimension, the buckets aligned to the windows), so ``stats`` and ``anomalies`` never
disagree on what a figure means. Each flag names the traces of the recent window that drove
it most (the most tokens, the slowest call, the errors, the retries).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from tracekit import semconv as sc
from tracekit.display import format_cost, format_duration
from tracekit.exceptions import ConfigError
from tracekit.store.analytics import read_figures
from tracekit.store.anomaly_rules import (
    ANOMALY_DIMENSIONS,
    MIN_CALLS,
    THRESHOLD,
    AnomalyDimension,
)
from tracekit.store.buckets import SPAN_UNITS, TimeWindow
from tracekit.store.figures import FigureQuery, GroupFigures
from tracekit.store.filters import TraceFilter
from tracekit.store.outcomes import (
    FAILED_OUTCOME_SQL,
    HAS_RETRY_OR_FALLBACK_SQL,
    LLM_OPERATIONS_SQL,
    RETRIES_SQL,
    sql_literal,
)

AnomalyMetric = Literal[
    "tokens_per_call", "cost_per_run", "latency_p95", "error_rate", "retry_rate"
]
#: The metrics judged, in report order.
ANOMALY_METRICS: tuple[AnomalyMetric, ...] = (
    "tokens_per_call",
    "cost_per_run",
    "latency_p95",
    "error_rate",
    "retry_rate",
)
Season = Literal["none", "day", "week"]

#: Makes the MAD of normal data comparable to its standard deviation (Φ⁻¹(0.75)).
MAD_SCALE = 0.6745
#: A MAD is never taken as less than this share of the median.
RELATIVE_FLOOR = 0.05
#: A group needs at least this many baseline windows with calls to be judged.
MIN_BASELINE_WINDOWS = 3
#: One-line name of the method, for ``--help``, the README and ``--json``.
METHOD = (
    "robust z = 0.6745·(now − median)/MAD of the group's own baseline windows "
    f"(seasonal-naive: same hours of past days, same time of past weeks), flag at |z| ≥ {THRESHOLD}"
)

_DAY_NS = SPAN_UNITS["d"]
_WEEK_NS = SPAN_UNITS["w"]
_RISE_ONLY = frozenset({"error_rate", "retry_rate"})
_RATES = _RISE_ONLY


@dataclass(frozen=True)
class AnomalyQuery:
    """What to judge: the recent window of ``since_ns`` before ``now_ns`` (default: now)
    against ``baseline_ns`` before it, per dimension, for traces matching ``matching``."""

    since_ns: int = SPAN_UNITS["h"] * 24
    baseline_ns: int = SPAN_UNITS["d"] * 7
    dimensions: tuple[AnomalyDimension, ...] = ANOMALY_DIMENSIONS
    now_ns: int | None = None
    matching: TraceFilter = field(default_factory=TraceFilter)
    threshold: float = THRESHOLD
    #: How many example trace ids each flag names.
    examples: int = 3

    def windows(self) -> int:
        """How many baseline windows of ``since_ns`` the baseline holds (ConfigError when
        fewer than :data:`MIN_BASELINE_WINDOWS`)."""
        count = self.baseline_ns // self.since_ns
        if count < MIN_BASELINE_WINDOWS:
            raise ConfigError(
                f"the baseline must hold at least {MIN_BASELINE_WINDOWS} windows of --since "
                "(e.g. --since 24h --baseline 7d)"
            )
        return count

    def season(self) -> Season:
        """The seasonal pattern windows are matched on (see the module docstring)."""
        if self.baseline_ns >= 3 * _WEEK_NS and _WEEK_NS % self.since_ns == 0:
            return "week"
        if (
            self.since_ns < _DAY_NS
            and _DAY_NS % self.since_ns == 0
            and self.baseline_ns >= (MIN_BASELINE_WINDOWS * _DAY_NS)
        ):
            return "day"
        return "none"


class Anomaly(BaseModel):
    """One flag: a group's metric in the recent window against its baseline."""

    model_config = ConfigDict(frozen=True)

    by: AnomalyDimension
    group: str | None
    metric: AnomalyMetric
    #: The metric in the recent window and the median of the baseline windows.
    now: float
    baseline: float
    #: The (floored) MAD the z-score divides by.
    mad: float
    robust_z: float
    direction: Literal["up", "down"]
    #: Calls (agents, models) or runs (workflows) in the recent window.
    calls: int
    baseline_windows: int
    #: Traces of the recent window that drove the figure most.
    example_trace_ids: list[str]


class AnomalyReport(BaseModel):
    """The flags, most unusual first, and what was judged."""

    model_config = ConfigDict(frozen=True)

    method: str
    threshold: float
    season: Season
    window_start_ns: int
    window_end_ns: int
    baseline_start_ns: int
    #: Groups judged (with enough recent calls and baseline windows), per dimension.
    judged: dict[str, int]
    anomalies: list[Anomaly]


_METRIC_OF: dict[AnomalyMetric, Callable[[GroupFigures], float | None]] = {
    "tokens_per_call": lambda g: (
        None
        if g.input_tokens_per_call is None and g.output_tokens_per_call is None
        else (g.input_tokens_per_call or 0.0) + (g.output_tokens_per_call or 0.0)
    ),
    "cost_per_run": lambda g: g.cost_per_request_usd,
    "latency_p95": lambda g: g.p95_ms,
    "error_rate": lambda g: g.error_rate,
    "retry_rate": lambda g: g.retry_rate,
}


def metric_value(group: GroupFigures, metric: AnomalyMetric) -> float | None:
    """``metric`` of one group's figures (``None`` when unknown, e.g. an unpriced cost)."""
    return _METRIC_OF[metric](group)


def format_metric(metric: AnomalyMetric, value: float) -> str:
    """A metric's value as a person reads it (``12.5%``, ``1.2 s``, ``$0.0040``, ``1,250``)."""
    if metric in _RATES:
        return f"{value:.1%}"
    if metric == "latency_p95":
        return format_duration(int(value * 1e6))
    if metric == "cost_per_run":
        return format_cost(value)
    return f"{value:,.0f}"


def robust_z(
    value: float, baseline: Sequence[float], *, floor: float = 0.0
) -> tuple[float, float, float]:
    """(z, median, MAD) of ``value`` against ``baseline``, the MAD floored at ``floor`` and
    at :data:`RELATIVE_FLOOR` of the median.

    >>> z, median, mad = robust_z(30.0, [10.0, 11.0, 9.0, 10.0, 12.0])
    >>> round(z, 1), median, mad
    (13.5, 10.0, 1.0)
    """
    median = statistics.median(baseline)
    mad = statistics.median(abs(one - median) for one in baseline)
    mad = max(mad, floor, RELATIVE_FLOOR * abs(median), 1e-12)
    return MAD_SCALE * (value - median) / mad, median, mad


def find_anomalies(con: Any, query: AnomalyQuery) -> AnomalyReport:
    """Judge every group of ``query.dimensions`` (see the module docstring)."""
    windows = query.windows()
    season = query.season()
    end = query.now_ns if query.now_ns is not None else time.time_ns()
    recent_start = end - query.since_ns
    first = recent_start - windows * query.since_ns
    # Windows at the same phase: every ``step``-th before the recent one.
    step = {"none": 1, "day": _DAY_NS // query.since_ns, "week": _WEEK_NS // query.since_ns}[season]
    compared = {recent_start - k * query.since_ns for k in range(step, windows + 1, step)}
    if len(compared) < MIN_BASELINE_WINDOWS:
        raise ConfigError(
            f"a {season}ly pattern needs a baseline of at least {MIN_BASELINE_WINDOWS} "
            f"{season}s (e.g. --baseline {MIN_BASELINE_WINDOWS * (7 if season == 'week' else 1)}d)"
        )
    flags: list[Anomaly] = []
    judged: dict[str, int] = {}
    for by in query.dimensions:
        figures = read_figures(
            con,
            FigureQuery(
                by=by,
                window=TimeWindow(since_ns=first, until_ns=end),
                matching=query.matching,
                every_ns=query.since_ns,
                top_failures=0,
                bucket_origin_ns=first,
            ),
        )
        recent: dict[str | None, GroupFigures] = {}
        past: dict[str | None, list[GroupFigures]] = {}
        for group in figures:
            if group.bucket_start_ns == recent_start:
                recent[group.key] = group
            elif group.bucket_start_ns in compared:
                past.setdefault(group.key, []).append(group)
        judged[by] = 0
        for key, now in recent.items():
            history = past.get(key, [])
            if now.count < MIN_CALLS or len(history) < MIN_BASELINE_WINDOWS:
                continue
            judged[by] += 1
            for metric in ANOMALY_METRICS:
                flag = _judge(by, key, metric, now, history, query.threshold)
                if flag is not None:
                    flags.append(flag)
    flags.sort(key=lambda flag: (-abs(flag.robust_z), flag.by, flag.group or "", flag.metric))
    with_examples = [
        flag.model_copy(
            update={
                "example_trace_ids": _examples(
                    con, flag, recent_start, end, query.matching, query.examples
                )
            }
        )
        for flag in flags
    ]
    return AnomalyReport(
        method=METHOD,
        threshold=query.threshold,
        season=season,
        window_start_ns=recent_start,
        window_end_ns=end,
        baseline_start_ns=first,
        judged=judged,
        anomalies=with_examples,
    )


def _judge(
    by: AnomalyDimension,
    key: str | None,
    metric: AnomalyMetric,
    now: GroupFigures,
    history: list[GroupFigures],
    threshold: float,
) -> Anomaly | None:
    value = metric_value(now, metric)
    baseline = [v for v in (metric_value(one, metric) for one in history) if v is not None]
    if value is None or len(baseline) < MIN_BASELINE_WINDOWS:
        return None
    z, median, mad = robust_z(value, baseline)
    if metric in _RATES:
        # A rate of a few calls in n wanders by chance: it must also stand out from what
        # the baseline rate gives for n calls by Poisson noise alone (Anscombe's transform,
        # which is ~N(0, 1) for counts), else 5 retries where 1 is usual would flag.
        z = min(z, _count_z(value * now.count, median * now.count))
    if abs(z) < threshold or (metric in _RISE_ONLY and z < 0):
        return None
    return Anomaly(
        by=by,
        group=key,
        metric=metric,
        now=value,
        baseline=median,
        mad=mad,
        robust_z=z,
        direction="up" if z > 0 else "down",
        calls=now.count,
        baseline_windows=len(baseline),
        example_trace_ids=[],
    )


def _count_z(observed: float, expected: float) -> float:
    """How unusual ``observed`` events are where ``expected`` are usual, as a z-score
    (Anscombe's variance-stabilising transform of a Poisson count).

    >>> round(_count_z(5, 1), 1), round(_count_z(17, 1), 1)
    (2.3, 6.0)
    """
    return 2.0 * (math.sqrt(observed + 0.375) - math.sqrt(expected + 0.375))


# --- the traces that drove a flag -----------------------------------------------------------------

_IS_LLM = f"list_contains({LLM_OPERATIONS_SQL}, operation)"
_AGENT_OP = sql_literal(sc.OP_INVOKE_AGENT)
_IS_ERROR = f"({FAILED_OUTCOME_SQL}) = 'error'"
#: Per metric: (which spans of the group count, the score of a trace over them).
_SPAN_SCORES: dict[AnomalyMetric, tuple[str, str]] = {
    "tokens_per_call": (_IS_LLM, "sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0))"),
    "cost_per_run": (_IS_LLM, "sum(cost_usd)"),
    "latency_p95": ("{call}", "max(duration_ns)"),
    "error_rate": (f"{{call}} AND {_IS_ERROR}", "count(*)"),
    "retry_rate": (HAS_RETRY_OR_FALLBACK_SQL, f"sum({RETRIES_SQL})"),
}
_CALL_ROWS = {"agent": f"operation = {_AGENT_OP}", "model": _IS_LLM}
_RUN_SCORES: dict[AnomalyMetric, str] = {
    "tokens_per_call": "input_tokens + output_tokens",
    "cost_per_run": "cost_usd",
    "latency_p95": "duration_ns",
    "error_rate": "CASE WHEN status = 'error' THEN 1 END",
    "retry_rate": f"""(SELECT sum({RETRIES_SQL}) FROM spans AS s
                       WHERE s.trace_id = traces.trace_id AND {HAS_RETRY_OR_FALLBACK_SQL})""",
}


def _examples(
    con: Any,
    flag: Anomaly,
    start_ns: int,
    end_ns: int,
    matching: TraceFilter,
    limit: int,
) -> list[str]:
    order = "DESC" if flag.direction == "up" else "ASC"
    key_test = f"{flag.by} IS NOT DISTINCT FROM ?"
    params: list[Any] = [flag.group, start_ns, end_ns]
    if flag.by == "workflow":
        sql = f"""SELECT trace_id, {_RUN_SCORES[flag.metric]} AS score, start_ns AS last_ns
                  FROM traces
                  WHERE {key_test} AND start_ns >= ? AND start_ns < ?{{matching}}"""
    else:
        rows, score = _SPAN_SCORES[flag.metric]
        rows = rows.format(call=_CALL_ROWS[flag.by])
        sql = f"""SELECT trace_id, {score} AS score, max(start_ns) AS last_ns FROM spans
                  WHERE {key_test} AND start_ns >= ? AND start_ns < ? AND {rows}{{matching}}
                  GROUP BY trace_id"""
    extra = ""
    if matching.where:
        column = "" if flag.by == "workflow" else "trace_id IN (SELECT trace_id FROM traces WHERE "
        extra = f" AND ({matching.where})" if not column else f" AND {column}{matching.where})"
        params.extend(matching.params)
    # Ties (one error each) go to the latest traces: the ones a user looks at first.
    rows_found = con.execute(
        f"SELECT trace_id FROM ({sql.format(matching=extra)}) WHERE score IS NOT NULL "
        f"ORDER BY score {order}, last_ns DESC, trace_id LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [str(row[0]) for row in rows_found]
