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
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def older_objects_frozen(*, keep: bool = False) -> Iterator[None]:
    """Run the block with the objects that exist now out of the collector's passes.

    Left alone when the collector is off or something else froze objects (its freeze is not
    replay's to undo), and inside another such block. ``keep``: what the block built outlives
    it (a recording read from a file), and joins the older objects when it ends, instead of
    staying in the young generations for the next collection of the young ones (the one a
    replay starts with) to walk it all again; a cycle it dropped then waits for a full pass.

    >>> import gc
    >>> before = gc.get_freeze_count()
    >>> with older_objects_frozen():
    ...     gc.get_freeze_count() > 0
    True
    >>> gc.get_freeze_count() == before
    True
    """
    if not gc.isenabled() or gc.get_freeze_count():
        yield
        return
    # The youngest generation first (a pass over a few hundred objects): what the program
    # just dropped is freed now instead of being set aside. Collecting the middle one too
    # cost a pytest run of replays 2% more instructions, for cycles that already survived
    # a pass.
    gc.collect(0)
    gc.freeze()
    try:
        yield
    finally:
        if keep:
            gc.freeze()  # two list splices: the block's survivors join the frozen objects
        gc.unfreeze()


__all__ = ["older_objects_frozen"]
