"""Record and replay apps that call the Anthropic SDK directly, through its ``http_client=`` seam.

Record: hand the SDK an ``httpx2`` client whose transport records every exchange as a span of
your telemetry (request body, scrubbed headers, the response body or the streamed events)::

    recorder = AnthropicRecorder(Telemetry.recording_to("tracekit.duckdb"))
    client = anthropic.Anthropic(http_client=recorder.http_client())
    with recorder.session("weather-app") as session:   # one trace for the whole run
        run_my_app(client)
    print(session.trace_id)

Replay: answer the same requests from the recording, network never touched::

    replayer = AnthropicReplayer.from_store("tracekit.duckdb", session.trace_id)
    client = anthropic.Anthropic(api_key="sk-test", http_client=replayer.http_client())
    run_my_app(client)           # same responses, same streamed events in the same order
    replayer.assert_all_played()

Fork: ``then_live=True`` replays the prefix exactly and sends the rest to the real API. The
recording answers until the first request it has no answer for (or request number ``fork_at``);
that request and every later one go to ``live=`` (an httpx2 transport; the network when None),
streamed answers streamed as they arrive. :attr:`AnthropicReplayer.went_live` says where::

    replayer = AnthropicReplayer.from_store("tracekit.duckdb", trace_id, then_live=True,
                                            live=AnthropicRecorder(telemetry).transport())
    client = anthropic.Anthropic(http_client=replayer.http_client())   # a real key here
    run_my_changed_app(client)
    print(replayer.went_live.describe() if replayer.went_live else "nothing changed")

A request is answered by a recorded exchange with the same method, path and canonical request
body (sorted keys, secrets scrubbed, :data:`DEFAULT_IGNORED_FIELDS` removed); each recording
answers once, identical requests in recorded order. A request nothing answers raises
:class:`UnmatchedAnthropicRequest` (an :class:`~tracekit.exceptions.UnmatchedCallError`) with the
nearest recorded request and a per-field diff. It is also an ``anthropic.AnthropicError``, which
the SDK neither wraps in ``APIConnectionError`` nor retries: the app sees it as it is.
"""

from __future__ import annotations

import os
import threading
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import anthropic
import httpx2
from opentelemetry.trace import TracerProvider

from replay.http.exchange import (
    DEFAULT_IGNORED_FIELDS,
    WIRE_HEADERS,
    HttpExchange,
    diff_size,
    encode_sse,
    exchanges_from_spans,
    field_diff,
    match_key,
    match_value,
    stored_request_body,
    url_target,
)
from replay.http.live_handoff import AnyTransport, LiveSwitch, LiveTransport
from replay.http.transport import AsyncRecordingTransport, RecordingTransport
from tracekit import semconv as sc
from tracekit.exceptions import ConfigError, RecordingError, ReplayError, UnmatchedCallError
from tracekit.otlp.model import OtlpSpan
from tracekit.telemetry import Telemetry, default_telemetry, tracer_for

__all__ = [
    "DEFAULT_IGNORED_FIELDS",
    "AnthropicRecorder",
    "AnthropicReplayer",
    "LiveSwitch",
    "RecordingSession",
    "UnmatchedAnthropicRequest",
]


class UnmatchedAnthropicRequest(UnmatchedCallError, anthropic.AnthropicError):
    """Raised by the replay transport when the app sends a request the recording holds no
    answer for. Being an ``AnthropicError`` too, it reaches the app unwrapped and unretried."""


# --- recording --------------------------------------------------------------------------------


@dataclass
class RecordingSession:
    """A recording in progress under one root span; ``trace_id`` names the trace to replay."""

    name: str
    trace_id: str


