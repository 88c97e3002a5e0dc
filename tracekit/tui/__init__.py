"""The terminal trace browser (``tracekit ui``): the only package that imports Textual.

>>> from tracekit.tui import open_app
>>> open_app("runs.duckdb").run()  # doctest: +SKIP
"""

from tracekit.tui.app import TracekitApp, open_app

__all__ = ["TracekitApp", "open_app"]
