"""The pytest plugin in real runs (pytester): replay suites, fixture, marker, record modes."""

from __future__ import annotations

import shutil

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
