"""The pytest plugin's own cost per collected trace file, beyond the replay and beyond pytest.

``pytest`` runs in this process on a folder of trace files (the shipped ``fixtures/traces``
recordings that replay matched today, copied), as a user runs ``pytest fixtures/traces``. Three
things are measured, each as the *slope* between a folder with one copy of each file and one
with ``4 * copies`` copies (so pytest's start-up and the session's fixed costs drop out), in
CPU seconds of this process (on a loaded machine wall-clock time mostly measures the others):

- the pytest run on the trace files, per trace;
- the replays those files need, timed on their own from the file (``ReplaySession.from_file``);
- pytest's own per-test cost: the same number of trivial tests (``def test(): pass``, one
  module), collected and run by the same pytest.

``pytest_plugin_overhead_ms_per_trace`` is the first minus the other two: what the plugin adds
per trace (its collector, naming the test, its item and hooks, the summary bookkeeping). The
trivial tests share one module, so pytest's per-file cost of a trace file is *not* subtracted:
it stays in the plugin's figure, which errs against us. ``pytest_ms_per_trace`` is the whole
per-trace slope, replay included, and ``pytest_item_ms`` pytest's own per-test cost.
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
    """The plugin's milliseconds per collected trace file beyond replaying it and beyond
    pytest's own per-test cost (see the module docstring), the median of ``rounds`` rounds.
    Empty when the fixtures are not installed."""
    import pytest

    from replay import ReplaySession

    traces = [t for t in sorted(_FIXTURES.glob("*.trace.jsonl")) if _matches(t)]
    if not traces:
        return {}
    with tempfile.TemporaryDirectory(prefix="tracekit-plugin-bench-") as tmp:
        folders: dict[str, Path] = {}
        copies *= 4  # a few milliseconds each: a slope over few files is mostly noise
        for label, count in (("small", 1), ("large", copies)):
            folder = folders[label] = Path(tmp, label)
            folder.mkdir()
            for copy in range(count):
                for trace in traces:
                    shutil.copy(trace, folder / f"c{copy}-{trace.name}")
            (folder / "pytest.ini").write_text("[pytest]\n")
            trivial = folders[f"trivial-{label}"] = Path(tmp, f"trivial-{label}")
            trivial.mkdir()
            tests = "".join(f"def test_{i}():\n    pass\n\n\n" for i in range(count * len(traces)))
            (trivial / f"test_trivial_{label}.py").write_text(tests)
            (trivial / "pytest.ini").write_text("[pytest]\n")

        def run_pytest(folder: Path) -> float:
            args = [str(folder), "-q", "-p", "no:cacheprovider", "--rootdir", str(folder)]
            args += ["-o", "addopts=", "-c", str(folder / "pytest.ini")]
            # Each call of this measure writes the same module names into a new folder: the
            # default import mode would find the previous call's module under that name.
            args += ["--import-mode=importlib"]
            started = time.process_time()
            with contextlib.redirect_stdout(io.StringIO()):
                code = pytest.main(args)
            elapsed = time.process_time() - started
            if code != 0:
                raise AssertionError(f"benchmark pytest run failed with exit status {code}")
            return elapsed

        def replay_all(folder: Path) -> float:
            started = time.process_time()
            for trace in sorted(folder.iterdir()):
                if trace.name.endswith(".trace.jsonl"):
                    ReplaySession.from_file(trace).run()
            return time.process_time() - started

        for folder in folders.values():
            run_pytest(folder)  # warm imports, caches and the trivial module's bytecode
        extra = len(traces) * (copies - 1)
        overheads: list[float] = []
        slopes: list[float] = []
        items: list[float] = []
        for _ in range(rounds):
            slope = (run_pytest(folders["large"]) - run_pytest(folders["small"])) / extra
            replay = (replay_all(folders["large"]) - replay_all(folders["small"])) / extra
            item = (
                run_pytest(folders["trivial-large"]) - run_pytest(folders["trivial-small"])
            ) / extra
            overheads.append((slope - replay - item) * 1000)
            slopes.append(slope * 1000)
            items.append(item * 1000)
    return {
        "pytest_plugin_overhead_ms_per_trace": statistics.median(overheads),
        "pytest_ms_per_trace": statistics.median(slopes),
        "pytest_item_ms": statistics.median(items),
    }


def _matches(trace: Path) -> bool:
    """Whether the shipped recording replays matched today (a failing test costs pytest
    more to report, which is not the plugin's cost)."""
    from replay import ReplaySession
    from tracekit.exceptions import TracekitError

    try:
        return ReplaySession.from_file(trace).run().matched
    except TracekitError:
        return False
