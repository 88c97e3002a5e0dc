"""pytest plugin (entry point ``pytest11``): recorded traces as regression tests.

- Every ``*.trace.jsonl`` file pytest is pointed at (``pytest fixtures/traces``) is collected
  as one test, named after its workflow and trace id, that replays the recording — unless a
  test module already replays it (a ``replay`` marker, or the file's name as a string in a
  ``replay(...)`` call): then it is not collected a second time.
- The ``replay`` fixture replays a trace file from a hand-written test;
  ``@pytest.mark.replay("path.trace.jsonl", mode=..., max_cost_usd=...)`` sets its defaults.
  ``replay(path, workflow=..., input=...)`` against an existing recording replays on that
  input: an input other than the recorded one is a divergence (``input changed``).
- ``--replay-record=none`` (default) replays only and blocks network access; ``once`` records
  a missing trace file by running the workflow live; ``rewrite`` re-records every trace
  through the live models (the workflow's own router, else Claude) and passes.
- Budgets: ``max_steps``, ``max_tokens``, ``max_cost_usd`` on the marker or fixture call, or
  the ini options ``replay_max_steps`` / ``replay_max_tokens`` / ``replay_max_cost_usd``
  (a bad value is one usage error). A breach names every budget exceeded.
- Masks: ``ignore=[regex, ...]`` on the marker or fixture call, plus the ini option
  ``replay_ignore`` (one regex a line) for every replay. Live tools: ``live_tools="all"`` or
  tool names on the marker or fixture call.
- A failure shows the divergence report once, without the plugin's frames, and ends with a
  one-line hint on how to re-record.
- At the end, a summary: replays matched, diverged, over budget and re-recorded, with step
  and cost deltas — one summary under pytest-xdist too (workers send theirs to the controller).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from replay.canonical import compile_masks
from replay.http.anthropic_fixtures import (  # noqa: F401 (fixtures the plugin exposes)
    add_anthropic_marker,
    anthropic_replay,
    anthropic_transport,
)
from replay.http.network import network_blocked
from replay.recorder import record_workflow, rerecord
from replay.report import DivergenceReport
from replay.session import RECORDED_INPUT, ReplaySession
from tracekit.display import UNKNOWN, inert
from tracekit.exceptions import ConfigError, TracekitError

TRACE_SUFFIX = ".trace.jsonl"
RECORD_MODES = ("none", "once", "rewrite")
_OUTCOMES_KEY = pytest.StashKey["ReplayOutcomes"]()
_BUDGETS_KEY = pytest.StashKey[dict[str, Any]]()
#: Where a worker leaves its outcomes for the controller (pytest-xdist's workeroutput).
_WORKER_OUTPUT = "tracekit_replay"
_BUDGET_INI = (("steps", int), ("tokens", int), ("cost_usd", float))
#: The report's width in a failure when pytest does not write to a terminal (a CI log, a pipe,
#: an xdist worker); on a terminal it takes the terminal's width.
REPORT_WIDTH = 100


class ReplaySummary(BaseModel):
    """One replay as the end-of-session summary shows it (sent from xdist workers as JSON)."""

    outcome: Literal["matched", "diverged", "over budget"]
    workflow: str
    trace_id: str
    headline: str
    recorded_steps: int
    replayed_steps: int
    recorded_cost_usd: float | None
    replayed_cost_usd: float | None
    """None when unknown (no model call of the run had a cost)."""

    @classmethod
    def of(cls, report: DivergenceReport) -> ReplaySummary:
        """The summary of one report."""
        outcome: Literal["matched", "diverged", "over budget"] = (
            "diverged" if not report.matched else "over budget" if not report.passed else "matched"
        )
        return cls(
            outcome=outcome,
            workflow=report.workflow,
            trace_id=report.trace_id,
            headline=report.headline,
            recorded_steps=report.recorded.steps,
            replayed_steps=report.replayed.steps,
            recorded_cost_usd=report.recorded.cost_usd,
            replayed_cost_usd=report.replayed.cost_usd,
        )


class ReplayOutcomes(BaseModel):
    """What the session's replays did, for the terminal summary."""

    replays: list[ReplaySummary] = []
    rewritten: list[str] = []
    could_not_replay: list[str] = []

    def of(self, outcome: str) -> list[ReplaySummary]:
        """The replays with this outcome, in a stable order."""
        found = [r for r in self.replays if r.outcome == outcome]
        return sorted(found, key=lambda r: (r.workflow, r.trace_id))

    def merge(self, other: ReplayOutcomes) -> None:
        """Add another process's outcomes (an xdist worker's)."""
        self.replays.extend(other.replays)
        self.rewritten.extend(other.rewritten)
        self.could_not_replay.extend(other.could_not_replay)


