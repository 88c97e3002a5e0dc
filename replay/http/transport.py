"""Recording httpx2 transports: each request/response becomes one CLIENT span.

A :class:`RecordingTransport` wraps the transport that really sends (by default
``httpx2.HTTPTransport``). It starts a span when the request leaves — under the current span,
so under the Anthropic SDK's own ``anthropic.messages.create`` span when the SDK traces — and
ends it when the response body has been read to the end or closed. The body is passed through
to the app chunk by chunk while a copy is kept (a tee), so streaming stays streaming. Headers and
bodies are scrubbed before they become attributes; the store scrubs every attribute once more.

A transport is the seam rather than the SDK's ``middleware=`` option because only the transport
sees the exact bytes sent and the raw response stream; a middleware gets the SDK's parsed
``APIResponse`` and would have to reach into its private stream to record events.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, TracerProvider

from replay.http.exchange import WIRE_HEADERS, parse_sse, stored_request_body
from tracekit import semconv as sc
from tracekit.scrub import scrub_headers, scrub_text
from tracekit.telemetry import error_type, handle_internal_errors, tracer_for

_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


class _Exchange:
    """The span of one request in flight, ended once with whatever body arrived."""

    def __init__(self, span: Span) -> None:
        self.span = span
        self.chunks: list[bytes] = []
        self.response: httpx2.Response | None = None
        self._done = False

    @handle_internal_errors
    def responded(self, response: httpx2.Response) -> None:
        self.response = response
        self.span.set_attribute(sc.HTTP_RESPONSE_STATUS_CODE, response.status_code)
        headers = scrub_headers(response.headers.multi_items())
        self.span.set_attribute(
            sc.TRACEKIT_HTTP_RESPONSE_HEADERS,
            _COMPACT.encode({k: v for k, v in headers.items() if k not in WIRE_HEADERS}),
        )
        if response.status_code >= 400:
            self.span.set_attribute(sc.ERROR_TYPE, str(response.status_code))
            self.span.set_status(Status(StatusCode.ERROR))

    def finish(self, error: BaseException | None = None) -> None:
        if self._done:
            return
        self._done = True
        try:
            self._record_body(error)
        finally:
            self._end()

    @handle_internal_errors
    def _end(self) -> None:
        self.span.end()

    @handle_internal_errors
    def _record_body(self, error: BaseException | None) -> None:
        if error is not None:
            self.span.set_attribute(sc.ERROR_TYPE, error_type(error))
            self.span.set_status(Status(StatusCode.ERROR, scrub_text(str(error)) or None))
        if self.response is None:
            return
        text = _decoded(self.response.headers, b"".join(self.chunks))
        content_type = self.response.headers.get("content-type", "")
        if content_type.startswith("text/event-stream"):
            events = [e.model_dump(exclude_none=True) for e in parse_sse(text)]
            self.span.set_attribute(sc.TRACEKIT_HTTP_RESPONSE_EVENTS, _COMPACT.encode(events))
        else:
            self.span.set_attribute(sc.TRACEKIT_HTTP_RESPONSE_BODY, text)


def _decoded(headers: httpx2.Headers, raw: bytes) -> str:
    """The body as text, with any content encoding (gzip, br) undone by httpx2's decoders."""
    encoding = headers.get("content-encoding")
    if encoding and raw:
        raw = httpx2.Response(200, headers={"content-encoding": encoding}, content=raw).content
    return raw.decode("utf-8", errors="replace")


@handle_internal_errors
def _start(tracer_provider: TracerProvider | None, request: httpx2.Request) -> _Exchange:
    tracer = tracer_for(tracer_provider, sc.TRACEKIT_HTTP_SCOPE)
    url = request.url
    span = tracer.start_span(
        f"{request.method} {url.path}",
        kind=SpanKind.CLIENT,
        attributes={
            sc.HTTP_REQUEST_METHOD: request.method,
            sc.URL_FULL: scrub_text(str(url)),
            sc.SERVER_ADDRESS: url.host,
        },
    )
    _set_request(span, request)
    return _Exchange(span)


