"""``tracekit import --from URL``: traces pulled from Jaeger, Tempo or Phoenix into the store.

Each trace asked for (``--trace``, and those a ``--since`` search finds) is fetched whole
first; only when every one has arrived and converted are they written, as ONE spool segment
folded in one transaction, exactly as a trace file is imported
(:func:`tracekit.ingest.file_import.store_segment`): the same converter into the same
tables as OTLP and files, secrets scrubbed on the way in. A trace that is missing, a refused
credential or a broken answer stops the import with nothing written.

Backends keep whatever attributes were exported to them. A run exported with its content
(``TRACEKIT_OTLP_WITH_CONTENT=1`` live, or ``tracekit export --otlp-endpoint URL
--with-content``) comes back with its messages, tool arguments and results, and so replays
offline (``tracekit replay TRACE_ID``) like a local recording; one exported without content is
browsable but not replayable.

>>> import_from_backend(  # doctest: +SKIP
...     BackendSource.parse("jaeger+http://localhost:16686"), "runs.duckdb",
...     trace_ids=["5b8efff798038103d269b633813fc60c"])
ImportResult(spans=14, traces=1, new_spans=14, notes=(), trace_ids=('5b8e...',))
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone

from tracekit.exceptions import BackendError
from tracekit.ingest.backend_http import BackendHttp
from tracekit.ingest.backend_source import BackendSource, TraceBackend, normalise_trace_id
from tracekit.ingest.file_import import IMPORT_WAIT_S, ImportResult, import_target, store_segment
from tracekit.ingest.jaeger_api import JaegerBackend
from tracekit.ingest.phoenix_api import DEFAULT_PROJECT, PhoenixBackend
from tracekit.ingest.tempo_api import TempoBackend
from tracekit.otlp.model import OtlpSpan
from tracekit.store.convert import SegmentBuilder

#: Seconds to wait for a connection or for each read of an answer, unless told otherwise.
DEFAULT_TIMEOUT_S = 30.0
#: Traces a ``--since`` search imports at most, unless told otherwise.
DEFAULT_SEARCH_LIMIT = 20


def open_backend(
    source: BackendSource,
    *,
    headers: Mapping[str, str] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    project: str = DEFAULT_PROJECT,
) -> TraceBackend:
    """The client of ``source``'s query API. ``project`` is Phoenix's project."""
    http = BackendHttp(source.backend, source.base_url, headers=headers, timeout_s=timeout_s)
    if source.backend == "jaeger":
        return JaegerBackend(http)
    if source.backend == "tempo":
        return TempoBackend(http)
    return PhoenixBackend(http, project)


def import_from_backend(
    source: BackendSource,
    store: str | os.PathLike[str] | None = None,
    *,
    trace_ids: Sequence[str] = (),
    since_ns: int | None = None,
    until_ns: int | None = None,
    limit: int = DEFAULT_SEARCH_LIMIT,
    service: str | None = None,
    project: str = DEFAULT_PROJECT,
    headers: Mapping[str, str] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    wait_s: float = IMPORT_WAIT_S,
) -> ImportResult:
    """Pull ``trace_ids`` (hex, any case, zeros in front optional) and, with ``since_ns``, up
    to ``limit`` traces that started since then (of ``service`` for Jaeger and Tempo) from
    ``source`` into ``store``.

    Raises BackendError (nothing is written) when a trace is missing, the backend refuses the
    credentials, cannot be reached, or answers with something that is not a trace; ValueError
    for a trace id that is not hex; StoreError / StoreLockedError as a file import does.
    """
    paths = import_target(store)  # a store that cannot take the spans fails before any fetch
    backend = open_backend(source, headers=headers, timeout_s=timeout_s, project=project)
    wanted = list(dict.fromkeys(normalise_trace_id(value) for value in trace_ids))
    fetched: dict[str, list[OtlpSpan]] = {}
    if since_ns is not None:
        until = time.time_ns() if until_ns is None else until_ns
        hits = backend.search(since_ns, until, limit=limit, service=service)
        if not hits and not wanted:
            of = f" of service {service!r}" if service and source.backend != "phoenix" else ""
            raise BackendError(
                "not_found", f"{backend.name}: no traces{of} started since {_iso(since_ns)}"
            )
        for hit in hits:
            if hit.spans is not None:
                fetched[hit.trace_id] = list(hit.spans)
            elif hit.trace_id not in wanted:
                wanted.append(hit.trace_id)
    for trace_id in wanted:
        if trace_id not in fetched:
            fetched[trace_id] = backend.fetch_trace(trace_id)
    if not fetched:
        raise ValueError("import_from_backend needs trace_ids or since_ns")
    builder = SegmentBuilder()
    for trace_id, spans in fetched.items():
        for span in spans:
            try:
                builder.add_otlp(span)
            except (TypeError, ValueError, OverflowError) as error:
                raise BackendError(
                    "malformed",
                    f"{backend.name}: trace {trace_id}, span {span.name!r} cannot be stored: "
                    f"{error}; nothing was imported",
                ) from None
    result = store_segment(paths, builder, len(fetched), wait_s=wait_s)
    return ImportResult(
        spans=result.spans,
        traces=result.traces,
        new_spans=result.new_spans,
        notes=tuple(backend.notes),
        trace_ids=tuple(fetched),
    )


def _iso(ns: int) -> str:
    return datetime.fromtimestamp(ns // 10**9, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
