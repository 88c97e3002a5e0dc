"""Keeping the app's long-lived objects out of the garbage collector's sight while it runs.

A full collection walks every tracked object; the app, its modules and the traces list live
as long as the app, so :func:`gc.freeze` moves them where no collection looks (opening a
10,000-span trace sets one off: 100 ms less on the UI thread). The app may run inside a
longer-lived process (a test run, a notebook), so what was frozen is given back when it
exits, and a freeze asked for afterwards (by a warm-up thread finishing late) is skipped.
"""

from __future__ import annotations

import gc
import threading


class HeapFreeze:
    """Freezes the heap while the app runs; after :meth:`release`, never again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._released = False

    def freeze(self) -> None:
        """Freeze every object tracked now, unless the app has exited."""
        with self._lock:
            if not self._released:
                gc.freeze()

    def release(self) -> None:
        """Give the frozen objects back to the collector, and refuse later freezes."""
        with self._lock:
            self._released = True
            gc.unfreeze()
