"""A replay leaves the garbage collector as it found it, and its cyclic garbage is collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from replay import ReplaySession
from tests.recording import REPO_ROOT

TRACE = REPO_ROOT / "fixtures" / "traces" / "doc-pipeline-seed1-ok.trace.jsonl"


@pytest.fixture
def collector_restored() -> Iterator[None]:
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
