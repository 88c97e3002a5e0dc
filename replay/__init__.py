"""Deterministic replay of recorded tracekit runs.

The replay engine and its pytest plugin live in this package (see DESIGN §6). The
recording it replays is produced by :mod:`tracekit`'s store.
"""

__all__: list[str] = []
