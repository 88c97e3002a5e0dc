""":func:`gc_paused`: the cyclic garbage collector held off while a reader builds a trace.

Reading a 10,000-span trace builds tens of thousands of acyclic objects (rows, dicts,
lists). Each allocation burst sets off a cyclic-GC pass that traverses everything built so
far and can free none of it: that doubled the time to load such a trace. The store's
reads and ``tracekit show`` (which keeps it paused while it writes the trace) pause it with
this one context manager.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic GC for the block; re-enable it after only if it was enabled
    before (nested pauses, and a caller that turned it off itself, are left as they were).

    >>> import gc
    >>> with gc_paused():
    ...     gc.isenabled()
    False
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
