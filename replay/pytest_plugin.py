"""pytest plugin (entry point ``pytest11``): recorded traces as regression tests.

- Every ``*.trace.jsonl`` file pytest is pointed at (``pytest fixtures/traces``) is collected
  as one test, named after its workflow and trace id, that replays the recording.
- The ``replay`` fixture replays a trace file from a hand-written test;
  ``@pytest.mark.replay("path.trace.jsonl", mode=..., max_cost_usd=...)`` sets its defaults.
- ``--replay-record=none`` (default) replays only and blocks network access; ``once`` records
  a missing trace file by running the workflow live; ``rewrite`` re-records every trace
  through the live models (the workflow's own router, else Claude) and passes.
- Budgets: ``max_steps``, ``max_tokens``, ``max_cost_usd`` on the marker or fixture call, or
  the ini options ``replay_max_steps`` / ``replay_max_tokens`` / ``replay_max_cost_usd``.
- Masks: ``ignore=[regex, ...]`` on the marker or fixture call, plus the ini option
  ``replay_ignore`` (one regex a line) for every replay. Live tools: ``live_tools="all"`` or
  tool names on the marker or fixture call.
- At the end, a summary: replays passed, diverged and re-recorded, with step and cost deltas.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from replay.http.anthropic_fixtures import (  # noqa: F401 (fixtures the plugin exposes)
    add_anthropic_marker,
    anthropic_replay,
    anthropic_transport,
)
from replay.http.network import network_blocked
from replay.recorder import record_workflow, rerecord
from replay.report import DivergenceReport
from replay.session import ReplaySession
from tracekit.display import inert

TRACE_SUFFIX = ".trace.jsonl"
RECORD_MODES = ("none", "once", "rewrite")
_OUTCOMES_KEY = pytest.StashKey["ReplayOutcomes"]()


@dataclass
class ReplayOutcomes:
    """What the session's replays did, for the terminal summary."""

    passed: list[DivergenceReport] = field(default_factory=list)
    diverged: list[DivergenceReport] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)


