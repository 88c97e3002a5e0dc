"""Traces from Arize Phoenix's REST API (``/v1``, port 6006 by default).

What Phoenix answers (Arize-ai/phoenix, ``src/phoenix/server/api/routers/v1/spans.py``):
``GET /v1/projects/{project}/spans`` with ``trace_id``, ``parent_id=null``, ``start_time`` /
``end_time`` (ISO 8601), ``limit`` (≤ 1000) and ``cursor`` answers
``{"data": [Span, ...], "next_cursor": "..." | null}``, newest first, where a ``Span`` is
Phoenix's own JSON::

    {"id": "U3BhbjoxMg==", "name": "chat claude-haiku-4-5",
     "context": {"trace_id": "<32 hex>", "span_id": "<16 hex>"},
     "span_kind": "LLM", "parent_id": "<16 hex>" | null,
     "start_time": "2026-05-01T12:00:00.123456+00:00", "end_time": "...",
     "status_code": "OK" | "ERROR" | "UNSET", "status_message": "",
     "attributes": {"llm.model_name": "...", ...},   # flattened, dotted keys
     "events": [{"name": "...", "timestamp": "...", "attributes": {...}}]}

Phoenix keeps less than OTLP carried, so an imported span has: no OTel span kind (stored as
INTERNAL), no resource (its project name stands in, as ``openinference.project.name``), no
scope or links, and times to the microsecond. ``openinference.span.kind``, which Phoenix
answers as ``span_kind`` rather than as an attribute, is put back among the attributes.
Versions whose API ignores ``trace_id`` or ``parent_id`` are read too: the answer is filtered
here as well.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tracekit.exceptions import BackendError
from tracekit.ingest.backend_http import BackendHttp
from tracekit.ingest.backend_source import SearchHit
from tracekit.otlp.model import OtlpEvent, OtlpSpan
from tracekit.semconv import OPENINFERENCE_SPAN_KIND

#: The project Phoenix files spans under when the sender names none.
DEFAULT_PROJECT = "default"
#: Spans per page: the most Phoenix's API answers at once.
PAGE_SIZE = 1000
#: Pages read for one trace or one search at most (a million spans).
MAX_PAGES = 1000
_PROJECT_NAME = "openinference.project.name"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_HEX = re.compile(r"^[0-9a-f]+$")
_STATUS_CODES = frozenset({"OK", "ERROR", "UNSET"})


class PhoenixEvent(BaseModel):
    """A span event as Phoenix answers it."""

    model_config = ConfigDict(extra="ignore")

    name: str = ""
    timestamp: datetime | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


class PhoenixContext(BaseModel):
    """A span's OpenTelemetry ids (hex)."""

    model_config = ConfigDict(extra="ignore")

    trace_id: str
    span_id: str


class PhoenixSpan(BaseModel):
    """One span of ``GET /v1/projects/{project}/spans``, Phoenix's own shape."""

    model_config = ConfigDict(extra="ignore")

    name: str = ""
    context: PhoenixContext
    span_kind: str = "UNKNOWN"
    parent_id: str | None = None
    start_time: datetime
    end_time: datetime
    status_code: str = "UNSET"
    status_message: str | None = ""
    attributes: dict[str, Any] = Field(default_factory=dict)
    events: list[PhoenixEvent] = Field(default_factory=list)


class PhoenixPage(BaseModel):
    """One page of spans and the cursor of the next one."""

    model_config = ConfigDict(extra="ignore")

    data: list[PhoenixSpan]
    next_cursor: str | None = None