@handle_internal_errors
def _set_request(span: Span, request: httpx2.Request) -> None:
    span.set_attribute(sc.TRACEKIT_HTTP_REQUEST_BODY, stored_request_body(request.content))
    span.set_attribute(
        sc.TRACEKIT_HTTP_REQUEST_HEADERS,
        _COMPACT.encode(scrub_headers(request.headers.multi_items())),
    )


class _TeeStream(httpx2.SyncByteStream):
    def __init__(self, inner: httpx2.SyncByteStream, exchange: _Exchange) -> None:
        self._inner = inner
        self._exchange = exchange

    def __iter__(self) -> Iterator[bytes]:
        try:
            for chunk in self._inner:
                self._exchange.chunks.append(chunk)
                yield chunk
        except GeneratorExit:
            # The app stopped reading: what arrived is the recording, and no error.
            self._exchange.finish()
            raise
        except BaseException as exc:
            self._exchange.finish(exc)
            raise
        self._exchange.finish()

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._exchange.finish()


class _AsyncTeeStream(httpx2.AsyncByteStream):
    def __init__(self, inner: httpx2.AsyncByteStream, exchange: _Exchange) -> None:
        self._inner = inner
        self._exchange = exchange

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._inner:
                self._exchange.chunks.append(chunk)
                yield chunk
        except GeneratorExit:
            self._exchange.finish()
            raise
        except BaseException as exc:
            self._exchange.finish(exc)
            raise
        self._exchange.finish()

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            self._exchange.finish()


def _wrap(response: httpx2.Response, stream: Any) -> httpx2.Response:
    return httpx2.Response(
        response.status_code,
        headers=response.headers,
        stream=stream,
        extensions=response.extensions,
    )


class RecordingTransport(httpx2.BaseTransport):
    """A sync transport that sends through ``inner`` and records each exchange as a span of
    ``tracer_provider`` (the global one when None)."""

    def __init__(
        self,
        inner: httpx2.BaseTransport | None = None,
        *,
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        self._inner = inner if inner is not None else httpx2.HTTPTransport()
        self._tracer_provider = tracer_provider

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        exchange = _start(self._tracer_provider, request)
        if exchange is None:  # telemetry failed (logged): the app's request still goes out
            return self._inner.handle_request(request)
        try:
            with trace.use_span(exchange.span, end_on_exit=False):
                response = self._inner.handle_request(request)
        except BaseException as exc:
            exchange.finish(exc)
            raise
        exchange.responded(response)
        return _wrap(response, _TeeStream(_sync_stream(response), exchange))

    def close(self) -> None:
        self._inner.close()


class AsyncRecordingTransport(httpx2.AsyncBaseTransport):
    """The async twin of :class:`RecordingTransport`."""

    def __init__(
        self,
        inner: httpx2.AsyncBaseTransport | None = None,
        *,
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        self._inner = inner if inner is not None else httpx2.AsyncHTTPTransport()
        self._tracer_provider = tracer_provider

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await request.aread()
        exchange = _start(self._tracer_provider, request)
        if exchange is None:  # telemetry failed (logged): the app's request still goes out
            return await self._inner.handle_async_request(request)
        try:
            with trace.use_span(exchange.span, end_on_exit=False):
                response = await self._inner.handle_async_request(request)
        except BaseException as exc:
            exchange.finish(exc)
            raise
        exchange.responded(response)
        return _wrap(response, _AsyncTeeStream(_async_stream(response), exchange))

    async def aclose(self) -> None:
        await self._inner.aclose()


def _sync_stream(response: httpx2.Response) -> httpx2.SyncByteStream:
    stream = response.stream
    if not isinstance(stream, httpx2.SyncByteStream):
        raise TypeError("the inner transport returned an async stream to a sync client")
    return stream


def _async_stream(response: httpx2.Response) -> httpx2.AsyncByteStream:
    stream = response.stream
    if not isinstance(stream, httpx2.AsyncByteStream):
        raise TypeError("the inner transport returned a sync stream to an async client")
    return stream
