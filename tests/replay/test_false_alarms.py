"""No false alarms: runs whose timing, randomness, clock, ids or process differ still replay.

Each replay loop runs 20 times: a flaky replay suite gets switched off.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import time_machine

from replay import Recording, ReplaySession
from replay.canonical import IGNORED
from replay.recorder import record_workflow
from tests.replay.mutants import DEFAULTS, TEMPLATE, SourceModule
from tests.replay.scenarios import (
    BREAKER,
    FAN_OUT,
    ODD_OUTPUT,
    RANDOM_AND_TIME,
    RANDOM_BETWEEN_CALLS,
    UUID,
)

pytest_plugins = ["pytester"]

TIMES = 20


ITEMS = ["a", "odd b", "c", "odd d", "e", "odd f", "g"]


def replays_identically(trace: Path, times: int = TIMES, **options: Any) -> None:
    recording = Recording.from_file(trace)
    reports = [ReplaySession(recording, **options).run() for _ in range(times)]
    for report in reports:
        assert report.matched, report.to_text()
    assert len({r.model_dump_json() for r in reports}) == 1
    replayed = [row.replayed.key for row in reports[0].steps if row.replayed]
    assert replayed == [s.key for s in recording.trajectory.steps]


def test_a_fan_out_with_fallbacks_under_random_latency_replays_20_times(tmp_path: Path) -> None:
    module = SourceModule(tmp_path / "code", FAN_OUT, agent="drafter", latency=(0.0, 0.004))
    trace = tmp_path / "fallbacks.trace.jsonl"
    record_workflow(module.write().workflow, ITEMS, trace)
    keys = [s.key for s in Recording.from_file(trace).trajectory.steps if s.kind == "agent"]
    # Fallbacks hang under the call that failed, whenever it failed.
    assert keys == [
        "drafter#0",
        "drafter#1",
        "drafter#1/fallback:backup#0",
        "drafter#2",
        "drafter#3",
        "drafter#3/fallback:backup#0",
        "drafter#4",
        "drafter#5",
        "drafter#5/fallback:backup#0",
        "drafter#6",
    ]
    replays_identically(trace)


def test_a_fan_out_with_tool_triggered_handoffs_under_random_latency_replays_20_times(
    tmp_path: Path,
) -> None:
    module = SourceModule(tmp_path / "code", FAN_OUT, agent="researcher", latency=(0.0, 0.004))
    traces = []
    for attempt in range(2):  # two recordings, two different thread timings
        traces.append(tmp_path / f"handoffs-{attempt}.trace.jsonl")
        record_workflow(module.write().workflow, ITEMS, traces[-1])
    steps = Recording.from_file(traces[0]).trajectory.steps
    keys = [s.key for s in steps if s.kind == "agent"]
    assert "researcher#3/expert#0" in keys
    assert "researcher#3/expert#0/fallback:backup#0" in keys
    assert keys == [
        s.key for s in Recording.from_file(traces[1]).trajectory.steps if s.kind == "agent"
    ]
    for trace in traces:
        replays_identically(trace, times=TIMES // 2)


def test_moving_calls_into_a_helper_and_renaming_the_workflow_still_replays(
    tmp_path: Path,
) -> None:
    template = TEMPLATE.replace('Workflow("mutant"', 'Workflow("{workflow_name}"')
    module = SourceModule(tmp_path / "code", template, **DEFAULTS, workflow_name="mutant")
    trace = tmp_path / "refactor.trace.jsonl"
    record_workflow(module.write().workflow, {"text": "I was charged twice"}, trace)
    helper = (
        "    def research_and_write(c, p):\n"
        "        answer = c.call(researcher, p)\n"
        "        return c.call(writer, answer)\n"
        "    return research_and_write(ctx, plan)\n"
    )
    module.write(body=helper, workflow_name="support-mutant")
    replays_identically(trace)
    recording = Recording.from_file(trace)
    # The call site is kept as a hint, never compared.
    hints = [s.hints["call_site"] for s in recording.trajectory.steps if s.kind == "agent"]
    assert re.fullmatch(rf".*{module.name}\.py:\d+", hints[1]), hints
    report = ReplaySession(recording).run()
    row = next(r for r in report.steps if r.recorded and r.recorded.key == "researcher#0")
    assert row.status == "same" and row.recorded and row.replayed
    assert row.recorded.call_site == hints[1] != row.replayed.call_site


def record_breaker_runs(tmp_path: Path) -> tuple[SourceModule, list[Path]]:
    """Five runs through one breaker: it opens, stays open, half-opens, closes."""
    module = SourceModule(tmp_path / "code", BREAKER)
    code = module.write()
    traces = []
    for number, text in enumerate(["bad 1", "bad 2", "good 3", "good 4", "bad 5"]):
        if number == 3:
            code.NOW[0] = 11.0  # past reset_after_s: the next call is the trial
        traces.append(tmp_path / f"breaker-{number}.trace.jsonl")
        record_workflow(code.workflow, text, traces[-1])
    for number in range(2):
        traces.append(tmp_path / f"cache-{number}.trace.jsonl")
        record_workflow(code.cached, "same question", traces[-1])
    return module, traces


def test_runs_recorded_while_a_breaker_opened_and_closed_replay_in_any_order(
    tmp_path: Path,
) -> None:
    module, traces = record_breaker_runs(tmp_path)
    states = [Recording.from_file(t).trajectory.steps[0].answer["breaker"] for t in traces[:5]]
    assert states == ["closed", "closed", "open", "half_open", "closed"]
    hits = [
        [s.answer["cache_hit"] for s in Recording.from_file(t).trajectory.steps if s.kind == "llm"]
        for t in traces[5:]
    ]
    assert hits == [[False], [True]]
    recordings = [Recording.from_file(t) for t in traces]
    shuffle = random.Random(2026)
    for _ in range(TIMES):
        order = shuffle.sample(recordings, len(recordings))
        for recording in order:
            report = ReplaySession(recording).run()
            assert report.matched, report.to_text()
    # Replays never moved the process's breaker or cache.
    code = sys.modules[module.name]
    assert code.flaky.circuit_breaker.consecutive_failures == 1


def test_breaker_and_cache_runs_pass_as_one_pytest_suite_in_any_order(
    pytester: pytest.Pytester,
) -> None:
    _, traces = record_breaker_runs(pytester.path)
    shuffle = random.Random(7)
    for _ in range(3):
        order = [str(t) for t in shuffle.sample(traces, len(traces))]
        result = pytester.runpytest("-p", "no:textual-snapshot", *order)
        result.assert_outcomes(passed=len(traces))


def test_runs_recorded_while_a_breaker_opened_replay_in_a_fresh_process(tmp_path: Path) -> None:
    _, traces = record_breaker_runs(tmp_path)
    script = (
        "import sys\n"
        "sys.path.insert(0, sys.argv[1])\n"
        "from replay import ReplaySession\n"
        "reports = [ReplaySession.from_file(p).run() for p in sys.argv[2:]]\n"
        "print(' '.join(str(r.matched) for r in reports))\n"
        "for r in reports:\n"
        "    if not r.matched: print(r.to_text())\n"
    )
    for trace in (traces[2], traces[3], traces[6]):  # open, half-open, a cache hit: each alone
        run = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / "code"), str(trace)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, run.stderr
        assert run.stdout.split()[:1] == ["True"], run.stdout


#: Recorded 30 s into a minute, long ago: a replay now must give that clock back.
RECORDED_AT = datetime(2030, 1, 1, 12, 0, 30, tzinfo=timezone.utc)


def test_random_and_time_in_prompts_replay_20_times(tmp_path: Path) -> None:
    module = SourceModule(tmp_path / "code", RANDOM_AND_TIME, ticket="'T-1'", suffix="")
    code = module.write()
    traces = [tmp_path / "a.trace.jsonl", tmp_path / "b.trace.jsonl"]
    with time_machine.travel(RECORDED_AT, tick=True):
        for trace in traces:
            record_workflow(code.workflow, "hello", trace)
    prompts = [Recording.from_file(t).trajectory.steps[0].request["input"] for t in traces]
    assert prompts[0] != prompts[1]  # each run has its own seed: the values are volatile
    assert "2030-01-01 12:00" in prompts[0]
    with time_machine.travel(datetime(2031, 6, 6, 6, 6, 6, tzinfo=timezone.utc), tick=True):
        for trace in traces:
            replays_identically(trace, times=TIMES // 2)


def test_random_drawn_after_spans_started_replays_20_times(tmp_path: Path) -> None:
    # Span ids drew from the run's seeded `random` before its code did (the OTel SDK's own
    # ids do): a replay, whose spans draw none, drew other numbers and diverged.
    module = SourceModule(tmp_path / "code", RANDOM_BETWEEN_CALLS)
    trace = tmp_path / "lucky.trace.jsonl"
    record_workflow(module.write().workflow, "hello", trace)
    recording = Recording.from_file(trace)
    assert "lucky" in str(recording.trajectory.steps[-1].request)
    replays_identically(trace, times=TIMES // 2)


def test_nan_and_a_datetime_in_the_output_and_a_request_replay_20_times(tmp_path: Path) -> None:
    # NaN never equals itself, and the output was compared in another JSON than the span's
    # (NaN as null, the datetime in ISO form): an unchanged run was "output changed".
    module = SourceModule(tmp_path / "code", ODD_OUTPUT)
    trace = tmp_path / "odd.trace.jsonl"
    record_workflow(module.write().workflow, "hello", trace)
    assert Recording.from_file(trace).output["at"] == "2030-01-01 12:00:00+00:00"
    replays_identically(trace, times=TIMES // 2)


def test_a_uuid_in_a_prompt_replays_20_times_when_masked(tmp_path: Path) -> None:
    module = SourceModule(tmp_path / "code", RANDOM_AND_TIME, ticket="uuid.uuid4()", suffix="")
    trace = tmp_path / "uuid.trace.jsonl"
    record_workflow(module.write().workflow, "hello", trace)
    unmasked = ReplaySession.from_file(trace).run()
    assert not unmasked.matched  # uuid4 is volatile: without a mask it diverges
    replays_identically(trace, ignore=[UUID])
    # A real change next to the masked id is still caught, the id shown as ignored.
    module.write(suffix="!")
    report = ReplaySession.from_file(trace, ignore=[UUID]).run()
    assert not report.matched
    assert report.first is not None and report.first.kind == "agent"
    change = report.first.changes[0]
    assert change.field == "input"
    assert f"ticket {IGNORED}" in change.recorded and change.replayed.endswith(f"{IGNORED}!")
    assert IGNORED in report.to_text()
