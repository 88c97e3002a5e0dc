"""The pytest plugin's own cost per collected trace file, beyond the replay and beyond pytest.

``pytest`` runs in this process on a folder of trace files (the shipped ``fixtures/traces``
recordings that replay matched today, copied), as a user runs ``pytest fixtures/traces``, and,
interleaved with it run by run, on the same number of trivial tests (``def test(): pass``, one
module): pytest's own per-test cost. Every run is timed in CPU seconds of this process (on a
loaded machine wall-clock time mostly measures the others), after a collection of the previous
run's garbage, and each variant is taken as the *slope* between a folder with one copy of each
file and one with ``4 * copies`` copies (so pytest's start-up and the session's fixed costs
drop out).

The replays are most of a trace file's cost, and this machine's CPU seconds vary by a quarter
from one second to the next: timing them apart and subtracting them (as this bench did) left
a difference smaller than the noise, often below zero. So the replays' CPU time is taken
*inside* the plugin's own run, around ``ReplaySession.from_file`` and ``ReplaySession.run``
(what the plugin calls), microseconds from the plugin's work around it, and subtracted there.
What is left, less the trivial run of the same round (the two runs side by side, their order
alternating between rounds), is ``pytest_plugin_overhead_ms_per_trace``: what the plugin adds
per trace (its collector, naming the test, its item and hooks, the summary bookkeeping), the
median of the rounds'. The trivial tests share one module, so pytest's per-file cost of a trace
file is *not* subtracted: it stays in the plugin's figure, which errs against us.

``pytest_ms_per_trace`` is the plugin's whole per-trace slope, replay included,
``pytest_replay_ms_per_trace`` the replays' part of it, and ``pytest_item_ms`` pytest's own
per-test cost.
"""

from __future__ import annotations

import contextlib
import gc
import io
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: Medians of this many rounds (DESIGN §8).
ROUNDS = 5

_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "traces"


class _ReplayClock:
    """The CPU seconds spent inside replays (reading the file, running it) while installed."""

    def __init__(self) -> None:
        self.seconds = 0.0

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Time every ``ReplaySession.from_file`` and ``ReplaySession.run`` in the block."""
        from replay.session import ReplaySession

        read = ReplaySession.__dict__["from_file"]
        run = ReplaySession.__dict__["run"]

        def timed_read(cls: type[ReplaySession], *args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return read.__func__(cls, *args, **kwargs)
            finally:
                self.seconds += time.process_time() - started

        def timed_run(session: ReplaySession, *args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return run(session, *args, **kwargs)
            finally:
                self.seconds += time.process_time() - started

        setattr(ReplaySession, "from_file", classmethod(timed_read))  # noqa: B010
        setattr(ReplaySession, "run", timed_run)  # noqa: B010
        try:
            yield
        finally:
            setattr(ReplaySession, "from_file", read)  # noqa: B010
            setattr(ReplaySession, "run", run)  # noqa: B010


def measure_pytest_plugin(copies: int = 3, *, rounds: int = ROUNDS) -> dict[str, float]:
    """The plugin's milliseconds per collected trace file beyond replaying it and beyond
    pytest's own per-test cost (see the module docstring), the median of ``rounds`` rounds.
    Empty when the fixtures are not installed."""
    import pytest

    traces = [t for t in sorted(_FIXTURES.glob("*.trace.jsonl")) if _matches(t)]
    if not traces:
        return {}
    with tempfile.TemporaryDirectory(prefix="tracekit-plugin-bench-") as tmp:
        folders: dict[str, Path] = {}
        copies *= 4  # a few milliseconds each: a slope over few files is mostly noise
        for size, count in (("small", 1), ("large", copies)):
            folder = folders[f"plugin-{size}"] = Path(tmp, f"plugin-{size}")
            folder.mkdir()
            for copy in range(count):
                for trace in traces:
                    shutil.copy(trace, folder / f"c{copy}-{trace.name}")
            trivial = folders[f"trivial-{size}"] = Path(tmp, f"trivial-{size}")
            trivial.mkdir()
            tests = "".join(f"def test_{i}():\n    pass\n\n\n" for i in range(count * len(traces)))
            (trivial / f"test_trivial_{size}.py").write_text(tests)
        for folder in folders.values():
            (folder / "pytest.ini").write_text("[pytest]\n")

        def run_pytest(folder: Path) -> tuple[float, float]:
            """The run's CPU seconds, and the part of them spent in replays."""
            args = [str(folder), "-q", "-p", "no:cacheprovider", "--rootdir", str(folder)]
            args += ["-o", "addopts=", "-c", str(folder / "pytest.ini")]
            # Each call of this measure writes the same module names into a new folder: the
            # default import mode would find the previous call's module under that name.
            args += ["--import-mode=importlib"]
            clock = _ReplayClock()
            gc.collect()  # the previous run's garbage is not this run's cost
            # Nor are the bench's own objects: a fresh ``pytest`` process starts with few, but
            # here every measure before this one left objects that each full collection during
            # the run would walk, tens of milliseconds at times no run controls.
            gc.freeze()
            try:
                with clock.installed(), contextlib.redirect_stdout(io.StringIO()):
                    started = time.process_time()
                    code = pytest.main(args)
                    elapsed = time.process_time() - started
            finally:
                gc.unfreeze()
            if code != 0:
                raise AssertionError(f"benchmark pytest run failed with exit status {code}")
            return elapsed, clock.seconds

        for name, folder in folders.items():
            if name.endswith("-small"):
                run_pytest(folder)  # warm imports, caches and the trivial module's bytecode
        extra = len(traces) * (copies - 1)
        overheads: list[float] = []
        slopes: list[float] = []
        replays: list[float] = []
        items: list[float] = []
        for index in range(rounds):
            pair = ("plugin", "trivial") if index % 2 == 0 else ("trivial", "plugin")
            cpu: dict[str, tuple[float, float]] = {}
            for size in ("small", "large"):
                for variant in pair:
                    cpu[f"{variant}-{size}"] = run_pytest(folders[f"{variant}-{size}"])
            (large, large_replay), (small, small_replay) = cpu["plugin-large"], cpu["plugin-small"]
            slope = (large - small) / extra
            replay = (large_replay - small_replay) / extra
            item = (cpu["trivial-large"][0] - cpu["trivial-small"][0]) / extra
            overheads.append((slope - replay - item) * 1000)
            slopes.append(slope * 1000)
            replays.append(replay * 1000)
            items.append(item * 1000)
    return {
        "pytest_plugin_overhead_ms_per_trace": statistics.median(overheads),
        "pytest_ms_per_trace": statistics.median(slopes),
        "pytest_replay_ms_per_trace": statistics.median(replays),
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
