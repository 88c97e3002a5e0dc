"""Reusable widgets of the trace browser (each carries its own ``DEFAULT_CSS``)."""

from tracekit.tui.widgets.sessions import SessionTable
from tracekit.tui.widgets.waterfall import SpanWaterfall

__all__ = ["SessionTable", "SpanWaterfall"]
