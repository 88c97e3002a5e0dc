"""Traces from Grafana Tempo's HTTP API (the query frontend, port 3200 by default).

What Tempo answers (grafana/tempo, ``docs/sources/tempo/api_docs/_index.md`` and
``pkg/tempopb/tempo.proto``):

- ``GET /api/v2/traces/<id>`` (Tempo 2.5+): a ``TraceByIDResponse``. As protobuf (asked with
  ``Accept: application/protobuf``): field 1 a ``Trace``, whose wire form is OTLP's
  ``TracesData``; field 3 a status (1 = PARTIAL), field 4 a message. As JSON:
  ``{"trace": {"resourceSpans": [...]}, "status": ..., "message": ...}``.
- ``GET /api/traces/<id>`` (every version): the ``Trace`` itself; as JSON ``{"batches":
  [...]}``, with ``instrumentationLibrarySpans`` before Tempo 2.0.
- Tempo's JSON is gogo/protobuf's: ids are base64, not OTLP/JSON's hex; enums are names
  (``SPAN_KIND_SERVER``). Both spellings of ids are read.
- ``GET /api/search?start=<s>&end=<s>&limit=<n>[&q=<TraceQL>]``: ``{"traces": [{"traceID":
  ...}]}``, ids only (leading zeros may be left out).

Tempo is asked for protobuf: exact 64-bit values, no base64 guessing; an answer in JSON (a
proxy that rewrote it, an older version) is read too. A 404 on the v2 path is tried again on
the v1 path, which every Tempo serves.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

from google.protobuf.message import DecodeError

from tracekit.exceptions import BackendError, OtlpFormatError
from tracekit.ingest.backend_http import BackendAnswer, BackendHttp
from tracekit.ingest.backend_source import SearchHit, normalise_trace_id
from tracekit.otlp.decode import (
    spans_from_resource_spans,
    traces_data_from_document,
    traces_data_from_protobuf,
)
from tracekit.otlp.model import OtlpSpan

_PROTOBUF = "application/protobuf"
_PROTOBUF_TYPES = frozenset({_PROTOBUF, "application/x-protobuf"})
#: ``TraceByIDResponse.status`` (``PartialStatus``): 0 COMPLETE, 1 PARTIAL.
_PARTIAL = 1
_HEX_32 = re.compile(r"^[0-9a-fA-F]{32}$")
_HEX_16 = re.compile(r"^[0-9a-fA-F]{16}$")


class TempoBackend:
    """Grafana Tempo's query API over HTTP."""

    name = "tempo"

    def __init__(self, http: BackendHttp) -> None:
        self.http = http
        #: What Tempo said about traces it answered only in part, one line each.
        self.notes: list[str] = []

    def fetch_trace(self, trace_id: str) -> list[OtlpSpan]:
        """Every span of ``trace_id`` (32 hex digits). Raises BackendError."""
        quoted = urllib.parse.quote(trace_id)
        what = f"trace {trace_id}"
        try:
            answer = self.http.get(f"/api/v2/traces/{quoted}", what=what, accept=_PROTOBUF)
            spans = self._v2_spans(answer, trace_id)
        except BackendError as error:
            if error.reason != "not_found":
                raise
            # Before Tempo 2.5 there is no v2 path; the v1 path answers everywhere.
            answer = self.http.get(f"/api/traces/{quoted}", what=what, accept=_PROTOBUF)
            spans = self._v1_spans(answer)
        spans = [span for span in spans if span.trace_id == trace_id]
        if not spans:
            raise BackendError("not_found", f"{self.http.label}: trace {trace_id} has no spans")
        return spans

    def search(
        self, since_ns: int, until_ns: int, *, limit: int, service: str | None
    ) -> list[SearchHit]:
        """Ids of at most ``limit`` traces that started in ``[since_ns, until_ns)``, of
        ``service`` when given (a TraceQL ``resource.service.name`` match)."""
        query = [
            ("start", str(since_ns // 10**9)),
            ("end", str(-(-until_ns // 10**9))),
            ("limit", str(limit)),
        ]
        if service:
            quoted = service.replace("\\", "\\\\").replace('"', '\\"')
            query.append(("q", f'{{ resource.service.name = "{quoted}" }}'))
        answer = self.http.get("/api/search", query, what="a search")
        document = self._json(answer)
        traces = document.get("traces") if isinstance(document, dict) else None
        if traces is None:
            return []
        if not isinstance(traces, list):
            raise self._malformed("a search answer whose 'traces' is not a list")
        hits: list[SearchHit] = []
        for trace in traces[:limit]:
            trace_id = trace.get("traceID") if isinstance(trace, dict) else None
            try:
                hits.append(SearchHit(normalise_trace_id(str(trace_id))))
            except ValueError:
                raise self._malformed(f"a search hit with trace id {trace_id!r}") from None
        return hits

    def _v2_spans(self, answer: BackendAnswer, trace_id: str) -> list[OtlpSpan]:
        if answer.content_type in _PROTOBUF_TYPES:
            trace, status, message = _trace_by_id_response(answer.body, self._malformed)
            spans = self._protobuf_spans(trace)
        else:
            document = self._json(answer)
            if not isinstance(document, dict) or not isinstance(document.get("trace"), dict):
                raise self._malformed("a v2 answer without a 'trace' object")
            spans = self._json_spans(document["trace"])
            status = _PARTIAL if document.get("status") in ("PARTIAL", _PARTIAL) else 0
            message = str(document.get("message") or "")
        if status == _PARTIAL:
            said = f": {message}" if message else ""
            self.notes.append(f"Tempo answered trace {trace_id} in part{said}")
        return spans

    def _v1_spans(self, answer: BackendAnswer) -> list[OtlpSpan]:
        if answer.content_type in _PROTOBUF_TYPES:
            return self._protobuf_spans(answer.body)
        document = self._json(answer)
        if not isinstance(document, dict):
            raise self._malformed("a JSON value that is not an object")
        return self._json_spans(document)

    def _protobuf_spans(self, trace: bytes) -> list[OtlpSpan]:
        try:
            data = traces_data_from_protobuf(trace)
            return list(spans_from_resource_spans(data.resource_spans))
        except OtlpFormatError as error:
            raise self._malformed(str(error)) from None

    def _json_spans(self, trace: dict[str, Any]) -> list[OtlpSpan]:
        try:
            data = traces_data_from_document(_as_otlp_json(trace))
            return list(spans_from_resource_spans(data.resource_spans))
        except OtlpFormatError as error:
            raise self._malformed(str(error)) from None

    def _json(self, answer: BackendAnswer) -> Any:
        try:
            return json.loads(answer.body.decode("utf-8", "replace"))
        except (ValueError, RecursionError):
            raise self._malformed("a body that is neither protobuf nor JSON") from None

    def _malformed(self, detail: str) -> BackendError:
        return BackendError(
            "malformed", f"{self.http.label} answered with no Tempo trace: {detail}"
        )


def _as_otlp_json(trace: dict[str, Any]) -> dict[str, Any]:
    """Tempo's JSON ``Trace`` as OTLP/JSON: ``batches`` → ``resourceSpans``, the pre-2.0
    ``instrumentationLibrary*`` names → ``scope*``, base64 ids → hex."""
    resource_spans = trace.get("resourceSpans", trace.get("batches")) or []
    if not isinstance(resource_spans, list):
        raise OtlpFormatError("'batches' must be a list")
    for resource_span in resource_spans:
        if not isinstance(resource_span, dict):
            raise OtlpFormatError("a batch must be an object")
        if "scopeSpans" not in resource_span and "instrumentationLibrarySpans" in resource_span:
            resource_span["scopeSpans"] = resource_span.pop("instrumentationLibrarySpans")
        for scope_span in resource_span.get("scopeSpans") or []:
            if isinstance(scope_span, dict) and "instrumentationLibrary" in scope_span:
                scope_span.setdefault("scope", scope_span.pop("instrumentationLibrary"))
            for span in _objects(scope_span, "spans"):
                _ids_to_hex(span, ("traceId",), 16, _HEX_32)
                _ids_to_hex(span, ("spanId", "parentSpanId"), 8, _HEX_16)
                for link in _objects(span, "links"):
                    _ids_to_hex(link, ("traceId",), 16, _HEX_32)
                    _ids_to_hex(link, ("spanId",), 8, _HEX_16)
    return {"resourceSpans": resource_spans}


def _objects(parent: Any, key: str) -> Iterator[dict[str, Any]]:
    items = parent.get(key) if isinstance(parent, dict) else None
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict):
            yield item


def _ids_to_hex(
    obj: dict[str, Any], keys: tuple[str, ...], size: int, hex_id: re.Pattern[str]
) -> None:
    for key in keys:
        value = obj.get(key)
        if not isinstance(value, str) or not value or hex_id.match(value):
            continue  # absent, empty (a root's parent) or hex already: as OTLP/JSON has it
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise OtlpFormatError(f"{key} {value!r} is neither hex nor base64") from None
        if len(raw) != size:
            raise OtlpFormatError(f"{key} {value!r} is not {size} bytes")
        obj[key] = raw.hex()


def _trace_by_id_response(
    body: bytes, malformed: Callable[[str], BackendError]
) -> tuple[bytes, int, str]:
    """``(trace, status, message)`` of a protobuf ``TraceByIDResponse``.

    Read by hand (a protobuf varint and length walk): Tempo's ``tempopb`` has no Python
    package, and its ``trace`` field is an OTLP ``TracesData`` on the wire, which the OTLP
    decoder then reads as usual.

    >>> _trace_by_id_response(bytes([10, 2, 1, 2, 24, 1, 34, 1, 120]), ValueError)
    (b'\\x01\\x02', 1, 'x')
    """
    trace, status, message = b"", 0, ""
    at = 0
    try:
        while at < len(body):
            key, at = _varint(body, at)
            field, wire_type = key >> 3, key & 7
            if wire_type == 0:
                value, at = _varint(body, at)
                if field == 3:
                    status = value
            elif wire_type == 2:
                length, at = _varint(body, at)
                if at + length > len(body):
                    raise DecodeError("truncated")
                chunk = body[at : at + length]
                at += length
                if field == 1:
                    trace = chunk
                elif field == 4:
                    message = chunk.decode("utf-8", "replace")
            elif wire_type == 1:
                at += 8
            elif wire_type == 5:
                at += 4
            else:
                raise DecodeError(f"wire type {wire_type}")
    except DecodeError as error:
        raise malformed(f"not a protobuf TraceByIDResponse ({error})") from None
    return trace, status, message


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if at >= len(data) or shift > 63:
            raise DecodeError("truncated varint")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, at
        shift += 7