class ReplayDiverged(AssertionError):
    """A replay did not match its recording (or broke a budget); carries the report."""

    def __init__(self, report: DivergenceReport, reason: str) -> None:
        super().__init__(f"{reason}\n\n{report.to_text()}")
        self.report = report
        self.reason = reason


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
    for name, kind in (("steps", "int"), ("tokens", "int"), ("cost_usd", "string")):
        parser.addini(
            f"replay_max_{name}",
            f"budget for every collected replay: at most this many {name.replace('_', ' ')}",
            type=kind,  # type: ignore[arg-type]
            default=None,
        )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker and the summary's bookkeeping."""
    config.addinivalue_line(
        "markers",
        "replay(path, *, mode='strict', tool_args='exact', max_steps=None, max_tokens=None, "
        "max_cost_usd=None, ignore=[regex, ...], live_tools=None|'all'|[name, ...]): "
        "defaults for the replay fixture",
    )
    add_anthropic_marker(config)
    config.stash[_OUTCOMES_KEY] = ReplayOutcomes()


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect ``*.trace.jsonl`` files as replay tests."""
    if file_path.name.endswith(TRACE_SUFFIX):
        return TraceFile.from_parent(parent, path=file_path)
    return None


class TraceFile(pytest.File):
    """A recorded trace file: one replay test."""

    def collect(self) -> Iterator[pytest.Item]:
        """One item named after the workflow and the trace."""
        from replay.recording import Recording

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
        budgets = {
            name: config.getini(f"replay_max_{name}") or None
            for name in ("steps", "tokens", "cost_usd")
        }
        runner = ReplayRunner(config)
        runner.run(
            self.path,
            mode=config.getoption("--replay-mode") or "strict",
            max_steps=_number(budgets["steps"], int),
            max_tokens=_number(budgets["tokens"], int),
            max_cost_usd=_number(budgets["cost_usd"], float),
        )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        """The divergence report, not a traceback into the plugin."""
        if isinstance(excinfo.value, ReplayDiverged):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        """Where the test comes from."""
        return self.path, 0, f"replay {self.name}"


def _number(value: Any, kind: type[Any]) -> Any:
    return None if value in (None, "") else kind(value)


class ReplayRunner:
    """Replays a trace file under the session's record mode and records the outcome.

    This is what the ``replay`` fixture returns: call it with a trace file (or rely on the
    ``replay`` marker's path); it raises :class:`ReplayDiverged` when the run does not match.
    """

    def __init__(self, config: pytest.Config, defaults: dict[str, Any] | None = None) -> None:
        self.config = config
        self.defaults = defaults or {}
        self.record_mode: str = config.getoption("--replay-record")

    def __call__(self, path: str | Path | None = None, **options: Any) -> DivergenceReport:
        """Replay ``path`` (default: the marker's) and return the report when it matches."""
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
        input: Any = None,
        ignore: Sequence[str] = (),
        live_tools: Any = None,
    ) -> DivergenceReport:
        """Replay one trace file; see the class docstring."""
        outcomes: ReplayOutcomes = self.config.stash[_OUTCOMES_KEY]
        if isinstance(ignore, str):
            ignore = [ignore]
        options: dict[str, Any] = {
            "mode": mode,
            "tool_args": tool_args,
            "ignore": [*self.config.getini("replay_ignore"), *ignore],
            "live_tools": live_tools,
        }
        if self.record_mode == "rewrite" or (self.record_mode == "once" and not path.exists()):
            if path.exists():
                rerecord(path)
            elif workflow is not None:
                record_workflow(workflow, input, path)
            else:
                raise pytest.UsageError(
                    f"{path} does not exist: pass workflow= and input= to record it"
                )
            outcomes.rewritten.append(str(path))
            if self.record_mode == "rewrite":
                return ReplaySession.from_file(path, **options).run()
        with network_blocked():
            report = ReplaySession.from_file(path, **options).run()
        reason = _budget_breach(report, max_steps, max_tokens, max_cost_usd)
        if not report.matched or reason:
            outcomes.diverged.append(report)
            raise ReplayDiverged(report, reason or report.headline)
        outcomes.passed.append(report)
        return report


def _budget_breach(
    report: DivergenceReport,
    max_steps: int | None,
    max_tokens: int | None,
    max_cost_usd: float | None,
) -> str | None:
    totals = report.replayed
    tokens = totals.input_tokens + totals.output_tokens
    if max_steps is not None and totals.steps > max_steps:
        return f"budget exceeded: {totals.steps} steps > max_steps={max_steps}"
    if max_tokens is not None and tokens > max_tokens:
        return f"budget exceeded: {tokens} tokens > max_tokens={max_tokens}"
    if max_cost_usd is not None and totals.cost_usd > max_cost_usd:
        return f"budget exceeded: ${totals.cost_usd:.4f} > max_cost_usd={max_cost_usd}"
    return None


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
    return ReplayRunner(request.config, defaults)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Replays passed, diverged and re-recorded, with step and cost deltas."""
    outcomes: ReplayOutcomes | None = config.stash.get(_OUTCOMES_KEY, None)
    if outcomes is None or not (outcomes.passed or outcomes.diverged or outcomes.rewritten):
        return
    write = terminalreporter.write_line
    terminalreporter.section("tracekit replay")
    write(
        f"{len(outcomes.passed)} matched, {len(outcomes.diverged)} diverged, "
        f"{len(outcomes.rewritten)} recorded"
    )
    for report in outcomes.diverged:
        steps = report.replayed.steps - report.recorded.steps
        cost = report.replayed.cost_usd - report.recorded.cost_usd
        write(
            f"  DIVERGED {inert(report.workflow)} {inert(report.trace_id[:12])}: {report.headline} "
            f"(steps {steps:+d}, cost {cost:+.4f} USD)"
        )
    all_reports = outcomes.passed + outcomes.diverged
    if all_reports:
        recorded_cost = sum(r.recorded.cost_usd for r in all_reports)
        replayed_cost = sum(r.replayed.cost_usd for r in all_reports)
        recorded_steps = sum(r.recorded.steps for r in all_reports)
        replayed_steps = sum(r.replayed.steps for r in all_reports)
        write(
            f"  steps {recorded_steps} recorded → {replayed_steps} replayed "
            f"({replayed_steps - recorded_steps:+d}); cost ${recorded_cost:.4f} → "
            f"${replayed_cost:.4f} ({replayed_cost - recorded_cost:+.4f})"
        )
    for path in outcomes.rewritten:
        write(f"  recorded {path}")
