"""Benchmarks behind ``tracekit bench``: each returns named figures for one run.

Nothing here is API: ``tracekit bench`` is the interface, and each module is imported only
when its figures are measured.
"""

__all__: list[str] = []
