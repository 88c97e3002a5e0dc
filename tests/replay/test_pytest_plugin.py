"""The pytest plugin in real runs (pytester): replay suites, fixture, marker, record modes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from replay.http import NetworkBlockedError, network_blocked
from replay.recorder import record_workflow
from tests.recording import REPO_ROOT
from tests.replay.mutants import MutantModule

pytest_plugins = ["pytester"]

TRACES = REPO_ROOT / "fixtures" / "traces"
#: pytest-textual-snapshot keeps one temp folder per process, which a nested run would remove.
INNER = ("-p", "no:textual-snapshot")


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*INNER, *args)


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project with a folder of recorded traces."""
    folder = pytester.path / "traces"
    folder.mkdir()
    for name in ("doc-pipeline-seed0-ok", "guarded-research-seed1-stopped"):
        shutil.copy(TRACES / f"{name}.trace.jsonl", folder)
    return pytester


def test_a_folder_of_traces_is_a_test_suite(suite: pytest.Pytester) -> None:
    collected = run(suite, "traces", "--collect-only", "-q")
    names = [line for line in collected.outlines if "::" in line]
    assert len(names) == 2
    assert any("doc-pipeline-seed0-ok.trace.jsonl::doc-pipeline[" in n for n in names)
    assert any("::guarded-research[" in n for n in names)

    result = run(suite, "traces")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["*tracekit replay*", "2 matched, 0 diverged, 0 recorded", "*steps*"]
    )


def test_a_changed_workflow_fails_with_the_report(pytester: pytest.Pytester) -> None:
    mutant = MutantModule(pytester.path / "code")
    record_workflow(mutant.write().workflow, {"text": "hi"}, pytester.path / "t.trace.jsonl")
    mutant.write(planner_prompt="Plan carefully.")
    result = run(pytester, "t.trace.jsonl")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*replay diverged at step 1: model call 0 of agent planner #0: system prompt changed*",
            "*first divergence: agent planner (call #0), model call 0*",
            "0 matched, 1 diverged, 0 recorded",
            "*DIVERGED mutant*",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_fixture_marker_and_budgets(pytester: pytest.Pytester) -> None:
    shutil.copy(TRACES / "doc-pipeline-seed0-ok.trace.jsonl", pytester.path / "run.trace.jsonl")
    pytester.makepyfile(
        test_hand_written="""
        import pytest

        @pytest.mark.replay("run.trace.jsonl", max_steps=100, max_cost_usd=1.0)
        def test_within_budget(replay):
            report = replay()
            assert report.matched and report.replayed.steps > 2

        @pytest.mark.replay("run.trace.jsonl")
        def test_over_step_budget(replay):
            replay(max_steps=2)

        def test_explicit_path_and_mode(replay):
            report = replay("run.trace.jsonl", mode="subset", tool_args="ignore", max_tokens=10**6)
            assert report.mode == "subset"
        """
    )
    result = run(pytester, "test_hand_written.py")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*budget exceeded: * steps > max_steps=2*"])


def test_record_once_then_replay_then_rewrite(pytester: pytest.Pytester) -> None:
    mutant = MutantModule(pytester.path / "code")
    mutant.write()
    pytester.makepyfile(
        test_recorded=f"""
        from {mutant.name} import workflow

        def test_support_flow(replay):
            replay("recorded/flow.trace.jsonl", workflow=workflow, input={{"text": "refund"}})
        """
    )
    trace = pytester.path / "recorded" / "flow.trace.jsonl"
    missing = run(pytester, "test_recorded.py")
    missing.assert_outcomes(failed=1)
    assert not trace.exists()

    once = run(pytester, "test_recorded.py", "--replay-record=once")
    once.assert_outcomes(passed=1)
    assert trace.exists()
    once.stdout.fnmatch_lines(["*1 recorded*"])

    run(pytester, "test_recorded.py").assert_outcomes(passed=1)

    before = trace.read_text()
    mutant.write(planner_prompt="A new prompt.")
    run(pytester, "test_recorded.py").assert_outcomes(failed=1)
    rewrite = run(pytester, "test_recorded.py", "--replay-record=rewrite")
    rewrite.assert_outcomes(passed=1)
    assert trace.read_text() != before and "A new prompt." in trace.read_text()
    run(pytester, "test_recorded.py").assert_outcomes(passed=1)


def test_a_broken_trace_file_is_one_failing_test(pytester: pytest.Pytester) -> None:
    (pytester.path / "bad.trace.jsonl").write_text('{"resourceSpans": [')
    result = run(pytester, "bad.trace.jsonl")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*bad.trace.jsonl, line 1*"])