class AnthropicRecorder:
    """Records the Anthropic SDK's HTTP exchanges as spans of ``telemetry``.

    ``telemetry`` is a :class:`~tracekit.telemetry.Telemetry` (the default one when None) or a
    bare OpenTelemetry ``TracerProvider``. Give the SDK :meth:`http_client` (sync) or
    :meth:`async_http_client`; ``transport=`` replaces the network transport underneath (tests
    pass an ``httpx2.MockTransport``).
    """

    def __init__(self, telemetry: Telemetry | TracerProvider | None = None) -> None:
        self.telemetry = telemetry if telemetry is not None else default_telemetry()

    @property
    def tracer_provider(self) -> TracerProvider:
        """The provider the exchange spans are recorded with."""
        if isinstance(self.telemetry, Telemetry):
            return self.telemetry.tracer_provider
        return self.telemetry

    def transport(self, inner: httpx2.BaseTransport | None = None) -> RecordingTransport:
        """A sync recording transport over ``inner`` (the network when None)."""
        return RecordingTransport(inner, tracer_provider=self.tracer_provider)

    def async_transport(
        self, inner: httpx2.AsyncBaseTransport | None = None
    ) -> AsyncRecordingTransport:
        """An async recording transport over ``inner`` (the network when None)."""
        return AsyncRecordingTransport(inner, tracer_provider=self.tracer_provider)

    def http_client(
        self, transport: httpx2.BaseTransport | None = None, **kwargs: Any
    ) -> httpx2.Client:
        """An ``httpx2.Client`` with the SDK's defaults (timeouts, redirects) that records."""
        return anthropic.DefaultHttpxClient(transport=self.transport(transport), **kwargs)

    def async_http_client(
        self, transport: httpx2.AsyncBaseTransport | None = None, **kwargs: Any
    ) -> httpx2.AsyncClient:
        """The async twin of :meth:`http_client`."""
        return anthropic.DefaultAsyncHttpxClient(
            transport=self.async_transport(transport), **kwargs
        )

    @contextmanager
    def session(self, name: str = "anthropic-app") -> Iterator[RecordingSession]:
        """Record the block under one root span named ``name``, so that all its calls form one
        trace (without it, each SDK call starts a trace of its own)."""
        tracer = tracer_for(self.tracer_provider, sc.TRACEKIT_HTTP_SCOPE)
        try:
            with tracer.start_as_current_span(name) as span:
                yield RecordingSession(name, format(span.get_span_context().trace_id, "032x"))
        finally:
            flush = getattr(self.tracer_provider, "force_flush", None)
            if flush is not None:
                flush()


def record_anthropic(
    telemetry: Telemetry | TracerProvider | None = None,
    *,
    transport: httpx2.BaseTransport | None = None,
) -> httpx2.Client:
    """Shortcut: an ``http_client`` for ``anthropic.Anthropic`` that records into ``telemetry``."""
    return AnthropicRecorder(telemetry).http_client(transport)


# --- replay -----------------------------------------------------------------------------------


