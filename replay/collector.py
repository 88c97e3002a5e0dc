"""The process's older objects set aside from the cyclic garbage collector during a replay.

A replay builds thousands of small containers (the parsed file, two trajectories, a report)
that stay alive until it ends. Each collection of the young ones moves them on towards the
oldest generation, and often enough the collector then walks the whole heap: every object
the process holds (the test session's, every imported module's), finding nothing. On the
bench's ten-step replay those full passes were about an eighth of its time, and they grow
with the host process. ``gc.freeze`` sets every object that exists before the replay aside
for the replay's duration (two list splices, not a walk), so a pass during the replay walks
only the replay's own objects; ``gc.unfreeze`` returns them to the oldest generation after.
The young generations are collected first (what survives moves on with the collector's usual
accounting), so only the oldest generation is set aside: nothing the program or the replay
leaves is kept from the collector.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def older_objects_frozen() -> Iterator[None]:
    """Run the block with the objects that exist now out of the collector's passes.

    Left alone when the collector is off or something else froze objects (its freeze is not
    replay's to undo), and inside another such block.

    >>> import gc
    >>> with older_objects_frozen():
    ...     gc.get_freeze_count() > 0
    True
    >>> gc.get_freeze_count()
    0
    """
    if not gc.isenabled() or gc.get_freeze_count():
        yield
        return
    # The young generations first, as the collector would soon anyway: what survives moves on
    # with the collector's usual accounting, so what the freeze sets aside is only the oldest
    # generation, and the program's young garbage (cycles) is not put out of reach.
    gc.collect(1)
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


__all__ = ["older_objects_frozen"]
