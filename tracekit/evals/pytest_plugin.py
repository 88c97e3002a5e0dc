"""Eval cases as pytest items: ``pytest --tracekit-eval SUITE`` (one item per case).

Each item runs its case (``--tracekit-eval-repeat`` times) and fails with the grading reasons
when the case does not pass. At the end the whole suite's report is printed, and the run fails
(exit 1) when a gate fails (``--tracekit-eval-fail-under``). The experiment is stored like
``tracekit eval`` stores it (``--tracekit-eval-store``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tracekit.evals.cases import Case
from tracekit.evals.harness import EvalOptions, SuiteRunner, eval_telemetry
from tracekit.evals.results import CaseRun
from tracekit.evals.suite import Suite, load_suite

_KEY = pytest.StashKey[dict[str, Any]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--tracekit-eval SUITE`` and its options."""
    group = parser.getgroup("tracekit-eval", "tracekit eval suites")
    group.addoption("--tracekit-eval", metavar="SUITE", help="run an eval suite's cases as items")
    group.addoption("--tracekit-eval-store", metavar="PATH", help="store for the runs")
    group.addoption("--tracekit-eval-repeat", type=int, default=1, help="runs per case")
    group.addoption("--tracekit-eval-fail-under", type=float, default=None, help="min success rate")


class EvalCaseItem(pytest.Item):
    """One case of the suite."""

    def __init__(self, *, case: Case, position: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.position = position

    def runtest(self) -> None:
        """Run the case; fail with the reasons when it does not pass."""
        state = self.config.stash[_KEY]
        runner: SuiteRunner = state["runner"]
        runs = [
            runner.run_case(self.case, self.position, repeat) for repeat in range(state["repeat"])
        ]
        state["runs"].extend(runs)
        failed = [r for r in runs if not r.passed]
        if failed:
            raise EvalCaseFailed(failed)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        """The grading reasons, not a traceback."""
        if isinstance(excinfo.value, EvalCaseFailed):
            return "\n".join(
                f"{r.case} #{r.repeat}: {r.reason} (trace {r.trace_id})" for r in excinfo.value.runs
            )
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path | str, int | None, str]:
        """Where the item comes from."""
        return self.path, None, f"eval case {self.case.name}"


class EvalCaseFailed(Exception):
    """A case's runs did not all pass."""

    def __init__(self, runs: list[CaseRun]) -> None:
        super().__init__(runs[0].reason)
        self.runs = runs


class EvalSuiteFile(pytest.File):
    """The suite, as a collector of its cases."""

    def collect(self) -> list[pytest.Item]:
        """One item per case."""
        suite: Suite = self.config.stash[_KEY]["suite"]
        return [
            EvalCaseItem.from_parent(self, name=case.name, case=case, position=position)
            for position, case in enumerate(suite.cases)
        ]


def pytest_configure(config: pytest.Config) -> None:
    """Load the suite once (a bad suite is a usage error)."""
    spec = config.getoption("--tracekit-eval", default=None)
    if not spec:
        return
    from tracekit.exceptions import SuiteError

    try:
        suite = load_suite(spec)
    except SuiteError as exc:
        raise pytest.UsageError(str(exc)) from None
    from tracekit.store import resolve_store_path

    store = resolve_store_path(config.getoption("--tracekit-eval-store"))
    telemetry, collector = eval_telemetry(store)
    repeat = max(1, int(config.getoption("--tracekit-eval-repeat")))
    runner = SuiteRunner(suite, EvalOptions(repeat=repeat), telemetry, collector)
    config.stash[_KEY] = {
        "suite": suite,
        "runner": runner,
        "telemetry": telemetry,
        "store": store,
        "repeat": repeat,
        "runs": [],
        "spec": spec,
    }


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Add the suite's cases to the collected items."""
    state = config.stash.get(_KEY, None)
    if state is None:
        return
    path = Path(state["spec"]) if Path(state["spec"]).exists() else config.rootpath
    suite_file = EvalSuiteFile.from_parent(session, path=path)
    items.extend(suite_file.collect())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Grade the suite as a whole: a failed gate fails the run (exit 1) even when every item
    passed or was expected to fail. Runs before the terminal summary prints the report."""
    state = session.config.stash.get(_KEY, None)
    if state is None or not state["runs"] or "report" in state:
        return
    from tracekit.evals.experiment import build_report
    from tracekit.evals.summary import Gates

    state["telemetry"].shutdown()
    suite: Suite = state["suite"]
    report = build_report(
        "pytest",
        suite.name,
        suite.workflow.name,
        "pytest",
        state["runs"],
        None,
        repeat=state["repeat"],
        gates=Gates(fail_under=session.config.getoption("--tracekit-eval-fail-under")),
    )
    state["report"] = report
    if not report.gates_passed and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The suite's report, as ``tracekit eval`` prints it."""
    state = config.stash.get(_KEY, None)
    if state is None or "report" not in state:
        return
    from rich.console import Console

    console = Console(file=terminalreporter._tw._file, width=120)
    terminalreporter.section("tracekit eval")
    console.print(state["report"].render())