class _Chunks(httpx2.SyncByteStream, httpx2.AsyncByteStream):
    """A response body served chunk by chunk (one server-sent event per chunk)."""

    def __init__(self, chunks: Sequence[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


@dataclass
class _Slot:
    exchange: HttpExchange
    value: Any
    played: bool = False


@dataclass
class _Index:
    slots: list[_Slot] = field(default_factory=list)
    by_key: dict[str, list[_Slot]] = field(default_factory=dict)


class ReplayTransport(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Answers requests from an :class:`AnthropicReplayer`; never opens a connection."""

    def __init__(self, replayer: AnthropicReplayer) -> None:
        self._replayer = replayer

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        recorded = self._replayer._route(request)
        if recorded is None:
            return self._replayer._live.send(request)
        return recorded

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await request.aread()
        recorded = self._replayer._route(request)
        if recorded is None:
            return await self._replayer._live.send_async(request)
        return recorded

    def close(self) -> None:
        self._replayer._live.close()

    async def aclose(self) -> None:
        await self._replayer._live.aclose()


class AnthropicReplayer:
    """Answers the Anthropic SDK's requests from recorded exchanges.

    Build it with :meth:`from_file`, :meth:`from_store` or :meth:`from_spans`; give the SDK
    :meth:`http_client` or :meth:`async_http_client`. After the run, :meth:`unplayed` lists the
    recordings nothing asked for, :attr:`unmatched` the requests nothing answered, and
    :meth:`assert_all_played` fails when either is non-empty.

    With ``then_live=True`` it forks instead of failing: requests are answered from the
    recording (each recording once, identical requests in recorded order, concurrent ones in
    any order) until the first request no unplayed recording matches, or until request number
    ``fork_at`` (counted from 0 in sending order, retries included) when given. That request and
    every later one are sent through ``live`` (an ``httpx2`` transport, sync or async as the
    client; the network when None), so the prefix costs no API traffic and the rest runs for
    real. :attr:`went_live` (a :class:`LiveSwitch`) says where and why, :attr:`live_requests`
    how many went live. Give ``live=AnthropicRecorder(telemetry).transport()`` to record the
    live part as spans.
    """

    def __init__(
        self,
        exchanges: Iterable[HttpExchange],
        *,
        ignore_fields: Sequence[str] = DEFAULT_IGNORED_FIELDS,
        then_live: bool = False,
        fork_at: int | None = None,
        live: AnyTransport | None = None,
    ) -> None:
        if not then_live and (fork_at is not None or live is not None):
            raise ConfigError("fork_at= and live= need then_live=True")
        if fork_at is not None and (isinstance(fork_at, bool) or fork_at < 0):
            raise ConfigError(f"fork_at= is a request number from 0, not {fork_at!r}")
        self._ignore = tuple(ignore_fields)
        self._index = _Index()
        for exchange in exchanges:
            slot = _Slot(exchange, match_value(exchange.request_body, self._ignore))
            self._index.slots.append(slot)
            key = match_key(exchange.target, slot.value)
            self._index.by_key.setdefault(key, []).append(slot)
        self._lock = threading.Lock()
        #: The requests nothing answered, in the order they were sent.
        self.unmatched: list[UnmatchedCallError] = []
        self._then_live = then_live
        self._fork_at = fork_at
        self._live = LiveTransport(live)
        self._sent = 0
        #: Where a ``then_live`` replay went live; None while the recording answers everything.
        self.went_live: LiveSwitch | None = None
        #: How many requests a ``then_live`` replay sent live.
        self.live_requests = 0

    @classmethod
    def from_spans(cls, spans: Iterable[OtlpSpan], **options: Any) -> AnthropicReplayer:
        """From the spans of a recording; RecordingError when none is an HTTP exchange."""
        exchanges = exchanges_from_spans(spans)
        if not exchanges:
            raise RecordingError("the recording holds no recorded HTTP exchanges")
        return cls(exchanges, **options)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], **options: Any) -> AnthropicReplayer:
        """From a trace file (``tracekit export --trace ID --out FILE``)."""
        from tracekit.otlp.files import read_trace_file

        return cls.from_spans(read_trace_file(path), **options)

    @classmethod
    def from_store(
        cls, store: str | os.PathLike[str] | None, trace_id: str, **options: Any
    ) -> AnthropicReplayer:
        """From the trace ``trace_id`` (or an unambiguous prefix) of a tracekit store."""
        from tracekit.store import TraceStore

        return cls.from_spans(TraceStore(store).trace_spans(trace_id), **options)

    # --- clients --------------------------------------------------------------------------

    def transport(self) -> ReplayTransport:
        """A transport (sync and async) that answers from the recording."""
        return ReplayTransport(self)

    def http_client(self, **kwargs: Any) -> httpx2.Client:
        """An ``httpx2.Client`` for ``anthropic.Anthropic(http_client=...)``."""
        return anthropic.DefaultHttpxClient(transport=self.transport(), **kwargs)

    def async_http_client(self, **kwargs: Any) -> httpx2.AsyncClient:
        """An ``httpx2.AsyncClient`` for ``anthropic.AsyncAnthropic(http_client=...)``."""
        return anthropic.DefaultAsyncHttpxClient(transport=self.transport(), **kwargs)

    # --- answering ------------------------------------------------------------------------

    def answer(self, request: httpx2.Request) -> httpx2.Response:
        """The recorded response to ``request``; UnmatchedAnthropicRequest when there is none
        (with ``then_live``, a request the recording does not answer goes live instead)."""
        recorded = self._route(request)
        if recorded is None:
            return self._live.send(request)
        return recorded

    def _route(self, request: httpx2.Request) -> httpx2.Response | None:
        """The recorded response, or None when ``then_live`` sends this request live."""
        target = f"{request.method} {url_target(str(request.url))}"
        stored = stored_request_body(request.content)
        value = match_value(stored, self._ignore)
        with self._lock:
            number = self._sent
            self._sent += 1
            if self._then_live and self.went_live is None and self._reached_fork(number):
                self.went_live = LiveSwitch(number, "fork_at", _describe(request, stored))
            if self.went_live is not None:
                self.live_requests += 1
                return None
            candidates = self._index.by_key.get(match_key(target, value), [])
            slot = next((s for s in candidates if not s.played), None)
            if slot is None:
                message = self._unmatched_message(target, value, candidates)
                if self._then_live:
                    self.went_live = LiveSwitch(
                        number, "differs", _describe(request, stored), message
                    )
                    self.live_requests += 1
                    return None
                error = UnmatchedAnthropicRequest(message, key=target)
                self.unmatched.append(error)
                raise error
            slot.played = True
        return _response(slot.exchange, request)

    def _reached_fork(self, number: int) -> bool:
        return self._fork_at is not None and number >= self._fork_at

    def _unmatched_message(self, target: str, value: Any, same: list[_Slot]) -> str:
        slots = self._index.slots
        unplayed = sum(1 for s in slots if not s.played)
        head = (
            f"replay: no recorded answer for {target} ({len(slots)} recorded, {unplayed} unplayed)"
        )
        if same:
            return (
                f"{head}: the recording answers this exact request {len(same)} time(s) "
                "and every answer was already played (the app sent it once more)"
            )
        peers = [s for s in slots if s.exchange.target == target]
        if not peers:
            return f"{head}: nothing was recorded for {target}"
        # Nearest: fewest differing fields, unplayed first, then recorded order.
        nearest = min(peers, key=lambda s: (diff_size(s.value, value), s.played))
        number = slots.index(nearest) + 1
        state = "already played" if nearest.played else "unplayed"
        lines = field_diff(nearest.value, value)
        diff = "\n".join(f"  {line}" for line in lines)
        return (
            f"{head}\nnearest recorded request: #{number} {nearest.exchange.describe()} "
            f"[{state}], {len(lines)} field(s) differ:\n{diff}"
        )

    # --- after the run --------------------------------------------------------------------

    def unplayed(self) -> list[HttpExchange]:
        """The recorded exchanges no request has consumed, in recorded order."""
        with self._lock:
            return [s.exchange for s in self._index.slots if not s.played]

    def played_count(self) -> int:
        """How many recorded exchanges were consumed."""
        with self._lock:
            return sum(1 for s in self._index.slots if s.played)

    def assert_all_played(self) -> None:
        """Raise ReplayError naming the unmatched requests and the recordings left unplayed.

        Once a ``then_live`` replay went live, the recordings after the fork are left unplayed
        on purpose: only a replay that never went live is held to play them all."""
        problems = [f"unmatched request: {str(e).splitlines()[0]}" for e in self.unmatched]
        if self.went_live is None:
            problems += [f"unplayed recording: {e.describe()}" for e in self.unplayed()]
        if problems:
            raise ReplayError(
                f"replay incomplete ({len(problems)} problem(s)):\n"
                + "\n".join(f"  {p}" for p in problems)
            )


def _describe(request: httpx2.Request, stored_body: str) -> str:
    return HttpExchange(
        method=request.method, url=str(request.url), request_body=stored_body
    ).describe()


def _response(exchange: HttpExchange, request: httpx2.Request) -> httpx2.Response:
    if exchange.status_code is None:
        # Recorded as a connection failure: fail the same way (the SDK may retry it).
        raise httpx2.ConnectError(f"replayed failure: {exchange.error}", request=request)
    headers = {k: v for k, v in exchange.response_headers.items() if k not in WIRE_HEADERS}
    if exchange.events is not None:
        return httpx2.Response(
            exchange.status_code,
            headers=headers,
            stream=_Chunks(encode_sse(exchange.events)),
            request=request,
        )
    return httpx2.Response(
        exchange.status_code,
        headers=headers,
        content=(exchange.body or "").encode("utf-8"),
        request=request,
    )
