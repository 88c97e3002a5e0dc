"""The threads a fan-out (``Context.map``) runs its calls on: one process-wide pool of reusable
threads.

A pool per ``map`` started and joined its threads on every call, about 1.5 ms per map on the
2-core machine: more than a replayed fan-out's calls cost, and paid by every recorded run too.
The shared pool keeps its idle threads. It never queues a task behind busy threads (its size
is not a practical limit), so a fan-out inside a fanned-out call cannot wait on itself, and
each fan-out still runs at most ``workers`` of its calls at once.

The caller is one of those workers: it takes calls from the same queue as the pool threads it
started, instead of idling until they finish. A replayed call (answered from the recording)
costs less than handing it to a thread, so the caller often runs all of them; the pool threads
that have not started by then are cancelled, not waited for. A replay that answers every call
from its recording skips the pool altogether (``ToolAnswers.in_place``: the waking alone cost
more than the calls).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

#: More threads than any run has calls in flight: the pool only bounds a runaway.
_MAX_THREADS = 256

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid = 0


def _shared_pool() -> ThreadPoolExecutor:
    global _pool, _pool_pid
    pid = os.getpid()
    pool = _pool
    if pool is not None and _pool_pid == pid:
        return pool
    with _lock:
        # A forked child inherits the pool object but none of its threads: it needs its own.
        if _pool is None or _pool_pid != pid:
            _pool = ThreadPoolExecutor(max_workers=_MAX_THREADS, thread_name_prefix="tracekit-map")
            _pool_pid = pid
        return _pool


def run_parallel(
    calls: Sequence[Callable[[], Any]], workers: int
) -> list[tuple[Any, BaseException | None]]:
    """Run every call, at most ``workers`` at once, on the caller's thread and ``workers - 1``
    pool threads; return each one's ``(result, None)`` or ``(None, error)`` in the order of
    ``calls``, once all have finished."""
    outcomes: list[tuple[Any, BaseException | None]] = [(None, None)] * len(calls)
    pending = iter(range(len(calls)))
    take = threading.Lock()

    def drain(caller: bool = False) -> None:
        while True:
            with take:
                index = next(pending, None)
            if index is None:
                return
            try:
                outcomes[index] = (calls[index](), None)
            except BaseException as error:  # as a Future would keep it, to re-raise in order
                if caller and isinstance(error, KeyboardInterrupt | SystemExit):
                    # The caller's own interrupt goes up at once, as it did while it waited
                    # on the pool; the helpers take no further call.
                    with take:
                        for _ in pending:
                            pass
                    raise
                outcomes[index] = (None, error)

    helpers = max(1, min(workers, len(calls))) - 1
    futures = [_shared_pool().submit(drain) for _ in range(helpers)] if helpers else []
    drain(caller=True)
    for future in futures:
        # A helper still queued when the caller ran out of calls has nothing left to take:
        # cancelled, it is not waited for (nor woken for nothing on a busy machine).
        if not future.cancel():
            future.result()
    return outcomes


__all__ = ["run_parallel"]