class PhoenixBackend:
    """Arize Phoenix's REST API over HTTP, for one project."""

    name = "phoenix"

    def __init__(self, http: BackendHttp, project: str = DEFAULT_PROJECT) -> None:
        self.http = http
        self.notes: list[str] = []
        self.project = project
        self._path = f"/v1/projects/{urllib.parse.quote(project, safe='')}/spans"

    def fetch_trace(self, trace_id: str) -> list[OtlpSpan]:
        """Every span of ``trace_id`` (32 hex digits) in the project. Raises BackendError."""
        spans = [
            self._to_otlp(span)
            for span in self._pages([("trace_id", trace_id)], what=f"trace {trace_id}")
            if span.context.trace_id.lower() == trace_id
        ]
        if not spans:
            raise BackendError(
                "not_found",
                f"{self.http.label}: trace {trace_id} not found in project {self.project!r}",
            )
        return spans

    def search(
        self, since_ns: int, until_ns: int, *, limit: int, service: str | None
    ) -> list[SearchHit]:
        """Ids of the newest ``limit`` traces whose root span started in
        ``[since_ns, until_ns)``. ``service`` does not apply (Phoenix keeps projects)."""
        since, until = _datetime(since_ns), _datetime(until_ns)
        query = [
            ("parent_id", "null"),
            ("start_time", since.isoformat()),
            ("end_time", until.isoformat()),
        ]
        hits: dict[str, SearchHit] = {}
        for span in self._pages(query, what="root spans", enough=lambda: len(hits) >= limit):
            if span.parent_id is None and since_ns <= _ns(span.start_time) < until_ns:
                trace_id = span.context.trace_id.lower()
                hits.setdefault(trace_id, SearchHit(trace_id))
        return list(hits.values())[:limit]

    def _pages(
        self,
        query: list[tuple[str, str]],
        *,
        what: str,
        enough: Callable[[], bool] | None = None,
    ) -> Iterator[PhoenixSpan]:
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page_query = [*query, ("limit", str(PAGE_SIZE))]
            if cursor:
                page_query.append(("cursor", cursor))
            answer = self.http.get(self._path, page_query, what=what)
            page = self._page(answer.body)
            yield from page.data
            cursor = page.next_cursor
            if not cursor or (enough is not None and enough()):
                return
        raise BackendError(
            "error",
            f"{self.http.label}: {what} span more than {MAX_PAGES * PAGE_SIZE:,} spans; "
            "narrow the import (--trace ID, or a later --since)",
        )

    def _page(self, body: bytes) -> PhoenixPage:
        try:
            return PhoenixPage.model_validate(json.loads(body.decode("utf-8", "replace")))
        except ValueError as error:
            # json's and pydantic's errors alike (ValidationError is a ValueError).
            detail = _first_error(error) if isinstance(error, ValidationError) else "not JSON"
            raise BackendError(
                "malformed", f"{self.http.label} answered with no Phoenix spans: {detail}"
            ) from None
        except RecursionError:
            raise BackendError(
                "malformed", f"{self.http.label} answered with JSON nested too deeply"
            ) from None

    def _to_otlp(self, span: PhoenixSpan) -> OtlpSpan:
        trace_id = _hex_id(span.context.trace_id, 32, "trace_id", self.http.label)
        span_id = _hex_id(span.context.span_id, 16, "span_id", self.http.label)
        parent = span.parent_id
        attributes = dict(span.attributes)
        if span.span_kind and span.span_kind != "UNKNOWN":
            attributes.setdefault(OPENINFERENCE_SPAN_KIND, span.span_kind)
        status = span.status_code.upper()
        return OtlpSpan(
            trace_id=trace_id,
            span_id=span_id,
            parent_span_id=_hex_id(parent, 16, "parent_id", self.http.label) if parent else None,
            name=span.name,
            kind="INTERNAL",
            start_ns=_ns(span.start_time),
            end_ns=_ns(span.end_time),
            status_code=status if status in _STATUS_CODES else "UNSET",
            status_message=span.status_message or None,
            attributes=attributes,
            resource={_PROJECT_NAME: self.project},
            events=tuple(
                OtlpEvent(
                    event.name,
                    _ns(event.timestamp) if event.timestamp else _ns(span.start_time),
                    dict(event.attributes),
                )
                for event in span.events
            ),
        )


def _hex_id(value: str, digits: int, field: str, label: str) -> str:
    text = value.lower()
    if len(text) != digits or not _HEX.match(text) or not text.strip("0"):
        raise BackendError(
            "malformed", f"{label} answered a span whose {field} {value!r} is not {digits} hex"
        )
    return text


def _ns(moment: datetime) -> int:
    """A datetime as ns since the epoch, exactly (no float); naive times are UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000


def _datetime(ns: int) -> datetime:
    return _EPOCH + timedelta(microseconds=ns // 1000)


def _first_error(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ()))
    return f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg"))
