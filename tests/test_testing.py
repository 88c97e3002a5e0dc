"""tracekit.testing: a user's tests get captured telemetry, sequential ids and a frozen clock
from the installed plugin, with nothing to import or configure."""

from __future__ import annotations

import subprocess
import sys

import pytest

USERS_TEST = """
from datetime import datetime, timezone

from tracekit import Agent, Context, ModelRouter, ScriptedModel, Workflow
from tracekit.telemetry import Telemetry
from tracekit.testing import FROZEN_AT, Captured

echo = Agent("echo")
wf = Workflow("hello", models=ModelRouter({}, default=ScriptedModel()))


@wf.entrypoint
def run(ctx: Context[None], text: str) -> str:
    return ctx.call(echo, text)


def test_the_agent_call_is_recorded(captured: Captured) -> None:
    wf.run("hi there", telemetry=captured.telemetry)
    assert captured.one("invoke_agent echo").attributes["gen_ai.agent.name"] == "echo"
    assert captured.metric_points("gen_ai.client.token.usage")


def test_ids_count_up(sequential_ids) -> None:
    telemetry = Telemetry(id_generator=sequential_ids)
    with telemetry.tracer.start_as_current_span("root") as root:
        with telemetry.tracer.start_as_current_span("child") as child:
            pass
    assert (root.get_span_context().trace_id, root.get_span_context().span_id) == (1, 2)
    assert child.get_span_context().span_id == 3


def test_the_clock_stands_still(frozen_clock) -> None:
    assert datetime.now(timezone.utc) == FROZEN_AT
    frozen_clock.shift(90)
    assert (datetime.now(timezone.utc) - FROZEN_AT).total_seconds() == 90
"""

DETERMINISTIC_CONFTEST = """
import pytest
from tracekit.testing import capture_telemetry


@pytest.fixture
def captured(sequential_ids, frozen_clock):
    with capture_telemetry(id_generator=sequential_ids) as captured:
        yield captured
"""

DETERMINISTIC_TEST = """
from tracekit.testing import FROZEN_AT


def test_spans_are_the_same_every_run(captured, frozen_clock):
    tracer = captured.telemetry.tracer
    with tracer.start_as_current_span("invoke_workflow plan"):
        frozen_clock.shift(1.5)
        with tracer.start_as_current_span("invoke_agent planner"):
            pass
    at = int(FROZEN_AT.timestamp() * 1e9)
    assert [(s.name, s.context.span_id, s.start_time - at, s.end_time - at)
            for s in captured.spans] == [
        ("invoke_agent planner", 3, 1_500_000_000, 1_500_000_000),
        ("invoke_workflow plan", 2, 0, 1_500_000_000),
    ]
"""


def test_a_users_test_file_gets_the_fixtures_through_the_entry_point(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_users_workflow=USERS_TEST)
    # A fresh interpreter, as a user's pytest starts: the plugin comes from the installed
    # entry point, not from this test session.
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(passed=3)


def test_the_plugin_can_be_turned_off_by_its_entry_point_name(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_users_workflow=USERS_TEST)
    result = pytester.runpytest_subprocess("-p", "no:tracekit_testing")
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(["*fixture 'captured' not found*"])


def test_fixtures_combine_into_deterministic_spans(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(DETERMINISTIC_CONFTEST)
    pytester.makepyfile(test_deterministic=DETERMINISTIC_TEST)
    # In this process; the snapshot plugin keeps one temporary folder per process, which the
    # inner session would delete under the outer one.
    result = pytester.runpytest("-p", "no:textual-snapshot")
    result.assert_outcomes(passed=1)


def test_loading_the_plugin_imports_no_test_machinery() -> None:
    lazy = ("time_machine", "opentelemetry.sdk.trace.export.in_memory_span_exporter")
    code = f"import sys, tracekit.testing; print([m for m in {lazy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
