"""Reusable widgets of the trace browser (each carries its own ``DEFAULT_CSS``).

They load on first use, as the screens do: the span waterfall (and the store's span models
it draws) is not needed for the first screen.
"""

from tracekit.lazy import lazy_exports

__getattr__ = lazy_exports(
    __name__,
    {
        "SessionTable": "tracekit.tui.widgets.sessions",
        "SpanWaterfall": "tracekit.tui.widgets.waterfall",
    },
)

__all__ = ["SessionTable", "SpanWaterfall"]