class ReplayDiverged(AssertionError):
    """A replay did not match its recording (or broke a budget); carries the report.

    Its message is the whole report, once, and a last line saying how to re-record.
    """

    def __init__(self, report: DivergenceReport, hint: str, width: int = REPORT_WIDTH) -> None:
        super().__init__(f"{report.to_text(width=width).rstrip()}\n{hint}")
        self.report = report
        self.hint = hint


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--replay-record`` and friends."""
    group = parser.getgroup("tracekit-replay", "tracekit replay")
    group.addoption(
        "--replay-record",
        choices=RECORD_MODES,
        default="none",
        help="none (default): replay only, network blocked; once: record missing trace files "
        "live; rewrite: re-record every trace through the live models",
    )
    group.addoption(
        "--replay-mode",
        choices=("strict", "unordered", "subset", "superset"),
        default=None,
        help="trajectory match mode for collected trace files (default strict)",
    )
    parser.addini(
        "replay_ignore",
        "regexes (one a line) masked as ‹ignored› in every replay's compared requests",
        type="linelist",
        default=[],
    )
    for name, kind in _BUDGET_INI:
        parser.addini(
            f"replay_max_{name}",
            f"budget for every collected replay: at most this many {name.replace('_', ' ')} "
            f"({'a whole number' if kind is int else 'a number'})",
            default=None,
        )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker, check the ini budgets once, set up the summary's bookkeeping."""
    config.addinivalue_line(
        "markers",
        "replay(path, *, mode='strict', tool_args='exact', max_steps=None, max_tokens=None, "
        "max_cost_usd=None, ignore=[regex, ...], live_tools=None|'all'|[name, ...]): "
        "defaults for the replay fixture",
    )
    add_anthropic_marker(config)
    config.stash[_BUDGETS_KEY] = _ini_budgets(config)
    try:
        compile_masks(config.getini("replay_ignore"))
    except ValueError as exc:
        raise pytest.UsageError(f"ini option replay_ignore: {exc}") from None
    config.stash[_OUTCOMES_KEY] = ReplayOutcomes()


def _ini_budgets(config: pytest.Config) -> dict[str, Any]:
    budgets: dict[str, Any] = {}
    for name, kind in _BUDGET_INI:
        option = f"replay_max_{name}"
        raw = config.getini(option)
        if raw in (None, ""):
            budgets[f"max_{name}"] = None
            continue
        try:
            value = kind(str(raw).strip())
        except ValueError:
            value = None
        if value is None or value < 0:
            what = "a whole number" if kind is int else "a number"
            raise pytest.UsageError(f"ini option {option}: expected {what} ≥ 0, got {raw!r}")
        budgets[f"max_{name}"] = value
    return budgets


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect ``*.trace.jsonl`` files as replay tests."""
    if file_path.name.endswith(TRACE_SUFFIX):
        return TraceFile.from_parent(parent, path=file_path)
    return None


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Leave out trace files that a test module replays already (they would fail twice)."""
    trace_items = [i for i in items if isinstance(i, TraceReplayItem | BrokenTraceItem)]
    if not trace_items:
        return
    used = _traces_used_by_tests(config, [i for i in items if i not in trace_items])
    dropped = [i for i in trace_items if i.path.resolve() in used]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if i not in dropped]


