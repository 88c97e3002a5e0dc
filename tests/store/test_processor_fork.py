"""A forked child records its own runs with fresh writers, never its parent's buffered ones,
and a process keeps nothing of a processor once the processor is gone."""

from __future__ import annotations

import collections
import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.recording import REPO_ROOT
from tracekit.store import StoreSpanProcessor, TraceStore, pending_segments
from tracekit.store.paths import StorePaths
from tracekit.store.spool import read_segment


def _workflows(store: Path) -> collections.Counter[str]:
    return collections.Counter(
        str(span.attributes.get("gen_ai.workflow.name"))
        for span in TraceStore(store).iter_spans()
        if span.attributes.get("gen_ai.operation.name") == "invoke_workflow"
    )


#: Run in a process of its own: forking a process with threads (pytest's) is deprecated.
_FORK = """
import os, signal, sys
from pathlib import Path
from tests.recording import MS, emit_run, new_recorder
folder = Path(sys.argv[1])
first = new_recorder(folder / "first.duckdb", fold=False)
second = new_recorder(folder / "second.duckdb", fold=False)
# Finished (journaled) but still buffered in both processors when the process forks: in
# the first, enough runs that most of them are buffered as Arrow tables already.
for run in range(100):
    emit_run(first.tracer, workflow="parent-first", start_ns=1_750_000_000_000 * MS + run)
assert first.processor._tables, "the first processor's runs were meant to be tables by now"
emit_run(second.tracer, workflow="parent-second")
# As if each writer thread were writing at the fork: the child inherits the locks held.
first.processor._segment_lock.acquire()
second.processor._rows_lock.acquire()
pid = os.fork()
if pid == 0:  # the child: a run of its own into the first store, then out
    code = 1
    signal.alarm(30)  # a lock the child inherited held would hang it here
    try:
        emit_run(first.tracer, workflow="child", start_ns=1_750_000_010_000 * MS)
        first.provider.shutdown()
        second.provider.shutdown()
        code = 0
    finally:
        os._exit(code)
first.processor._segment_lock.release()
second.processor._rows_lock.release()
_, status = os.waitpid(pid, 0)
first.provider.shutdown()
second.provider.shutdown()
sys.exit(os.waitstatus_to_exitcode(status))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_child_forked_with_runs_buffered_in_two_stores_writes_only_its_own(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _FORK, str(tmp_path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    # Each span written once: a fold would leave out a second copy, so the spool says it.
    first = StorePaths.for_store(tmp_path / "first.duckdb")
    assert sum(read_segment(s).num_rows for s in pending_segments(first)) == 101 * 6
    assert _workflows(tmp_path / "first.duckdb") == {"parent-first": 100, "child": 1}
    assert _workflows(tmp_path / "second.duckdb") == {"parent-second": 1}


def test_processors_that_are_gone_leave_nothing_behind(tmp_path: Path) -> None:
    def make_and_drop(count: int) -> None:
        for _ in range(count):
            processor = StoreSpanProcessor(tmp_path / "s.duckdb", fold=False)
            processor.shutdown()
            del processor

    make_and_drop(10)  # warm: imports, caches of the first ones
    gc.collect()
    before = len(gc.get_objects())
    make_and_drop(100)
    gc.collect()
    # Each processor registered a fork hook of its own, which nothing could unregister: a
    # program making a processor per job kept a function, a cell and a weak reference per job.
    assert len(gc.get_objects()) - before < 100