def test_network_is_blocked_during_replay_but_loopback_is_not() -> None:
    import socket

    with network_blocked(), socket.socket() as sock, pytest.raises(NetworkBlockedError):
        sock.connect(("192.0.2.1", 443))
    with network_blocked(), socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass


def test_masks_and_live_tools_on_marker_fixture_and_ini(pytester: pytest.Pytester) -> None:
    from tests.replay.mutants import SourceModule
    from tests.replay.scenarios import DECISION_DEFAULTS, DECISIONS, RANDOM_AND_TIME, UUID

    code = pytester.path / "code"
    volatile = SourceModule(code, RANDOM_AND_TIME, ticket="uuid.uuid4()", suffix="")
    record_workflow(volatile.write().workflow, "hi", pytester.path / "uuid.trace.jsonl")
    clerk = SourceModule(code, DECISIONS, **DECISION_DEFAULTS)
    record_workflow(clerk.write().workflow, "refund", pytester.path / "clerk.trace.jsonl")
    clerk.write(total=12)
    pytester.makepyfile(
        test_hand_written=f"""
        import pytest

        UUID = {UUID!r}

        @pytest.mark.replay("uuid.trace.jsonl", ignore=[UUID])
        def test_masked_on_the_marker(replay):
            assert replay().matched

        def test_masked_on_the_fixture(replay):
            assert replay("uuid.trace.jsonl", ignore=UUID).matched

        def test_unmasked(replay):
            replay("uuid.trace.jsonl")

        @pytest.mark.replay("clerk.trace.jsonl", live_tools=["price"])
        def test_live_tool_on_the_marker(replay):
            replay()

        def test_live_tool_on_the_fixture(replay):
            replay("clerk.trace.jsonl", live_tools="all")

        def test_recorded_tool(replay):
            assert replay("clerk.trace.jsonl").matched
        """
    )
    result = run(pytester, "test_hand_written.py", "-p", "no:randomly")
    result.assert_outcomes(passed=3, failed=3)
    result.stdout.fnmatch_lines(["*tool call price 0 of agent clerk #0: tool result changed*"])

    # The ini option masks every replay, collected trace files included.
    pytester.makeini(f"[pytest]\nreplay_ignore =\n    {UUID}\n")
    run(pytester, "uuid.trace.jsonl", "-k", "not hand").assert_outcomes(passed=1)
    run(pytester, "test_hand_written.py", "-k", "unmasked").assert_outcomes(passed=1)


def diverging_copy(folder: Path, name: str = "doc-pipeline-seed0-ok") -> Path:
    """A recorded demo trace whose planner prompt was since edited: its replay diverges."""
    text = (TRACES / f"{name}.trace.jsonl").read_text()
    assert "into 2-5 sections" in text
    target = folder / f"{name}-edited.trace.jsonl"
    target.write_text(text.replace("into 2-5 sections", "into 2-6 sections"))
    return target


def test_a_failure_shows_the_report_once_with_a_rerecord_hint(pytester: pytest.Pytester) -> None:
    diverging_copy(pytester.path)
    pytester.makepyfile(
        test_by_hand="""
        def test_edited(replay):
            replay("doc-pipeline-seed0-ok-edited.trace.jsonl")
        """
    )
    collected = run(pytester, "doc-pipeline-seed0-ok-edited.trace.jsonl")
    by_hand = run(pytester, "test_by_hand.py")
    for result, nodeid in (
        (collected, "doc-pipeline-seed0-ok-edited.trace.jsonl::doc-pipeline["),
        (by_hand, "test_by_hand.py::test_edited"),
    ):
        result.assert_outcomes(failed=1)
        out, _, summary = result.stdout.str().partition("= tracekit replay =")
        assert "DIVERGED doc-pipeline" in summary
        assert out.count("replay diverged at step 1: model call 0 of agent planner #0") == 1
        assert out.count("first divergence: agent planner") == 1
        # No frames of the plugin: neither its source nor its file.
        assert "pytest_plugin.py" not in out and "def run(" not in out
        assert "ReplaySession" not in out
        borders = [line.lstrip("E ") for line in result.outlines if "┏━━" in line]
        assert len(borders) == 1 and len(borders[0]) == 100  # not a terminal: 100 columns
        hint = [line for line in result.outlines if "--replay-record=rewrite" in line]
        assert len(hint) == 1 and nodeid in hint[0]
        assert "re-record" in hint[0]


