"""pytest fixtures for apps that call the Anthropic SDK directly: record once, replay offline.

::

    @pytest.mark.anthropic_recording("recordings/weather.jsonl")
    def test_weather(anthropic_replay):
        client = anthropic_replay.client()           # anthropic.Anthropic
        assert "sunny" in weather_app(client)

With ``--replay-record=none`` (the default) the test's requests are answered from the trace file
and the network is never used; a request the file has no answer for fails the test, and so does
a recording the test left unplayed (``strict=False`` on the marker allows leftovers). With
``once`` a missing file is recorded through the live API; ``rewrite`` records it again. The path
is relative to the test module's folder; without a marker it is
``recordings/<module>/<test>.jsonl``. Tests override the ``anthropic_transport`` fixture to
record against something other than the network.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pytest

if TYPE_CHECKING:
    import anthropic
    import httpx2

    from replay.http.anthropic_sdk import AnthropicRecorder, AnthropicReplayer
    from tracekit.telemetry import Telemetry

#: The marker naming a test's trace file: ``anthropic_recording(path, *, strict=True)``.
ANTHROPIC_MARKER = "anthropic_recording"
#: The ``dest`` of the ``--replay-record`` option the replay plugin registers.
RECORD_OPTION = "replay_record"
#: The API key replayed clients are given: the SDK wants one, replay never sends it anywhere.
REPLAY_API_KEY = "sk-ant-replay-no-key"


def add_anthropic_marker(config: pytest.Config) -> None:
    """Declare :data:`ANTHROPIC_MARKER` (the replay plugin calls this from pytest_configure)."""
    config.addinivalue_line(
        "markers",
        f"{ANTHROPIC_MARKER}(path, *, strict=True): the trace file that answers this test's "
        "Anthropic SDK requests (relative to the test module); strict fails on unplayed ones",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Used when this module is loaded as a plugin of its own."""
    add_anthropic_marker(config)


class AnthropicRecording:
    """The Anthropic SDK traffic of one test, replayed from ``path`` or recorded into it.

    Build SDK clients with :meth:`client` / :meth:`async_client` (or hand
    :meth:`http_client` / :meth:`async_http_client` to your own). ``mode`` is ``"replay"`` or
    ``"record"``; :attr:`replayer` is the :class:`~replay.http.anthropic_sdk.AnthropicReplayer` in
    replay mode.
    """

    def __init__(
        self,
        path: Path,
        mode: Literal["replay", "record"],
        *,
        strict: bool = True,
        transport: Any = None,
        scratch: Path | None = None,
        name: str = "anthropic-test",
    ) -> None:
        from replay.http.anthropic_sdk import AnthropicRecorder, AnthropicReplayer

        self.path = path
        self.mode = mode
        self.strict = strict
        self._transport = transport
        self.replayer: AnthropicReplayer | None = None
        self._recorder: AnthropicRecorder | None = None
        self._telemetry: Telemetry | None = None
        self._open = contextlib.ExitStack()
        self._trace_id = ""
        if mode == "replay":
            self.replayer = AnthropicReplayer.from_file(path)
            return
        from tracekit.telemetry import Telemetry

        if scratch is None:
            raise ValueError("recording needs a scratch folder for its store")
        self._store = scratch / "anthropic-recording.duckdb"
        self._telemetry = Telemetry.recording_to(self._store)
        self._recorder = AnthropicRecorder(self._telemetry)
        self._trace_id = self._open.enter_context(self._recorder.session(name)).trace_id

    # --- clients ------------------------------------------------------------------------------

    def http_client(self) -> httpx2.Client:
        """An ``httpx2.Client`` for ``anthropic.Anthropic(http_client=...)``."""
        if self.replayer is not None:
            return self.replayer.http_client()
        assert self._recorder is not None
        return self._recorder.http_client(self._transport)

    def async_http_client(self) -> httpx2.AsyncClient:
        """An ``httpx2.AsyncClient`` for ``anthropic.AsyncAnthropic(http_client=...)``."""
        if self.replayer is not None:
            return self.replayer.async_http_client()
        assert self._recorder is not None
        return self._recorder.async_http_client(self._transport)

    def client(self, **options: Any) -> anthropic.Anthropic:
        """An ``anthropic.Anthropic`` wired to the recording (options go to its constructor)."""
        import anthropic

        return anthropic.Anthropic(**self._client_options(options), http_client=self.http_client())

    def async_client(self, **options: Any) -> anthropic.AsyncAnthropic:
        """An ``anthropic.AsyncAnthropic`` wired to the recording."""
        import anthropic

        return anthropic.AsyncAnthropic(
            **self._client_options(options), http_client=self.async_http_client()
        )

    def _client_options(self, options: dict[str, Any]) -> dict[str, Any]:
        if self.replayer is not None:
            options.setdefault("api_key", REPLAY_API_KEY)
        elif self._telemetry is not None:
            # The SDK's own span then holds the exchange spans, as in any traced app.
            options.setdefault(
                "open_telemetry",
                {
                    "tracer_provider": self._telemetry.tracer_provider,
                    "traces": {"content_mode": "content"},
                },
            )
        return options

    # --- end of test --------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """Unmatched requests and (when strict) unplayed recordings, one line each."""
        if self.replayer is None:
            return []
        lines = [f"unmatched request: {str(e).splitlines()[0]}" for e in self.replayer.unmatched]
        if self.strict:
            lines += [f"unplayed recording: {e.describe()}" for e in self.replayer.unplayed()]
        return lines

    def finish(self) -> None:
        """Record mode: write the trace file. Replay mode: nothing (see :meth:`problems`)."""
        if self._recorder is None or self._telemetry is None:
            return
        from tracekit.otlp.files import write_trace_file
        from tracekit.store import TraceStore

        self._open.close()
        self._telemetry.shutdown()
        spans = TraceStore(self._store).trace_spans(self._trace_id)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_trace_file(self.path, spans)