def _traces_used_by_tests(config: pytest.Config, tests: list[pytest.Item]) -> set[Path]:
    """Trace files a marker names, or a test module spells out as a string literal."""
    used: set[Path] = set()
    scanned: set[Path] = set()
    bases = {config.invocation_params.dir, config.rootpath}
    for item in tests:
        folder = item.path.parent
        for marker in item.iter_markers("replay"):
            if marker.args:
                used.add((folder / str(marker.args[0])).resolve())
        if item.path in scanned or item.path.suffix != ".py":
            continue
        scanned.add(item.path)
        for name in _trace_literals(item.path):
            used.update((base / name).resolve() for base in {folder, *bases})
    return used


def _trace_literals(module: Path) -> list[str]:
    try:
        tree = ast.parse(module.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return []
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.endswith(TRACE_SUFFIX)
    ]


class TraceFile(pytest.File):
    """A recorded trace file: one replay test."""

    def collect(self) -> Iterator[pytest.Item]:
        """One item named after the workflow and the trace (the replay reads the file)."""
        from replay.peek import peek_trace_file
        from replay.recording import Recording

        peeked = peek_trace_file(self.path)
        if peeked is not None:
            yield TraceReplayItem.from_parent(self, name=inert(f"{peeked[0]}[{peeked[1][:12]}]"))
            return
        try:
            recording = Recording.from_file(self.path)
            name = inert(f"{recording.workflow_name}[{recording.trace_id[:12]}]")
        except Exception as exc:  # a broken file is one failing test, not a crashed session
            yield BrokenTraceItem.from_parent(self, name=self.path.name, error=str(exc))
            return
        yield TraceReplayItem.from_parent(self, name=name)


