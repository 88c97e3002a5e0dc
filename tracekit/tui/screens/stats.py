"""The stats screen: per agent, model or workflow over a chosen period — calls, error, stop and
retry rates, latency percentiles, tokens and cost per request — with each group's figures
over time as charts (textual-plotext); anomalous groups marked, and the flags on their own tab.

Figures come from :meth:`TraceStore.figures` (what ``tracekit stats`` prints), the flags from
:meth:`TraceStore.anomalies` (``tracekit anomalies``: the last 24h against 7 days).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher, DataTable, Footer, Header, Static, Tab, Tabs
from textual.widgets.data_table import ColumnKey
from textual_plotext import PlotextPlot

from tracekit.display import (
    UNKNOWN,
    format_cost,
    format_duration,
    format_partial_cost,
    format_tokens,
    inert,
    literal,
)
from tracekit.exceptions import TracekitError
from tracekit.store import FigureQuery, GroupFigures, TimeWindow, TraceStore
from tracekit.store.anomalies import Anomaly, AnomalyQuery, format_metric
from tracekit.store.buckets import SPAN_UNITS
from tracekit.store.figures import FigureDimension
from tracekit.tui.messages import OpenTrace
from tracekit.tui.screens.base import StoreScreen

_DIMENSIONS: tuple[tuple[FigureDimension, str], ...] = (
    ("agent", "Agents"),
    ("model", "Models"),
    ("workflow", "Workflows"),
)
_ANOMALIES_TAB = "anomalies"
_HOUR, _DAY = SPAN_UNITS["h"], SPAN_UNITS["d"]
#: The periods ``p`` steps through: (label, how far back, bucket width of the charts); the
#: whole store's buckets are a 24th of its time range.
PERIODS: tuple[tuple[str, int | None, int | None], ...] = (
    ("all", None, None),
    ("24h", _DAY, _HOUR),
    ("7d", 7 * _DAY, 6 * _HOUR),
    ("30d", 30 * _DAY, _DAY),
)
#: How many of the busiest keys get a line in the charts.
CHART_KEYS = 5
CHART_BUCKETS = 24
_HEADERS = (
    "count",
    "errors",
    "error rate",
    "stop rate",
    "retry rate",
    "p50",
    "p95",
    "p99",
    "tokens in",
    "tokens out",
    "cost",
    "cost/request",
)
_FLAG_HEADERS = ("by", "group", "metric", "baseline", "now", "robust z", "calls", "example")
#: How an anomalous group's key is marked in the table.
ANOMALY_MARK = "⚠ "


class StatsScreen(StoreScreen):
    """Figures per agent, model or workflow over a period, how they moved, and anomalies.

    Args:
        store: the store to read.
        now_ns: the clock periods and anomalies are measured back from.
    """

    CSS_PATH = "stats.tcss"
    HELP_TEXT = (
        "Figures per agent, model or workflow (a, m, w or the tabs) over a period (p: the "
        "whole store, the last 24h, 7d or 30d), as `tracekit stats` computes them. Agents "
        "count their invoke_agent spans and the tokens and cost of the LLM calls under them; "
        "models count LLM calls; workflows count runs. Errors and stops are apart: a stop is a "
        "run or call a guardrail ended. The charts show the five busiest over the period. "
        f"Rows marked {ANOMALY_MARK.strip()} are anomalous (robust z ≥ 3.5 over the last 24h "
        "against 7 days, as `tracekit anomalies`); the Anomalies tab (n) lists the flags, and "
        "enter opens a trace that drove one."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "group('agent')", "Agents"),
        Binding("m", "group('model')", "Models"),
        Binding("w", "group('workflow')", "Workflows"),
        Binding("n", "group('anomalies')", "Anomalies"),
        Binding("p", "period", "Period"),
        Binding("enter", "open", "Open", show=False),
        Binding("ctrl+r", "refresh", "Refresh", show=False),
        Binding("1", "app.switch_mode('traces')", "Traces"),
    ]

    def __init__(self, store: TraceStore, *, now_ns: Callable[[], int] = time.time_ns) -> None:
        super().__init__(store)
        self.by: FigureDimension = "agent"
        self.period = 0
        self._now_ns = now_ns
        self.flags: list[Anomaly] = []

    def compose(self) -> ComposeResult:
        """Tabs, the period line, then the table and charts or the flags."""
        yield Header(show_clock=False, icon="◆")
        tabs = [Tab(label, id=by) for by, label in _DIMENSIONS]
        yield Tabs(*tabs, Tab("Anomalies", id=_ANOMALIES_TAB), id="dimension")
        yield Static("", id="period")
        with ContentSwitcher(initial="figures", id="views"):
            with Vertical(id="figures"):
                table: DataTable[Text] = DataTable(
                    id="stats", cursor_type="row", zebra_stripes=True
                )
                table.add_column("key", key="key")
                for header in _HEADERS:
                    table.add_column(Text(header, justify="right"), key=header)
                yield table
                yield Static("", id="stats-message")
                with Horizontal(id="charts"):
                    yield PlotextPlot(id="latency-chart")
                    yield PlotextPlot(id="tokens-chart")
                    yield PlotextPlot(id="cost-chart")
            flags: DataTable[Text] = DataTable(
                id="anomalies", cursor_type="row", zebra_stripes=True
            )
            for header in _FLAG_HEADERS:
                flags.add_column(header, key=header)
            yield flags
        yield Footer()

    def on_mount(self) -> None:
        """Read the figures and the flags."""
        self.sub_title = "stats"
        self.load()
        self.query_one("#stats", DataTable).focus()

    @on(Tabs.TabActivated, "#dimension")
    def _tab(self, event: Tabs.TabActivated) -> None:
        chosen = event.tab.id
        switcher = self.query_one("#views", ContentSwitcher)
        if chosen == _ANOMALIES_TAB:
            switcher.current = "anomalies"
            self.query_one("#anomalies", DataTable).focus()
            return
        switcher.current = "figures"
        self.query_one("#stats", DataTable).focus()
        if chosen is not None and chosen != self.by:
            self.by = chosen  # type: ignore[assignment]  # tab ids are the dimensions
            self.load()

    def action_group(self, by: str) -> None:
        """Group by agent, model or workflow, or show the anomalies."""
        self.query_one("#dimension", Tabs).active = by

    def action_period(self) -> None:
        """Step to the next period (all, 24h, 7d, 30d)."""
        self.period = (self.period + 1) % len(PERIODS)
        self.load()

    def action_refresh(self) -> None:
        """Read the store again."""
        self.load()

    def action_open(self) -> None:
        """On the Anomalies tab: open the first example trace of the flag under the cursor."""
        table = self.query_one("#anomalies", DataTable)
        if self.query_one("#views", ContentSwitcher).current != "anomalies":
            return
        if 0 <= table.cursor_row < len(self.flags):
            examples = self.flags[table.cursor_row].example_trace_ids
            if examples:
                self.post_message(OpenTrace(examples[0]))

    @on(DataTable.RowSelected, "#anomalies")
    def _flag_chosen(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def load(self) -> None:
        """Read and show the table, the charts and the flags for the grouping and period."""
        message = self.query_one("#stats-message", Static)
        label, back_ns, every_ns = PERIODS[self.period]
        now = self._now_ns()
        window = TimeWindow(since_ns=now - back_ns) if back_ns is not None else TimeWindow()
        try:
            groups = self.store.figures(FigureQuery(by=self.by, window=window, top_failures=0))
            every_ns = every_ns or self._whole_store_bucket()
            series = self.store.figures(
                FigureQuery(by=self.by, window=window, every_ns=every_ns, top_failures=0)
            )
            self.flags = self.store.anomalies(AnomalyQuery(now_ns=now)).anomalies
        except TracekitError as error:
            message.update(literal(str(error), "bold red"))
            return
        shown = "the whole store" if back_ns is None else f"the last {label}"
        marked = f" · {len(self.flags)} anomalies (n)" if self.flags else ""
        self.query_one("#period", Static).update(
            Text(f"period: {shown} · p to change{marked}", style="dim")
        )
        message.update(literal("" if groups else f"nothing to group by {self.by} yet", "dim"))
        self._fill_table(groups)
        keys = [group.key for group in groups[:CHART_KEYS]]
        self._draw([g for g in series if g.key in keys], keys)
        self._fill_flags()

    def _whole_store_bucket(self) -> int:
        newest = self.store.list_traces(limit=1, order="start desc")
        oldest = self.store.list_traces(limit=1, order="start asc")
        if not newest or not oldest:
            return _HOUR
        spread = newest[0].start_ns - oldest[0].start_ns
        return max(SPAN_UNITS["s"], spread // CHART_BUCKETS + 1)

    def _fill_table(self, groups: list[GroupFigures]) -> None:
        table = self.query_one("#stats", DataTable)
        table.clear()
        table.columns[ColumnKey("key")].label = Text(self.by)
        table.refresh()
        anomalous = {flag.group for flag in self.flags if flag.by == self.by}
        for group in groups:
            cells = [
                f"{group.count:,}",
                f"{group.error_count:,}",
                _percent(group.error_rate),
                _percent(group.stop_rate),
                _percent(group.retry_rate),
                *(_ms(value) for value in (group.p50_ms, group.p95_ms, group.p99_ms)),
                format_tokens(group.input_tokens),
                format_tokens(group.output_tokens),
                format_partial_cost(group.cost_usd, group.unpriced_count),
                _cost(group.cost_per_request_usd),
            ]
            styled = [literal(cell, right=True) for cell in cells]
            if group.error_count:
                styled[1].stylize("red")
            key = literal(group.key if group.key is not None else "-", "bold")
            if group.key in anomalous:
                key = Text(ANOMALY_MARK, style="bold red") + key
                key.stylize("red")
            table.add_row(key, *styled)

    def _fill_flags(self) -> None:
        table = self.query_one("#anomalies", DataTable)
        table.clear()
        for flag in self.flags:
            arrow = "▲" if flag.direction == "up" else "▼"
            table.add_row(
                literal(flag.by),
                literal(flag.group if flag.group is not None else "-", "bold red"),
                literal(flag.metric),
                literal(format_metric(flag.metric, flag.baseline), right=True),
                literal(f"{format_metric(flag.metric, flag.now)} {arrow}", "red", right=True),
                literal(f"{flag.robust_z:+.1f}", right=True),
                literal(f"{flag.calls:,}", right=True),
                literal(flag.example_trace_ids[0] if flag.example_trace_ids else ""),
            )

    def _draw(self, series: list[GroupFigures], keys: list[str | None]) -> None:
        charts: tuple[tuple[str, str, Callable[[GroupFigures], float]], ...] = (
            ("#latency-chart", "p95 latency (ms)", lambda g: g.p95_ms or 0.0),
            (
                "#tokens-chart",
                "tokens",
                lambda g: float((g.input_tokens or 0) + (g.output_tokens or 0)),
            ),
            ("#cost-chart", "cost ($)", lambda g: g.cost_usd or 0.0),
        )
        lines: dict[str | None, list[GroupFigures]] = {key: [] for key in keys}
        for group in series:
            lines[group.key].append(group)
        # x is the bucket's index, not its time: plotext laid out ticks at ~1e18 (ns since the
        # epoch) differently from one process to the next (it followed the hash seed).
        starts = sorted({g.bucket_start_ns or 0 for g in series})
        index = {start: float(i) for i, start in enumerate(starts)}
        for selector, title, value in charts:
            plot = self.query_one(selector, PlotextPlot)
            plt = plot.plt
            plt.clear_figure()
            plt.title(title)
            ticks: dict[float, str] = {}
            for key, points in lines.items():
                if not points:
                    continue
                xs = [index[p.bucket_start_ns or 0] for p in points]
                label = inert(key if key is not None else "-")[:20]
                plt.plot(xs, [value(p) for p in points], label=label, marker="braille")
                for x, point in zip(xs, points, strict=True):
                    ticks.setdefault(x, _clock(point.bucket_start_ns or 0))
            if ticks:
                # One x per label: plotext keeps one of several equal labels by the label's
                # hash, so with repeats the axis changed from one process to the next.
                first: dict[str, float] = {}
                for x in sorted(ticks):
                    first.setdefault(ticks[x], x)
                unique = sorted(first.values())
                # The first and the last: three labels collide in a third of the screen,
                # and which one plotext then drops changed between processes too.
                shown = sorted({unique[0], unique[-1]})
                plt.xticks(shown, [ticks[x] for x in shown])
            plot.refresh()


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _cost(value: float | None) -> str:
    return UNKNOWN if value is None else format_cost(value)


def _ms(value: float | None) -> str:
    return "—" if value is None else format_duration(int(value * 1e6))


def _clock(ns: float) -> str:
    return datetime.fromtimestamp(ns / 1e9, tz=timezone.utc).strftime("%m-%d %H:%M")
