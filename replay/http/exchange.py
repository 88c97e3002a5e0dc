"""One recorded HTTP exchange: the request, the response as received, and how it is stored.

An exchange is stored as one CLIENT span (``POST /v1/messages``) whose attributes hold the
request body as canonical JSON, the scrubbed headers, and the response body — or, for an event
stream, the server-sent events in arrival order. This module turns such a span back into an
:class:`HttpExchange`, parses and re-encodes event streams, and computes the key a new request
is matched by (canonical JSON, volatile fields removed) and a per-field diff for a request that
matches nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from tracekit import semconv as sc
from tracekit.exceptions import RecordingError
from tracekit.otlp.model import OtlpSpan
from tracekit.scrub import scrub_json, scrub_text

#: Request fields that differ between runs and never decide which recording answers:
#: ``metadata.user_id`` is often a per-session or per-user hash.
DEFAULT_IGNORED_FIELDS: tuple[str, ...] = ("metadata.user_id",)

#: Headers that describe the bytes on the wire, not the exchange: the recording stores the
#: decoded body, so replay must not announce a compression or length it does not send.
WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection"})

_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class SseEvent(BaseModel):
    """One server-sent event as received: its ``event`` name and its ``data`` text."""

    model_config = ConfigDict(frozen=True)

    event: str | None = None
    data: str = ""


class HttpExchange(BaseModel):
    """A recorded request and what answered it.

    ``request_body`` is what :func:`stored_request_body` made of the body sent. The response is
    ``body`` (text as received) or, for an event stream, ``events``; ``error`` is set instead
    when the request failed before any response (a connection error).
    """

    model_config = ConfigDict(frozen=True)

    method: str
    url: str
    request_body: str = ""
    request_headers: dict[str, str] = {}
    status_code: int | None = None
    response_headers: dict[str, str] = {}
    body: str | None = None
    events: list[SseEvent] | None = None
    error: str | None = None
    span_id: str = ""
    start_ns: int = 0

    @property
    def target(self) -> str:
        """``METHOD /path?query``: what the exchange is matched on besides the body."""
        return f"{self.method} {url_target(self.url)}"

    def describe(self) -> str:
        """One line naming the exchange for reports (endpoint, model, first user text)."""
        body = _parse(self.request_body)
        details = []
        if isinstance(body, dict):
            if isinstance(body.get("model"), str):
                details.append(body["model"])
            first = _first_text(body.get("messages"))
            if first:
                details.append(repr(_short(first, 50)))
            if body.get("stream") is True:
                details.append("stream")
        suffix = f" ({', '.join(details)})" if details else ""
        return f"{self.target}{suffix}"


def url_target(url: str) -> str:
    """The path and query of ``url`` (``/v1/messages?beta=true``)."""
    rest = url.split("://", 1)[-1]
    slash = rest.find("/")
    return rest[slash:] if slash >= 0 else "/"


def stored_request_body(content: bytes) -> str:
    """The request body as the recording stores it: canonical JSON with secrets scrubbed, or
    the scrubbed text when it is not JSON. A live request goes through the same function, so
    it compares equal to its recording."""
    text = content.decode("utf-8", errors="replace")
    if not text:
        return ""
    try:
        value = json.loads(text)
    except ValueError:
        return scrub_text(text)
    # The store scrubs every attribute again as text; doing it here too keeps both sides equal.
    return scrub_text(_CANONICAL.encode(scrub_json(value)))


def match_value(stored_body: str, ignored: Sequence[str] = DEFAULT_IGNORED_FIELDS) -> Any:
    """The parsed request body with the ``ignored`` dotted fields removed (lists are crossed:
    ``messages.content.id`` reaches into every message)."""
    value = _parse(stored_body)
    for path in ignored:
        _drop(value, path.split("."))
    return value


def match_key(target: str, value: Any) -> str:
    """The string two requests share exactly when the recording may answer one with the other."""
    return f"{target}\n{_CANONICAL.encode(value)}"


def field_diff(recorded: Any, sent: Any, *, limit: int = 8) -> list[str]:
    """Per-field differences between two request bodies, one line each:
    ``messages[0].content: recorded 'Paris' | sent 'Rome'``."""
    left, right = dict(_flatten(recorded)), dict(_flatten(sent))
    lines = []
    for path in sorted(left.keys() | right.keys()):
        a, b = left.get(path, _MISSING), right.get(path, _MISSING)
        if a != b or type(a) is not type(b):
            lines.append(f"{path or '(body)'}: recorded {_show(a)} | sent {_show(b)}")
    if len(lines) > limit:
        lines = [*lines[:limit], f"... and {len(lines) - limit} more fields"]
    return lines


def diff_size(recorded: Any, sent: Any) -> int:
    """How many leaf fields differ (for picking the nearest recorded request)."""
    left, right = dict(_flatten(recorded)), dict(_flatten(sent))
    return sum(
        1 for p in left.keys() | right.keys() if left.get(p, _MISSING) != right.get(p, _MISSING)
    )


# --- server-sent events ---------------------------------------------------------------------


def parse_sse(text: str) -> list[SseEvent]:
    """The events of an event stream, in order (the WHATWG rules the Messages API follows:
    ``event:`` and ``data:`` fields, blank line ends an event, ``:`` lines are comments).
    Hand-written because the SDK's decoder is private; it is twenty lines."""
    events: list[SseEvent] = []
    name: str | None = None
    data: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line:
            if name is not None or data:
                events.append(SseEvent(event=name, data="\n".join(data)))
            name, data = None, []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
    if name is not None or data:
        events.append(SseEvent(event=name, data="\n".join(data)))
    return events