def recording_path(request: pytest.FixtureRequest) -> tuple[Path, bool]:
    """The trace file of the requesting test and whether leftovers fail it."""
    marker = request.node.get_closest_marker(ANTHROPIC_MARKER)
    given: Any = getattr(request, "param", None)
    strict = True
    if marker is not None:
        given = marker.args[0] if marker.args else marker.kwargs.get("path", given)
        strict = bool(marker.kwargs.get("strict", True))
    base = Path(request.node.path).parent
    if given is None:
        module = Path(request.node.path).stem
        test = re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")
        return base / "recordings" / module / f"{test}.jsonl", strict
    path = Path(given)
    return (path if path.is_absolute() else base / path), strict


def record_mode(config: pytest.Config) -> str:
    """``none``, ``once`` or ``rewrite`` (``--replay-record``; ``none`` when not registered)."""
    try:
        value = config.getoption(RECORD_OPTION)
    except ValueError:
        value = None
    return str(value or "none")


@pytest.fixture
def anthropic_transport() -> Any:
    """The transport recordings are made through: None (the network). Override it in a
    conftest to record against a fake or a proxy."""
    return None


@pytest.fixture
def anthropic_replay(
    request: pytest.FixtureRequest, anthropic_transport: Any, tmp_path: Path
) -> Iterator[AnthropicRecording]:
    """The test's Anthropic SDK traffic, replayed from (or recorded into) its trace file."""
    path, strict = recording_path(request)
    mode = record_mode(request.config)
    if mode not in ("none", "once", "rewrite"):
        pytest.fail(f"--replay-record must be none, once or rewrite, not {mode!r}", pytrace=False)
    recording = mode == "rewrite" or (mode == "once" and not path.exists())
    if not recording and not path.exists():
        pytest.fail(
            f"no Anthropic recording at {path} (run with --replay-record=once to record it)",
            pytrace=False,
        )
    from tracekit.exceptions import TracekitError

    try:
        tape = AnthropicRecording(
            path,
            "record" if recording else "replay",
            strict=strict,
            transport=anthropic_transport,
            scratch=tmp_path,
            name=request.node.name,
        )
    except TracekitError as error:  # an unreadable or unusable trace file: one line
        pytest.fail(f"{path}: {error}", pytrace=False)
    if tape.mode == "replay":
        from replay.http.network import network_blocked

        with network_blocked():
            yield tape
    else:
        yield tape
    tape.finish()
    problems = tape.problems()
    if problems:
        pytest.fail(
            f"Anthropic replay of {path.name} incomplete:\n"
            + "\n".join(f"  {p}" for p in problems),
            pytrace=False,
        )
