"""Progress while a suite runs: Rich's progress bar on a terminal (cases done / total, running
cost), one plain line per finished run otherwise (CI logs, pipes)."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import IO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from tracekit.display import inert
from tracekit.evals.results import CaseRun


class SuiteProgress:
    """Use as a context manager; pass :meth:`update` as the harness's ``on_run``."""

    def __init__(self, suite: str, total: int, stream: IO[str]) -> None:
        self._console = Console(file=stream, stderr=True)
        self._stream = stream
        self._suite = suite
        self._total = total
        self._done = 0
        self._cost = 0.0
        self._cost_known = True
        self._lock = threading.Lock()
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        if self._console.is_terminal:
            self._bar = Progress(
                TextColumn("eval {task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[cost]}"),
                TimeElapsedColumn(),
                console=self._console,
                transient=True,
            )

    def __enter__(self) -> SuiteProgress:
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task(inert(self._suite), total=self._total, cost="$0.0000")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, run: CaseRun, total: int) -> None:
        """One run finished."""
        with self._lock:
            self._done += 1
            if run.cost_usd is None:
                self._cost_known = False
            else:
                self._cost += run.cost_usd
            cost = f"${self._cost:.4f}" if self._cost_known else "—"
            if self._bar is not None and self._task is not None:
                self._bar.update(self._task, completed=self._done, cost=cost)
                return
            verdict = "pass" if run.passed else "FAIL"
            why = f" — {run.reason}" if run.reason and not run.passed else ""
            self._stream.write(
                inert(
                    f"[{self._done}/{total}] {run.case} #{run.repeat}: {verdict} "
                    f"{run.steps} steps {run.latency_s:.2f} s (total {cost}){why}"
                )
                + "\n"
            )
            self._stream.flush()
