"""SDK-level record and replay: apps that call the Anthropic SDK directly, no orchestrator.

Recording hands the SDK an ``httpx2`` client whose transport stores every exchange as a span
(:class:`AnthropicRecorder`, :class:`RecordingTransport`); replay answers the same requests
from those spans and never opens a connection (:class:`AnthropicReplayer`), or, with
``then_live=True``, replays the prefix and sends the rest live (a fork; :class:`LiveSwitch`
says where it went live). In pytest, the ``anthropic_replay`` fixture does both per test with
a trace file (:class:`AnthropicRecording`), and :func:`network_blocked` keeps a replay off the
network.

>>> from replay.http import AnthropicReplayer, network_blocked
>>> replayer = AnthropicReplayer.from_file("weather.jsonl")  # doctest: +SKIP

The modules underneath: ``exchange`` (how an exchange is stored and matched), ``transport``
(the recording transports), ``anthropic_sdk`` (recorder and replayer), ``live_handoff`` (going
live mid-replay), ``anthropic_fixtures``
(the pytest fixtures) and ``network`` (the network guard). The Anthropic SDK takes about a second
to import, and pytest is needed only under pytest: what needs them loads on first use.
"""

from typing import TYPE_CHECKING

from replay.http.exchange import (
    DEFAULT_IGNORED_FIELDS,
    HttpExchange,
    SseEvent,
    exchanges_from_spans,
)
from replay.http.network import NetworkBlockedError, network_blocked
from tracekit.lazy import lazy_exports

if TYPE_CHECKING:
    from replay.http.anthropic_fixtures import AnthropicRecording
    from replay.http.anthropic_sdk import (
        AnthropicRecorder,
        AnthropicReplayer,
        RecordingSession,
        ReplayTransport,
        UnmatchedAnthropicRequest,
        record_anthropic,
    )
    from replay.http.live_handoff import LiveSwitch
    from replay.http.transport import AsyncRecordingTransport, RecordingTransport

_LAZY = {
    "AnthropicRecorder": "replay.http.anthropic_sdk",
    "AnthropicRecording": "replay.http.anthropic_fixtures",
    "AnthropicReplayer": "replay.http.anthropic_sdk",
    "AsyncRecordingTransport": "replay.http.transport",
    "LiveSwitch": "replay.http.live_handoff",
    "RecordingSession": "replay.http.anthropic_sdk",
    "RecordingTransport": "replay.http.transport",
    "ReplayTransport": "replay.http.anthropic_sdk",
    "UnmatchedAnthropicRequest": "replay.http.anthropic_sdk",
    "record_anthropic": "replay.http.anthropic_sdk",
}


__getattr__ = lazy_exports(__name__, _LAZY)


__all__ = [
    "DEFAULT_IGNORED_FIELDS",
    "AnthropicRecorder",
    "AnthropicRecording",
    "AnthropicReplayer",
    "AsyncRecordingTransport",
    "HttpExchange",
    "LiveSwitch",
    "NetworkBlockedError",
    "RecordingSession",
    "RecordingTransport",
    "ReplayTransport",
    "SseEvent",
    "UnmatchedAnthropicRequest",
    "exchanges_from_spans",
    "network_blocked",
    "record_anthropic",
]