class BrokenTraceItem(pytest.Item):
    """A trace file that cannot be read: fails with the reason."""

    def __init__(self, *, error: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        """Fail with the reading error."""
        raise pytest.fail.Exception(self.error, pytrace=False)

    def reportinfo(self) -> tuple[Path, int, str]:
        """Where the test comes from."""
        return self.path, 0, f"trace file {self.path.name}"


class TraceReplayItem(pytest.Item):
    """Replays one trace file and compares it with the recording."""

    def runtest(self) -> None:
        """Replay (or re-record) the trace."""
        config = self.config
        runner = ReplayRunner(config, node=self)
        runner.run(
            self.path,
            mode=config.getoption("--replay-mode") or "strict",
            **config.stash[_BUDGETS_KEY],
        )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """The divergence report, not a traceback into the plugin."""
        if isinstance(excinfo.value, ReplayDiverged):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        """Where the test comes from."""
        return self.path, 0, f"replay {self.name}"


class ReplayRunner:
    """Replays a trace file under the session's record mode and records the outcome.

    This is what the ``replay`` fixture returns: call it with a trace file (or rely on the
    ``replay`` marker's path); it raises :class:`ReplayDiverged` when the run does not match.
    """

    def __init__(
        self,
        config: pytest.Config,
        defaults: dict[str, Any] | None = None,
        *,
        node: pytest.Item | None = None,
    ) -> None:
        self.config = config
        self.defaults = defaults or {}
        self.record_mode: str = config.getoption("--replay-record")
        self.nodeid = node.nodeid if node is not None else ""

    def __call__(self, path: str | Path | None = None, **options: Any) -> DivergenceReport:
        """Replay ``path`` (default: the marker's) and return the report when it matches."""
        __tracebackhide__ = True
        merged = {**self.defaults, **options}
        target = path if path is not None else merged.pop("path", None)
        merged.pop("path", None)
        if target is None:
            raise pytest.UsageError("replay(): give a trace file or use @pytest.mark.replay(path)")
        return self.run(Path(target), **merged)

    def run(
        self,
        path: Path,
        *,
        mode: Any = "strict",
        tool_args: Any = "exact",
        max_steps: int | None = None,
        max_tokens: int | None = None,
        max_cost_usd: float | None = None,
        workflow: Any = None,
        input: Any = RECORDED_INPUT,
        ignore: Sequence[str] = (),
        live_tools: Any = None,
    ) -> DivergenceReport:
        """Replay one trace file; see the class docstring."""
        __tracebackhide__ = True
        outcomes: ReplayOutcomes = self.config.stash[_OUTCOMES_KEY]
        if isinstance(ignore, str):
            ignore = [ignore]
        try:
            compile_masks(ignore)
        except ValueError as exc:
            pytest.fail(inert(f"replay(): {exc}"), pytrace=False)
        options: dict[str, Any] = {
            "mode": mode,
            "tool_args": tool_args,
            "ignore": [*self.config.getini("replay_ignore"), *ignore],
            "live_tools": live_tools,
        }
        can_record = workflow is not None and input is not RECORDED_INPUT
        if not path.exists() and not (self.record_mode != "none" and can_record):
            outcomes.could_not_replay.append(str(path))
            pytest.fail(self._not_recorded(path, can_record), pytrace=False)
        try:
            if self.record_mode == "rewrite" or not path.exists():
                _record(path, workflow, input)
                outcomes.rewritten.append(str(path))
                if self.record_mode == "rewrite":
                    return ReplaySession.from_file(path, **options).run()
            with network_blocked():
                report = ReplaySession.from_file(path, input=input, **options).run()
        except TracekitError as exc:
            outcomes.could_not_replay.append(str(path))
            pytest.fail(self._could_not_replay(path, exc), pytrace=False)
        report = report.with_budgets(
            max_steps=max_steps, max_tokens=max_tokens, max_cost_usd=max_cost_usd
        )
        outcomes.replays.append(ReplaySummary.of(report))
        if not report.passed:
            raise ReplayDiverged(report, self._hint(report), _report_width(self.config))
        return report

    def _rerun(self) -> str:
        return f"pytest {self.nodeid}" if self.nodeid else "pytest"

    def _hint(self, report: DivergenceReport) -> str:
        if report.matched:
            return (
                "the run matched its recording but went over budget: raise the budget if "
                "the growth is intended"
            )
        return f"if the change is intended, re-record: {self._rerun()} --replay-record=rewrite"

    def _not_recorded(self, path: Path, can_record: bool) -> str:
        needs = "" if can_record else " (the replay() call needs workflow= and input= for that)"
        return (
            f"{path} is not recorded yet: record it with {self._rerun()} "
            f"--replay-record=once{needs}"
        )

    def _could_not_replay(self, path: Path, exc: TracekitError) -> str:
        message = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        if isinstance(exc, ConfigError):
            message += (
                f" (if the workflow's input type changed on purpose, re-record: "
                f"{self._rerun()} --replay-record=rewrite)"
            )
        return inert(f"could not replay {path}: {message}")


def _report_width(config: pytest.Config) -> int:
    writer = config.get_terminal_writer()
    # pytest's E-prefix and indentation take a few columns of the terminal.
    return max(60, writer.fullwidth - 8) if writer.hasmarkup else REPORT_WIDTH


def _record(path: Path, workflow: Any, input: Any) -> None:
    """Record ``path`` live: on ``input`` when given, else on the recorded input."""
    if input is RECORDED_INPUT:
        rerecord(path)
        return
    if workflow is None:
        from replay.recording import Recording

        workflow = Recording.from_file(path).load_workflow()
    record_workflow(workflow, input, path)


@pytest.fixture
def replay(request: pytest.FixtureRequest) -> ReplayRunner:
    """Replay a recorded trace: ``replay("fixtures/traces/x.trace.jsonl", max_cost_usd=0.05)``.

    Returns the :class:`~replay.report.DivergenceReport` when the run matches, fails the test
    with the report when it does not. ``@pytest.mark.replay(path, **options)`` sets defaults.
    """
    marker = request.node.get_closest_marker("replay")
    defaults: dict[str, Any] = {}
    if marker is not None:
        defaults.update(marker.kwargs)
        if marker.args:
            defaults["path"] = Path(request.path.parent, marker.args[0])
    return ReplayRunner(request.config, defaults, node=request.node)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A test that failed on a divergence shows the report as its whole failure text.

    The report is the failure; a traceback through the user's test adds nothing. As plain
    text it also keeps pytest's short summary to the test's id: on CI pytest would otherwise
    print the exception's whole message there, so the report would show twice.
    """
    outcome = yield
    report = outcome.get_result()
    if call.excinfo is not None and isinstance(call.excinfo.value, ReplayDiverged):
        report.longrepr = str(call.excinfo.value)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On an xdist worker: hand this worker's outcomes to the controller."""
    workeroutput = getattr(session.config, "workeroutput", None)
    outcomes = session.config.stash.get(_OUTCOMES_KEY, None)
    if workeroutput is not None and outcomes is not None:
        workeroutput[_WORKER_OUTPUT] = outcomes.model_dump_json()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """On the xdist controller: add a finished worker's outcomes to the summary."""
    data = getattr(node, "workeroutput", {}).get(_WORKER_OUTPUT)
    outcomes = node.config.stash.get(_OUTCOMES_KEY, None)
    if data and outcomes is not None:
        outcomes.merge(ReplayOutcomes.model_validate_json(data))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Replays matched, diverged, over budget and re-recorded, with step and cost deltas."""
    if hasattr(config, "workerinput"):
        return  # an xdist worker: the controller prints the one summary
    outcomes: ReplayOutcomes | None = config.stash.get(_OUTCOMES_KEY, None)
    if outcomes is None or not (
        outcomes.replays or outcomes.rewritten or outcomes.could_not_replay
    ):
        return
    write = terminalreporter.write_line
    terminalreporter.section("tracekit replay")
    counts = [
        f"{len(outcomes.of('matched'))} matched",
        f"{len(outcomes.of('diverged'))} diverged",
    ]
    if outcomes.of("over budget"):
        counts.append(f"{len(outcomes.of('over budget'))} over budget")
    if outcomes.could_not_replay:
        counts.append(f"{len(outcomes.could_not_replay)} could not replay")
    counts.append(f"{len(outcomes.rewritten)} recorded")
    write(", ".join(counts))
    for label, outcome in (("DIVERGED", "diverged"), ("OVER BUDGET", "over budget")):
        for summary in outcomes.of(outcome):
            steps = summary.replayed_steps - summary.recorded_steps
            cost = _cost_change(summary.recorded_cost_usd, summary.replayed_cost_usd)
            write(
                inert(
                    f"  {label} {summary.workflow} {summary.trace_id[:12]}: {summary.headline} "
                    f"(steps {steps:+d}, cost {cost})"
                )
            )
    for path in sorted(outcomes.could_not_replay):
        write(inert(f"  COULD NOT REPLAY {path}"))
    if outcomes.replays:
        recorded_cost = _known_sum([r.recorded_cost_usd for r in outcomes.replays])
        replayed_cost = _known_sum([r.replayed_cost_usd for r in outcomes.replays])
        recorded_steps = sum(r.recorded_steps for r in outcomes.replays)
        replayed_steps = sum(r.replayed_steps for r in outcomes.replays)
        write(
            f"  steps {recorded_steps} recorded → {replayed_steps} replayed "
            f"({replayed_steps - recorded_steps:+d}); cost {_dollars(recorded_cost)} → "
            f"{_dollars(replayed_cost)} ({_cost_change(recorded_cost, replayed_cost)})"
        )
    for path in sorted(outcomes.rewritten):
        write(f"  recorded {path}")


def _known_sum(costs: list[float | None]) -> float | None:
    """The sum of the known costs; None when none is known (unknown is not zero)."""
    known = [cost for cost in costs if cost is not None]
    return sum(known) if known or not costs else None


def _dollars(cost: float | None) -> str:
    return UNKNOWN if cost is None else f"${cost:.4f}"


def _cost_change(recorded: float | None, replayed: float | None) -> str:
    """``+0.0012 USD``; ``unknown`` when either side's cost is."""
    if recorded is None or replayed is None:
        return "unknown"
    return f"{replayed - recorded:+.4f} USD"
