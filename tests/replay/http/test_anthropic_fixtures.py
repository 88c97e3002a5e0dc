"""The ``anthropic_replay`` fixture in a real pytest run (pytester): record once, replay offline,
fail loudly on a changed prompt or a recording left unplayed."""

from __future__ import annotations

from pathlib import Path

import pytest

# Imported here so the in-process runs below find them loaded (pytester drops modules an
# inner run imports, and the SDK takes a second to import).
import replay.http.anthropic_sdk  # noqa: F401
from tests.replay.http.fake_anthropic import API_KEY

pytest_plugins = ["pytester"]

CONFTEST = f'''
import httpx2
import pytest

from tests.replay.http.fake_anthropic import FakeMessagesAPI


def pytest_addoption(parser, pluginmanager):
    if not pluginmanager.has_plugin("tracekit_replay"):  # the replay plugin registers it
        parser.addoption("--replay-record", dest="replay_record", default="none")


@pytest.fixture
def anthropic_transport():
    return httpx2.MockTransport(FakeMessagesAPI())


@pytest.fixture
def api_key():
    return "{API_KEY}"
'''


def app_test(question: str = "Weather in Paris?", calls: int = 2, marker: str = "") -> str:
    return f"""
import pytest

{marker}
def test_weather(anthropic_replay, api_key):
    client = anthropic_replay.client(api_key=api_key)
    texts = []
    for _ in range({calls}):
        with client.messages.stream(
            model="claude-haiku-4-5", max_tokens=64,
            messages=[{{"role": "user", "content": "{question}"}}],
        ) as stream:
            texts.append(stream.get_final_text())
    assert texts[0] == "It is sunny (1) in Paris."
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_app=app_test())
    return pytester


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # textual-snapshot keeps one temp folder per process: in-process runs must leave it out
    return pytester.runpytest(
        "-p",
        "replay.http.anthropic_fixtures",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:textual-snapshot",
        *args,
    )


def recording(pytester: pytest.Pytester) -> Path:
    return pytester.path / "recordings" / "test_app" / "test_weather.jsonl"


def test_record_once_then_replay_offline(project: pytest.Pytester) -> None:
    run(project, "--replay-record=once").assert_outcomes(passed=1)
    assert recording(project).is_file()
    assert API_KEY.encode() not in recording(project).read_bytes()

    # replay (the default): answered from the file; the fake API is never built
    project.makeconftest(CONFTEST.replace("FakeMessagesAPI())", "None)"))
    run(project).assert_outcomes(passed=1)


def test_a_missing_recording_fails_with_how_to_record_it(project: pytest.Pytester) -> None:
    result = run(project)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no Anthropic recording at*--replay-record=once to record it*"])


def test_a_changed_prompt_fails_with_the_diff(project: pytest.Pytester) -> None:
    run(project, "--replay-record=once").assert_outcomes(passed=1)
    project.makepyfile(test_app=app_test(question="Weather in Rome?"))

    result = run(project)
    result.assert_outcomes(failed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*UnmatchedAnthropicRequest: replay: no recorded answer for POST /v1/messages*",
            "*messages[[]0[]].content: recorded 'Weather in Paris?' | sent 'Weather in Rome?'*",
        ]
    )


def test_unplayed_recordings_fail_unless_the_marker_allows_them(project: pytest.Pytester) -> None:
    run(project, "--replay-record=once").assert_outcomes(passed=1)
    project.makepyfile(test_app=app_test(calls=1))
    result = run(project)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*unplayed recording: POST /v1/messages*Weather in Paris*"])

    lenient = (
        '@pytest.mark.anthropic_recording("recordings/test_app/test_weather.jsonl", strict=False)'
    )
    project.makepyfile(test_app=app_test(calls=1, marker=lenient))
    run(project).assert_outcomes(passed=1)


def test_rewrite_records_again(project: pytest.Pytester) -> None:
    run(project, "--replay-record=once").assert_outcomes(passed=1)
    first = recording(project).read_bytes()
    run(project, "--replay-record=rewrite").assert_outcomes(passed=1)
    assert recording(project).read_bytes() != first  # new trace and span ids


def test_a_truncated_recording_fails_in_one_line(project: pytest.Pytester) -> None:
    run(project, "--replay-record=once").assert_outcomes(passed=1)
    data = recording(project).read_bytes()
    recording(project).write_bytes(data[: len(data) // 2])

    result = run(project)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*test_weather.jsonl*line 1*truncated*"])
