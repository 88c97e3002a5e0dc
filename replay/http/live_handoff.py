"""Going live mid-replay: where an ``AnthropicReplayer(then_live=True)`` stopped answering from
the recording, and the transport that sends from there on.

A fork of an app on the Anthropic SDK replays its prefix exactly and sends the rest to the real
API. The replayer decides, request by request, whether the recording still answers; once it does
not (the request differs from every unplayed recording, or its number reached ``fork_at``), this
request and every later one go to the live transport the user gave, streamed responses streamed
as they arrive. :class:`LiveSwitch` records that moment for the app's report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import httpx2

from tracekit.exceptions import ConfigError

__all__ = ["LiveSwitch", "LiveTransport"]

#: Why a replay went live: the request differed from the recording, or it reached ``fork_at``.
LiveReason = Literal["differs", "fork_at"]


@dataclass(frozen=True)
class LiveSwitch:
    """Where a ``then_live`` replay went live.

    ``index`` numbers the request (from 0, in the order requests reached the transport, retries
    included, as exchanges are recorded); the requests before it were answered from the
    recording. ``reason`` says why; ``request`` names the request in one line; ``detail``, when
    it differed, names the nearest recorded request and the fields that changed.
    """

    index: int
    reason: LiveReason
    request: str
    detail: str = ""

    def describe(self) -> str:
        """One line for a report: ``went live at request 2 (differs): POST /v1/messages (…)``."""
        why = "it differs from the recording" if self.reason == "differs" else "fork_at"
        return f"went live at request {self.index} ({why}): {self.request}"


AnyTransport = httpx2.BaseTransport | httpx2.AsyncBaseTransport


class LiveTransport:
    """The transport a ``then_live`` replay sends through once it went live: the one the user
    gave (an ``httpx2.MockTransport`` in tests, a recording transport to record the fork), or the
    network (``httpx2.HTTPTransport`` / ``AsyncHTTPTransport``, made on first use)."""

    def __init__(self, given: AnyTransport | None) -> None:
        if given is not None and not isinstance(
            given, httpx2.BaseTransport | httpx2.AsyncBaseTransport
        ):
            raise ConfigError(
                f"live= takes an httpx2 transport, not {type(given).__name__} "
                "(for example httpx2.HTTPTransport() or AnthropicRecorder(...).transport())"
            )
        self._given = given
        self._sync: httpx2.BaseTransport | None = None
        self._async: httpx2.AsyncBaseTransport | None = None

    def send(self, request: httpx2.Request) -> httpx2.Response:
        """Send ``request`` through the sync live transport (its stream passed through)."""
        if self._sync is None:
            if self._given is None:
                self._sync = httpx2.HTTPTransport()
            elif isinstance(self._given, httpx2.BaseTransport):
                self._sync = self._given
            else:
                raise self._wrong_kind("sync")
        return self._sync.handle_request(request)

    async def send_async(self, request: httpx2.Request) -> httpx2.Response:
        """The async twin of :meth:`send`."""
        if self._async is None:
            if self._given is None:
                self._async = httpx2.AsyncHTTPTransport()
            elif isinstance(self._given, httpx2.AsyncBaseTransport):
                self._async = self._given
            else:
                raise self._wrong_kind("async")
        return await self._async.handle_async_request(request)

    def _wrong_kind(self, client: str) -> ConfigError:
        article = "an" if client == "async" else "a"
        return ConfigError(
            f"live= is a {type(self._given).__name__}, which cannot serve {article} {client} client"
        )

    def close(self) -> None:
        """Close the transports this object made itself (the user's own are theirs to close)."""
        if self._given is None and self._sync is not None:
            self._sync.close()

    async def aclose(self) -> None:
        """The async twin of :meth:`close`."""
        if self._given is None and self._async is not None:
            await self._async.aclose()
