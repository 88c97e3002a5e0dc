"""The process's older objects set aside from the cyclic garbage collector during a replay.

A replay builds thousands of small containers (the parsed file, two trajectories, a report)
that stay alive until it ends. Each collection of the young ones moves them on towards the
oldest generation, and often enough the collector then walks the whole heap: every object
the process holds (the test session's, every imported module's), finding nothing. On the
bench's ten-step replay those full passes were about a tenth of its time, and they grow
with the host process. ``gc.freeze`` sets every object that exists before the replay aside
for the replay's duration (two list splices, not a walk), so a pass during the replay walks
only the replay's own objects; ``gc.unfreeze`` returns them to the oldest generation after.
The youngest generation is collected first, so garbage the program made just before (cycles
between back-to-back replays) is not set aside with the rest; anything older waits for the
collector's next full pass, as it would have.

Objects the program froze itself (a pre-forking server, the TUI's heap) are not replay's to
unfreeze, so a replay then leaves the collector alone. Finding that out costs a walk:
``gc.get_freeze_count()`` counts the frozen objects one by one (15 ms for a 150,000-object
heap, against a 3 ms replay). So it is asked only outside a block of ours (inside one, our own
freeze would be the count), and once it has said that the program froze objects, it is asked
again only after 1, 2, 4, ... up to :data:`MAX_SKIPS` further blocks: a replay suite in such a
process pays for a handful of walks, not one per replay, and still finds out, a few replays
later, when the program has unfrozen its objects (a count of none costs nothing).
"""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: The most blocks that start without asking again whether the program's objects are frozen.
MAX_SKIPS = 256

_lock = threading.Lock()
# The threads of the blocks of ours running now (in any thread), one entry a block: only the
# outermost freezes. And the thread of the block that froze: a child forked meanwhile keeps
# only its forking thread, and undoes a freeze no thread of its own will end.
_threads: list[int] = []
_freezer: int | None = None
# While the program has objects frozen: blocks left before asking again, and how many were
# skipped last time (doubled at each answer of yes).
_skips_left = 0
_last_skips = 0


def _may_freeze() -> bool:
    """Whether a block starting now freezes (under ``_lock``)."""
    global _skips_left, _last_skips
    if _threads or not gc.isenabled():
        return False
    if _skips_left:
        _skips_left -= 1
        return False
    if gc.get_freeze_count():  # nothing of ours is frozen now: these are the program's
        _last_skips = _skips_left = min(MAX_SKIPS, 2 * _last_skips or 1)
        return False
    _last_skips = 0
    return True


@contextmanager
def older_objects_frozen(*, keep: bool = False) -> Iterator[None]:
    """Run the block with the objects that exist now out of the collector's passes.

    Left alone when the collector is off or the program froze objects itself (its freeze is
    not replay's to undo), and inside another such block (in this thread or another).
    ``keep``: what the block built outlives it (a recording read from a file), and joins the
    older objects when it ends, instead of staying in the young generations for the next
    collection of the young ones (the one a replay starts with) to walk it all again; a cycle
    it dropped then waits for a full pass.

    >>> import gc
    >>> before = gc.get_freeze_count()
    >>> with older_objects_frozen():
    ...     parts = [object() for _ in range(3)]
    >>> gc.get_freeze_count() == before
    True
    """
    global _freezer
    me = threading.get_ident()
    with _lock:
        freezes = _may_freeze()
        _threads.append(me)
        if freezes:
            _freezer = me
    if not freezes:
        try:
            yield
        finally:
            with _lock:
                _threads.remove(me)
        return
    try:
        # The youngest generation first (a pass over a few hundred objects): what the program
        # just dropped is freed now instead of being set aside. Collecting the middle one too
        # cost a pytest run of replays 2% more instructions, for cycles that already survived
        # a pass. Inside the try: an interrupt (Ctrl-C in a notebook) landing here must still
        # end the block, or every later replay would find it running and none would freeze.
        gc.collect(0)
        gc.freeze()
        yield
    finally:
        with _lock:
            _threads.remove(me)
            _freezer = None
            if keep:
                gc.freeze()  # two list splices: the block's survivors join the frozen objects
            gc.unfreeze()


def _after_fork_in_child() -> None:
    global _lock, _freezer
    _lock = threading.Lock()  # another thread may have held it at the fork
    me = threading.get_ident()
    _threads[:] = [thread for thread in _threads if thread == me]
    if _freezer is not None and _freezer != me:
        # That block's thread is not in the child: nothing would ever unfreeze its heap.
        _freezer = None
        gc.unfreeze()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


__all__ = ["older_objects_frozen"]
