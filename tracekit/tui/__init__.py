"""The terminal trace browser (``tracekit ui``): the only package that imports Textual.

>>> from tracekit.store import TraceStore
>>> from tracekit.tui import TracekitApp
>>> TracekitApp(TraceStore("runs.duckdb")).run()  # doctest: +SKIP
"""

from tracekit.tui.app import TracekitApp

__all__ = ["TracekitApp"]
