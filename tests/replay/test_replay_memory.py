"""A finished replay keeps nothing of its run alive: a suite of replays in one process stays the
size of one replay, however many it runs."""

from __future__ import annotations

import gc

from replay import ReplaySession
from replay.capture import SpanCapture
from tests.recording import REPO_ROOT

TRACE = REPO_ROOT / "fixtures" / "traces" / "doc-pipeline-seed1-ok.trace.jsonl"


def _alive(cls: type) -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if type(obj) is cls)


def test_replays_in_one_process_do_not_keep_their_captured_spans() -> None:
    assert ReplaySession.from_file(TRACE).run().matched
    before = _alive(SpanCapture)
    for _ in range(20):
        assert ReplaySession.from_file(TRACE).run().matched
    # Each replay's capture (with every span it captured) was kept by the tracer cache: its
    # tracer refers back to it, and kept its own weak key alive.
    assert _alive(SpanCapture) <= before