def test_a_trace_file_a_test_replays_is_not_collected_again(pytester: pytest.Pytester) -> None:
    tests = pytester.path / "tests"
    tests.mkdir()
    diverging_copy(tests)
    shutil.copy(TRACES / "support-router-seed0-ok.trace.jsonl", tests)
    shutil.copy(TRACES / "doc-pipeline-seed1-ok.trace.jsonl", tests)
    (tests / "test_flows.py").write_text(
        "import pytest\n\n"
        "def test_edited(replay):\n"
        "    replay('tests/doc-pipeline-seed0-ok-edited.trace.jsonl')\n\n"
        "@pytest.mark.replay('support-router-seed0-ok.trace.jsonl')\n"
        "def test_router(replay):\n"
        "    replay()\n"
    )
    result = run(pytester, "tests")
    # Two hand-written tests and the one trace file no test names; two files deselected.
    result.assert_outcomes(passed=2, failed=1, deselected=2)
    out = result.stdout.str()
    assert out.count("first divergence: agent planner") == 1
    assert "doc-pipeline-seed1-ok.trace.jsonl::doc-pipeline[" in "\n".join(
        run(pytester, "tests", "--collect-only", "-q").outlines
    )


def test_a_changed_input_is_a_divergence(pytester: pytest.Pytester) -> None:
    mutant = MutantModule(pytester.path / "code")
    mutant.write()
    test = """
        from {name} import workflow

        def test_flow(replay):
            replay("flow.trace.jsonl", workflow=workflow, input={input!r})
        """
    pytester.makepyfile(test_flow=test.format(name=mutant.name, input={"text": "refund"}))
    run(pytester, "test_flow.py", "--replay-record=once").assert_outcomes(passed=1)
    run(pytester, "test_flow.py").assert_outcomes(passed=1)

    pytester.makepyfile(test_flow=test.format(name=mutant.name, input={"text": "refund now"}))
    result = run(pytester, "test_flow.py")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*input changed: the workflow's input differs from the recorded one*",
            "*input.text:*",
            '*- recorded: "refund"*',
            '*+ replayed: "refund now"*',
            "*--replay-record=rewrite*",
        ]
    )
    run(pytester, "test_flow.py", "--replay-record=rewrite").assert_outcomes(passed=1)
    run(pytester, "test_flow.py").assert_outcomes(passed=1)


def test_a_missing_trace_file_is_a_hint_not_a_traceback(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_missing="""
        def test_not_recorded(replay):
            replay("nowhere/flow.trace.jsonl")
        """
    )
    result = run(pytester, "test_missing.py")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "Traceback" not in out and "pytest_plugin.py" not in out
    result.stdout.fnmatch_lines(
        [
            "*nowhere/flow.trace.jsonl is not recorded yet: record it with "
            "pytest test_missing.py::test_not_recorded --replay-record=once "
            "(the replay() call needs workflow= and input= for that)*"
        ]
    )


def test_a_bad_ini_budget_is_one_usage_error(suite: pytest.Pytester) -> None:
    result = run(suite, "traces", "-o", "replay_max_steps=abc")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.errlines if "replay_max_steps" in line]
    assert errors == ["ERROR: ini option replay_max_steps: expected a whole number ≥ 0, got 'abc'"]
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    run(suite, "traces", "-o", "replay_max_cost_usd=1.5").assert_outcomes(passed=2)


def test_a_budget_breach_is_named_as_a_breach(pytester: pytest.Pytester) -> None:
    shutil.copy(TRACES / "doc-pipeline-seed0-ok.trace.jsonl", pytester.path / "run.trace.jsonl")
    pytester.makepyfile(
        test_budget="""
        import pytest

        @pytest.mark.replay("run.trace.jsonl", max_steps=2, max_tokens=10, max_cost_usd=100)
        def test_over(replay):
            replay()
        """
    )
    result = run(pytester, "test_budget.py")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "replay matched" not in out and "DIVERGED" not in out
    result.stdout.fnmatch_lines(
        [
            "*budget exceeded: * steps > max_steps=2",
            "*budget exceeded: * tokens > max_tokens=10",
            "*raise the budget*",
            "0 matched, 0 diverged, 1 over budget, 0 recorded",
            "*OVER BUDGET doc-pipeline *: replay over budget: * steps > max_steps=2, "
            "* tokens > max_tokens=10 (otherwise matched)*",
        ]
    )
    assert "max_cost_usd=100" not in out.split("tracekit replay")[-1]


def test_the_summary_works_under_xdist(suite: pytest.Pytester) -> None:
    diverging_copy(suite.path / "traces")
    result = suite.runpytest_subprocess(*INNER, "-p", "xdist", "-n", "2", "traces")
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    assert out.count("tracekit replay") == 1
    result.stdout.fnmatch_lines(
        [
            "*tracekit replay*",
            "2 matched, 1 diverged, 0 recorded",
            "*DIVERGED doc-pipeline *: replay diverged at step 1*",
            "*steps * recorded → * replayed*",
        ]
    )
