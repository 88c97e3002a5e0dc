"""The pytest plugin's own cost per collected trace file, beyond the replay itself.

``pytest`` runs in this process on a folder of trace files (the shipped ``fixtures/traces``
recordings, copied), as a user runs ``pytest fixtures/traces``. The per-trace cost is the slope
between two folder sizes, so pytest's start-up is left out; the replays those files need
(timed on their own, from the file) are subtracted. What remains is collection, the item,
the plugin's hooks and pytest's own per-test bookkeeping.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import statistics
import tempfile
import time
from pathlib import Path

#: Medians of this many rounds (DESIGN §8).
ROUNDS = 5

_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "traces"


def measure_pytest_plugin(copies: int = 3, *, rounds: int = ROUNDS) -> dict[str, float]:
    """``pytest_plugin_overhead_ms_per_trace``: the plugin's (and pytest's) milliseconds per
    collected trace file beyond replaying it, the median of ``rounds`` rounds. Empty when the
    fixtures are not installed."""
    import pytest

    from replay import ReplaySession

    traces = sorted(_FIXTURES.glob("*.trace.jsonl"))
    if not traces:
        return {}
    with tempfile.TemporaryDirectory(prefix="tracekit-plugin-bench-") as tmp:
        small, large = Path(tmp, "small"), Path(tmp, "large")
        for folder, count in ((small, 1), (large, copies)):
            folder.mkdir()
            for copy in range(count):
                for trace in traces:
                    shutil.copy(trace, folder / f"c{copy}-{trace.name}")

        def run_pytest(folder: Path) -> float:
            args = [str(folder), "-q", "-p", "no:cacheprovider", "--rootdir", str(folder)]
            args += ["-o", "addopts=", "-c", str(folder / "pytest.ini")]
            started = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                code = pytest.main(args)
            elapsed = time.perf_counter() - started
            if code != 0:
                raise AssertionError(f"benchmark pytest run failed with exit status {code}")
            return elapsed

        def replay_all(folder: Path) -> float:
            started = time.perf_counter()
            for trace in sorted(folder.iterdir()):
                if trace.name.endswith(".trace.jsonl"):
                    ReplaySession.from_file(trace).run()
            return time.perf_counter() - started

        (small / "pytest.ini").write_text("[pytest]\n")
        (large / "pytest.ini").write_text("[pytest]\n")
        run_pytest(small)  # warm imports and caches
        extra = len(traces) * (copies - 1)
        overheads: list[float] = []
        for _ in range(rounds):
            slope = (run_pytest(large) - run_pytest(small)) / extra
            replay = (replay_all(large) - replay_all(small)) / extra
            overheads.append((slope - replay) * 1000)
    return {"pytest_plugin_overhead_ms_per_trace": statistics.median(overheads)}
