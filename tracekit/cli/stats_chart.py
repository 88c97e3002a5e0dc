"""``tracekit stats --every … --chart METRIC``: the busiest groups' figure over time, drawn in
the terminal with plotext (imported here, lazily: only a chart pays for it).

Group names come from traces (untrusted): they reach the chart's legend through
:func:`tracekit.display.inert`, and the chart is colourless unless stdout is a terminal, so
piped output holds no escape sequence at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from tracekit.display import inert
from tracekit.store.figure_rows import FigureRow

#: What ``--chart`` can draw: the y-axis label and the figure of one group in one bucket.
CHART_METRICS: dict[str, tuple[str, Callable[[FigureRow], float | None]]] = {
    "latency": ("p95 latency (ms)", lambda g: g.p95_ms),
    "cost": ("cost (USD)", lambda g: g.cost_usd),
    "tokens": (
        "tokens (in + out)",
        lambda g: (
            None
            if g.input_tokens is None and g.output_tokens is None
            else float((g.input_tokens or 0) + (g.output_tokens or 0))
        ),
    ),
    "errors": ("error rate (%)", lambda g: None if g.error_rate is None else 100 * g.error_rate),
}
#: How many groups get a line (the busiest).
CHART_GROUPS = 5


def render_chart(
    metric: str,
    groups: Sequence[FigureRow],
    *,
    by: str,
    every_ns: int,
    width: int,
    height: int = 20,
    colour: bool = False,
) -> str:
    """The chart as text: one line per group (the :data:`CHART_GROUPS` busiest), x the bucket
    start (UTC), y the figure; buckets without a figure leave a gap in the line."""
    import plotext as plt

    label, figure = CHART_METRICS[metric]
    keys: list[str | None] = []
    for group in groups:
        if group.key not in keys:
            keys.append(group.key)
    starts = sorted({g.bucket_start_ns for g in groups if g.bucket_start_ns is not None})
    index = {start: position for position, start in enumerate(starts)}
    plt.clear_figure()
    plt.limitsize(False, False)  # the size given, not the size of the terminal plotext sees
    plt.plotsize(width, height)
    plt.theme("pro" if colour else "clear")
    for key in keys[:CHART_GROUPS]:
        points = [
            (index[g.bucket_start_ns], value)
            for g in groups
            if g.key == key and g.bucket_start_ns is not None
            for value in [figure(g)]
            if value is not None
        ]
        if points:
            xs, ys = zip(*points, strict=True)
            plt.plot(
                list(xs), list(ys), label=inert(key if key is not None else "-"), marker="braille"
            )
    if starts:
        shown = _tick_positions(len(starts))
        plt.xticks(shown, [_bucket_label(starts[i], every_ns) for i in shown])
    plt.title(f"{label} per {by}, every {_span_text(every_ns)} (UTC)")
    text: str = plt.build()
    plt.clear_figure()
    # The "clear" theme still resets colours after each line: drop every escape sequence.
    return text if colour else str(plt.uncolorize(text))


def _tick_positions(count: int, most: int = 6) -> list[int]:
    if count <= most:
        return list(range(count))
    step = (count - 1) / (most - 1)
    return sorted({round(i * step) for i in range(most)})


def _bucket_label(start_ns: int, every_ns: int) -> str:
    moment = datetime.fromtimestamp(start_ns / 1e9, tz=timezone.utc)
    return moment.strftime("%m-%d" if every_ns >= 86_400 * 10**9 else "%m-%d %H:%M")


def _span_text(every_ns: int) -> str:
    for unit, size in (("w", 7 * 86_400), ("d", 86_400), ("h", 3_600), ("m", 60)):
        if every_ns % (size * 10**9) == 0:
            return f"{every_ns // (size * 10**9)}{unit}"
    return f"{every_ns / 1e9:g}s"
