"""A replay leaves the garbage collector as it found it, and its cyclic garbage is collected."""

from __future__ import annotations

import gc
import os
import threading
import weakref
from collections.abc import Iterator

import pytest

from replay import ReplaySession, collector
from tests.recording import REPO_ROOT

TRACE = REPO_ROOT / "fixtures" / "traces" / "doc-pipeline-seed1-ok.trace.jsonl"


@pytest.fixture
def collector_restored(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Each test starts as a fresh process would: no freeze of the program's seen yet.
    monkeypatch.setattr(collector, "_skips_left", 0, raising=False)
    monkeypatch.setattr(collector, "_last_skips", 0, raising=False)
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()


def test_a_replay_leaves_the_collector_on_and_nothing_frozen(collector_restored: None) -> None:
    gc.unfreeze()  # an earlier test in this worker may have frozen objects (the TUI's warm-up)
    assert ReplaySession.from_file(TRACE).run().matched
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_objects_the_program_froze_stay_frozen(collector_restored: None) -> None:
    gc.freeze()  # as a pre-forking server does before it starts workers
    frozen = gc.get_freeze_count()
    assert ReplaySession.from_file(TRACE).run().matched
    assert gc.get_freeze_count() > frozen // 2  # not unfrozen (some frozen objects died)


def test_replays_in_a_process_that_froze_its_heap_count_the_frozen_objects_once(
    collector_restored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Counting frozen objects walks them all (15 ms for a 150,000-object heap, against a
    # 3 ms replay): a suite of replays in such a process must not pay it on every replay.
    gc.freeze()
    frozen = gc.get_freeze_count()
    counted: list[int] = []
    count_frozen = gc.get_freeze_count

    def counting() -> int:
        counted.append(1)
        return count_frozen()

    monkeypatch.setattr(gc, "get_freeze_count", counting)
    for _ in range(20):  # 40 blocks: reading the file, then the run
        assert ReplaySession.from_file(TRACE).run().matched
    assert len(counted) <= 6  # after 1, 2, 4, 8 and 16 skipped blocks
    assert count_frozen() > frozen // 2  # still the program's, not unfrozen


def test_once_the_program_unfreezes_replays_freeze_again(collector_restored: None) -> None:
    gc.freeze()
    for _ in range(10):
        assert ReplaySession.from_file(TRACE).run().matched
    gc.unfreeze()
    blocks = 0
    frozen_inside = 0
    while not frozen_inside and blocks < 64:
        blocks += 1
        with collector.older_objects_frozen():
            frozen_inside = gc.get_freeze_count()
    assert frozen_inside > 0
    assert blocks <= 32  # the skip after 20 blocks is 16: at most that many go by
    assert gc.get_freeze_count() == 0


def test_a_collector_the_program_turned_off_stays_off(collector_restored: None) -> None:
    gc.disable()
    assert ReplaySession.from_file(TRACE).run().matched
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0


class _Node:
    def __init__(self) -> None:
        self.me = self


def test_cycles_made_between_back_to_back_replays_are_collected() -> None:
    gc.collect()
    made: list[weakref.ref[_Node]] = []
    for _ in range(30):
        assert ReplaySession.from_file(TRACE).run().matched
        made.append(weakref.ref(_Node()))  # dropped at once: only the collector frees it
        for _ in range(100):
            _Node()
    assert sum(ref() is None for ref in made) > 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
# Python 3.12+ warns of forking a threaded process; the child here only reports and exits.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_child_forked_during_a_replay_in_another_thread_is_left_unfrozen(
    collector_restored: None,
) -> None:
    # The child has no thread of the replay's to end its block: its heap must not stay
    # frozen, and its own replays must freeze and unfreeze as any process's do.
    gc.unfreeze()
    inside, leave = threading.Event(), threading.Event()

    def replaying() -> None:
        with collector.older_objects_frozen():
            inside.set()
            leave.wait()

    thread = threading.Thread(target=replaying)
    thread.start()
    inside.wait()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave at once
        after_fork = gc.get_freeze_count()
        with collector.older_objects_frozen():
            during = gc.get_freeze_count()
        os.write(write, f"{after_fork} {during} {gc.get_freeze_count()}".encode())
        os._exit(0)
    os.close(write)
    try:
        with os.fdopen(read, "rb") as pipe:
            after_fork, during, after = map(int, pipe.read().split())
        os.waitpid(pid, 0)
    finally:
        leave.set()
        thread.join()

    assert (after_fork, during > 0, after) == (0, True, 0)
    assert gc.get_freeze_count() == 0  # the parent's block ended as usual


class _InterruptedCollection:
    """The ``gc`` module, but its next ``collect`` is interrupted (Ctrl-C in a notebook)."""

    def __init__(self) -> None:
        self.interrupted = False

    def collect(self, generation: int = 2) -> int:
        if not self.interrupted:
            self.interrupted = True
            raise KeyboardInterrupt
        return gc.collect(generation)

    def __getattr__(self, name: str) -> object:
        return getattr(gc, name)


def test_a_replay_interrupted_as_it_sets_the_heap_aside_leaves_no_block_behind(
    collector_restored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    gc.unfreeze()  # as a fresh process: nothing frozen, so the block freezes
    interrupted = _InterruptedCollection()
    monkeypatch.setattr(collector, "gc", interrupted)
    with pytest.raises(KeyboardInterrupt), collector.older_objects_frozen():
        pass
    assert interrupted.interrupted
    assert collector._threads == [] and collector._freezer is None
    assert gc.get_freeze_count() == 0
    # The next replay's block freezes again (a block left running would stop every one).
    with collector.older_objects_frozen():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