def encode_sse(events: Iterable[SseEvent]) -> list[bytes]:
    """Each event as the bytes of one wire chunk, so a replayed stream arrives event by event."""
    chunks = []
    for event in events:
        lines = [f"event: {event.event}"] if event.event is not None else []
        lines.extend(f"data: {line}" for line in event.data.split("\n"))
        chunks.append(("\n".join(lines) + "\n\n").encode())
    return chunks


# --- spans ------------------------------------------------------------------------------------


def exchanges_from_spans(spans: Iterable[OtlpSpan]) -> list[HttpExchange]:
    """The recorded exchanges among ``spans``, in the order they were sent.

    Raises RecordingError when an exchange span lacks its content (the trace was exported
    without content) or holds values that do not parse.
    """
    found: list[HttpExchange] = []
    for span in spans:
        attrs = span.attributes
        ours = span.scope_name == sc.TRACEKIT_HTTP_SCOPE and sc.HTTP_REQUEST_METHOD in attrs
        if not ours and sc.TRACEKIT_HTTP_REQUEST_BODY not in attrs:
            continue
        if sc.TRACEKIT_HTTP_REQUEST_BODY not in attrs:
            raise RecordingError(
                f"span {span.span_id} ({span.name}) has no recorded request body: "
                "the trace was saved without content"
            )
        found.append(_exchange(span))
    found.sort(key=lambda exchange: exchange.start_ns)
    return found


def _exchange(span: OtlpSpan) -> HttpExchange:
    attrs = span.attributes
    try:
        events = attrs.get(sc.TRACEKIT_HTTP_RESPONSE_EVENTS)
        status = attrs.get(sc.HTTP_RESPONSE_STATUS_CODE)
        return HttpExchange(
            method=str(attrs.get(sc.HTTP_REQUEST_METHOD) or span.name.split(" ", 1)[0]),
            url=str(attrs.get(sc.URL_FULL) or ""),
            request_body=str(attrs.get(sc.TRACEKIT_HTTP_REQUEST_BODY) or ""),
            request_headers=_json_object(attrs.get(sc.TRACEKIT_HTTP_REQUEST_HEADERS)),
            status_code=int(status) if status is not None else None,
            response_headers=_json_object(attrs.get(sc.TRACEKIT_HTTP_RESPONSE_HEADERS)),
            body=attrs.get(sc.TRACEKIT_HTTP_RESPONSE_BODY),
            events=json.loads(events) if isinstance(events, str) else None,
            error=None if status is not None else (span.status_message or "no response"),
            span_id=span.span_id,
            start_ns=span.start_ns,
        )
    except (ValueError, TypeError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise RecordingError(f"span {span.span_id} ({span.name}): bad recording: {first}") from exc


def _json_object(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    parsed = json.loads(value) if isinstance(value, str) else value
    if not isinstance(parsed, dict):
        raise ValueError("headers are not a JSON object")
    return {str(k): str(v) for k, v in parsed.items()}


# --- helpers ----------------------------------------------------------------------------------

_MISSING: Any = type("_Missing", (), {"__repr__": lambda self: "(absent)"})()


def _parse(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def _drop(value: Any, path: list[str]) -> None:
    if isinstance(value, list):
        for item in value:
            _drop(item, path)
    elif isinstance(value, dict) and path:
        if len(path) == 1:
            value.pop(path[0], None)
        elif path[0] in value:
            _drop(value[path[0]], path[1:])
            if value[path[0]] == {}:  # ``metadata`` left empty is as good as absent
                del value[path[0]]


def _flatten(value: Any, prefix: str = "") -> Iterable[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from _flatten(item, f"{prefix}[{index}]")
    else:
        yield prefix, value


def _first_text(messages: Any) -> str | None:
    if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
        return None
    content = messages[0].get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        for block in content:
            if isinstance(block, dict) and isinstance(block.get("text"), str):
                return str(block["text"])
    return None


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _show(value: Any) -> str:
    return _short(repr(value), 60)
