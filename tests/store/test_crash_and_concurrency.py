"""Several processes recording into one store while the CLI reads it, and a recording process
killed with SIGKILL: no lock error, no noise, no lost or half-written batch."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.recording import REPO_ROOT, run_cli
from tracekit.store import TraceStore

WRITER = textwrap.dedent(
    """
    import sys
    from tests.recording import MS, emit_run, new_recorder

    store, label, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    recorder = new_recorder(store, flush_interval_s=float(sys.argv[4]))
    i = 0
    while count < 0 or i < count:
        trace_id = emit_run(recorder.tracer, workflow=label, start_ns=(1_750_000_000 + i) * 10**9)
        assert recorder.provider.force_flush()
        # Printed only once force_flush returned: from here on the batch must survive.
        print(trace_id, flush=True)
        i += 1
    recorder.provider.shutdown()
    """
)


def _start_writer(tmp_path: Path, store: Path, label: str, count: int) -> subprocess.Popen[str]:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    return subprocess.Popen(
        [sys.executable, str(script), str(store), label, str(count), "3600"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )


def test_two_writers_and_a_reader_share_one_store(tmp_path: Path) -> None:
    store = tmp_path / "shared.duckdb"
    writers = [_start_writer(tmp_path, store, label, 25) for label in ("alpha", "beta")]

    reads = 0
    while any(w.poll() is None for w in writers) or reads < 2:
        result = run_cli("traces", "--store", str(store), "--limit", "5")
        if result.returncode == 3 and "no store at" in result.stderr and reads == 0:
            continue  # the writers have not written anything yet
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        reads += 1

    recorded = {}
    for writer, label in zip(writers, ("alpha", "beta"), strict=True):
        out, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err
        assert err == ""
        recorded[label] = out.split()
        assert len(recorded[label]) == 25

    summaries = TraceStore(store).list_traces(limit=100)
    by_id = {s.trace_id: s for s in summaries}
    assert len(summaries) == 50
    for label, ids in recorded.items():
        for trace_id in ids:
            assert by_id[trace_id].workflow == label
            assert by_id[trace_id].span_count == 6


def test_a_killed_recorder_loses_nothing_it_flushed(tmp_path: Path) -> None:
    store = tmp_path / "killed.duckdb"
    with _start_writer(tmp_path, store, "doomed", -1) as writer:
        assert writer.stdout is not None
        flushed = [writer.stdout.readline().strip() for _ in range(12)]

        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        flushed += writer.stdout.read().split()  # ids printed before the kill landed

    summaries = {s.trace_id: s for s in TraceStore(store).list_traces(limit=1000)}
    for trace_id in flushed:
        assert summaries[trace_id].span_count == 6
    assert all(s.span_count == 6 for s in summaries.values())
    result = run_cli("show", "--store", str(store), flushed[0][:12])
    assert result.returncode == 0 and result.stderr == ""
