"""The stats screen: per agent, model or workflow — count, error rate, latency percentiles,
tokens and cost — and charts of latency, tokens and cost over time (textual-plotext)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Static, Tab, Tabs
from textual.widgets.data_table import ColumnKey
from textual_plotext import PlotextPlot

from tracekit.display import (
    format_duration,
    format_partial_cost,
    format_tokens,
    inert,
    literal,
)
from tracekit.exceptions import TracekitError
from tracekit.store import TraceStore
from tracekit.store.models import SeriesPoint, StatsDimension, StatsRow, StatsSeries
from tracekit.tui.screens.base import StoreScreen

_DIMENSIONS: tuple[tuple[StatsDimension, str], ...] = (
    ("agent", "Agents"),
    ("model", "Models"),
    ("workflow", "Workflows"),
)
#: How many of the busiest keys get a line in the charts.
CHART_KEYS = 5
CHART_BUCKETS = 24
_HEADERS = (
    "count",
    "errors",
    "error rate",
    "stop rate",
    "p50",
    "p95",
    "p99",
    "tokens in",
    "tokens out",
    "cost",
)


class StatsScreen(StoreScreen):
    """Aggregates per agent, model or workflow, and how they moved over time."""

    CSS_PATH = "stats.tcss"
    HELP_TEXT = (
        "Aggregates of the whole store, grouped by agent, model or workflow (a, m, w or the "
        "tabs). Agents count their invoke_agent spans and the tokens and cost of the LLM calls "
        "under them; models count LLM calls; workflows count runs. Errors and stops are apart: a "
        "stop is a run or call a guardrail ended (a limit, a loop, an open breaker). The charts "
        "show the five busiest over time."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "group('agent')", "Agents"),
        Binding("m", "group('model')", "Models"),
        Binding("w", "group('workflow')", "Workflows"),
        Binding("ctrl+r", "refresh", "Refresh", show=False),
        Binding("1", "app.switch_mode('traces')", "Traces"),
    ]

    def __init__(self, store: TraceStore) -> None:
        super().__init__(store)
        self.by: StatsDimension = "agent"

    def compose(self) -> ComposeResult:
        """Tabs, the table, three charts."""
        yield Header(show_clock=False, icon="◆")
        yield Tabs(*(Tab(label, id=by) for by, label in _DIMENSIONS), id="dimension")
        table: DataTable[Text] = DataTable(id="stats", cursor_type="row", zebra_stripes=True)
        table.add_column("key", key="key")
        for header in _HEADERS:
            table.add_column(Text(header, justify="right"), key=header)
        yield table
        yield Static("", id="stats-message")
        with Horizontal(id="charts"):
            yield PlotextPlot(id="latency-chart")
            yield PlotextPlot(id="tokens-chart")
            yield PlotextPlot(id="cost-chart")
        yield Footer()

    def on_mount(self) -> None:
        """Read the aggregates."""
        self.sub_title = "stats"
        self.load()
        self.query_one("#stats", DataTable).focus()

    @on(Tabs.TabActivated, "#dimension")
    def _tab(self, event: Tabs.TabActivated) -> None:
        by = event.tab.id
        if by is not None and by != self.by:
            self.by = by  # type: ignore[assignment]  # tab ids are the dimensions
            self.load()

    def action_group(self, by: str) -> None:
        """Group by agent, model or workflow."""
        self.query_one("#dimension", Tabs).active = by

    def action_refresh(self) -> None:
        """Read the store again."""
        self.load()

    def load(self) -> None:
        """Read and show the table and the charts for the current grouping."""
        message = self.query_one("#stats-message", Static)
        try:
            rows = self.store.stats(self.by)
            keys = [row.key for row in rows[:CHART_KEYS]]
            series = self.store.stats_series(self.by, buckets=CHART_BUCKETS, keys=keys)
        except TracekitError as error:
            message.update(literal(str(error), "bold red"))
            return
        message.update(literal("" if rows else f"nothing to group by {self.by} yet", "dim"))
        self._fill_table(rows)
        self._draw(series)

    def _fill_table(self, rows: list[StatsRow]) -> None:
        table = self.query_one("#stats", DataTable)
        table.clear()
        table.columns[ColumnKey("key")].label = Text(self.by)
        table.refresh()
        for row in rows:
            cells = [
                f"{row.count:,}",
                f"{row.error_count:,}",
                f"{row.error_rate:.1%}",
                f"{row.stop_rate:.1%}",
                *(_ms(value) for value in (row.p50_ms, row.p95_ms, row.p99_ms)),
                format_tokens(row.input_tokens),
                format_tokens(row.output_tokens),
                format_partial_cost(row.cost_usd, row.unpriced_spans),
            ]
            styled = [literal(cell, right=True) for cell in cells]
            if row.error_count:
                styled[1].stylize("red")
            table.add_row(literal(row.key if row.key is not None else "-", "bold"), *styled)

    def _draw(self, series: list[StatsSeries]) -> None:
        charts: tuple[tuple[str, str, Callable[[SeriesPoint], float]], ...] = (
            ("#latency-chart", "p95 latency (ms)", lambda p: p.p95_ms or 0.0),
            ("#tokens-chart", "tokens", lambda p: float(p.input_tokens + p.output_tokens)),
            ("#cost-chart", "cost ($)", lambda p: p.cost_usd),
        )
        for selector, title, value in charts:
            plot = self.query_one(selector, PlotextPlot)
            plt = plot.plt
            plt.clear_figure()
            plt.title(title)
            ticks: dict[float, str] = {}
            for line in series:
                if not line.points:
                    continue
                xs = [float(p.bucket_start_ns) for p in line.points]
                label = inert(line.key if line.key is not None else "-")[:20]
                ys = [value(p) for p in line.points]
                plt.plot(xs, ys, label=label, marker="braille")
                for x in xs:
                    ticks.setdefault(x, _clock(x))
            if ticks:
                shown = sorted(ticks)[:: max(1, len(ticks) // 3)]
                plt.xticks(shown, [ticks[x] for x in shown])
            plot.refresh()


def _ms(value: float | None) -> str:
    return "-" if value is None else format_duration(int(value * 1e6))


def _clock(ns: float) -> str:
    return datetime.fromtimestamp(ns / 1e9).strftime("%H:%M")
