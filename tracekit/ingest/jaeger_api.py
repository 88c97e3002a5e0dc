"""Traces from Jaeger's query API v3 (``/api/v3``, Jaeger 1.35+ and Jaeger v2).

What Jaeger answers (jaegertracing/jaeger, ``cmd/query/app/apiv3/http_gateway.go``):

- ``GET /api/v3/traces/{trace_id}``: ``{"result": {"resourceSpans": [...]}}``, an OTLP/JSON
  ``TracesData`` (hex ids, integer enums) in the grpc-gateway's ``result`` wrapper. Older
  gateways answered the bare ``TracesData``; the gRPC gateway streams one ``{"result": ...}``
  document per chunk, one after another. All three are read.
- ``GET /api/v3/traces?query.service_name=S&query.start_time_min=T&query.start_time_max=T``
  (RFC 3339 times, ``query.num_traces`` / ``query.search_depth`` for how many): the spans of
  every trace found, in the same shape.
- An error: its HTTP status with ``{"error": {"httpCode": 404, "message": "..."}}``; a search
  that finds nothing is a 404 "No traces found".
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from tracekit.exceptions import BackendError, OtlpFormatError
from tracekit.ingest.backend_http import BackendHttp
from tracekit.ingest.backend_source import SearchHit, group_by_trace
from tracekit.otlp.decode import spans_from_resource_spans, traces_data_from_document
from tracekit.otlp.model import OtlpSpan

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


class JaegerBackend:
    """Jaeger's API v3 over HTTP (the query service, port 16686 by default)."""

    name = "jaeger"

    def __init__(self, http: BackendHttp) -> None:
        self.http = http
        self.notes: list[str] = []

    def fetch_trace(self, trace_id: str) -> list[OtlpSpan]:
        """Every span of ``trace_id`` (32 hex digits). Raises BackendError."""
        answer = self.http.get(
            f"/api/v3/traces/{urllib.parse.quote(trace_id)}", what=f"trace {trace_id}"
        )
        spans = [span for span in self._spans(answer.body) if span.trace_id == trace_id]
        if not spans:
            raise BackendError("not_found", f"{self.http.label}: trace {trace_id} has no spans")
        return spans

    def search(
        self, since_ns: int, until_ns: int, *, limit: int, service: str | None
    ) -> list[SearchHit]:
        """The traces of ``service`` that started in ``[since_ns, until_ns)``, whole (Jaeger
        answers a search with every span of each trace), at most ``limit``."""
        if not service:
            raise BackendError("error", "a Jaeger search needs a service: add --service NAME")
        query = [
            ("query.service_name", service),
            ("query.start_time_min", _rfc3339(since_ns)),
            ("query.start_time_max", _rfc3339(until_ns)),
            # num_traces until Jaeger 1.x; search_depth since Jaeger v2. Each ignores the other.
            ("query.num_traces", str(limit)),
            ("query.search_depth", str(limit)),
        ]
        try:
            answer = self.http.get("/api/v3/traces", query, what=f"traces of service {service}")
        except BackendError as error:
            if error.reason == "not_found":
                return []  # "No traces found"
            raise
        traces = group_by_trace(self._spans(answer.body))
        return [SearchHit(trace_id, tuple(spans)) for trace_id, spans in traces[:limit]]

    def _spans(self, body: bytes) -> Iterator[OtlpSpan]:
        for document in _json_documents(body, self.http.label):
            if not isinstance(document, dict):
                raise self._malformed("a JSON value that is not an object")
            error = document.get("error")
            if isinstance(error, dict):
                message = str(error.get("message") or "an error")
                code = error.get("httpCode")
                raise BackendError(
                    "not_found" if code == 404 else "error",
                    f"{self.http.label} answered: {message} ({code})",
                )
            data = document.get("result", document)
            try:
                traces_data = traces_data_from_document(data)
                yield from spans_from_resource_spans(traces_data.resource_spans)
            except OtlpFormatError as failure:
                raise self._malformed(str(failure)) from None

    def _malformed(self, detail: str) -> BackendError:
        return BackendError(
            "malformed", f"{self.http.label} answered with no Jaeger API v3 trace: {detail}"
        )


def _json_documents(body: bytes, label: str) -> Iterator[Any]:
    """Each JSON document of ``body``: one, or several one after another (a stream)."""
    text = body.decode("utf-8", "replace")
    decoder = json.JSONDecoder()
    at, end = 0, len(text)
    found = False
    while True:
        while at < end and text[at].isspace():
            at += 1
        if at == end:
            break
        try:
            document, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError as error:
            raise BackendError(
                "malformed", f"{label} answered with a body that is not JSON: {error.msg}"
            ) from None
        except RecursionError:
            raise BackendError(
                "malformed", f"{label} answered with JSON nested too deeply"
            ) from None
        found = True
        yield document
    if not found:
        raise BackendError("malformed", f"{label} answered with an empty body")


def _rfc3339(ns: int) -> str:
    """ns since the epoch as RFC 3339 in UTC, to the microsecond.

    >>> _rfc3339(1_750_000_000_123_456_789)
    '2025-06-15T15:06:40.123456Z'
    """
    moment = _EPOCH + timedelta(microseconds=ns // 1000)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
