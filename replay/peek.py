"""What names a trace file's replay test, read without reading the recording.

pytest collects every ``*.trace.jsonl`` file as a test named ``workflow[trace id]``; reading the
whole recording (every span decoded, the trajectory built) only for that name cost as much as
the replay's own reading of it, which follows. :func:`peek_trace_file` parses each line's JSON
(orjson, in C) but decodes into spans only the lines that hold a root span, and reads the
workflow's name and the trace id from the root as :class:`~replay.recording.Recording` does.
When the file is not the plain shape (no root span, a span whose parent is elsewhere, several
traces, a line that is not JSON), it says nothing, and the caller reads the recording whole —
which names the test, or says what is wrong with the file, exactly as before.

>>> peek_trace_file("fixtures/traces/doc-pipeline-seed0-ok.trace.jsonl")  # doctest: +SKIP
('doc-pipeline', '5b8efff798038103d269b633813fc60c')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from tracekit import semconv as sc
from tracekit.otlp import OtlpSpan
from tracekit.otlp.json_decode import spans_from_json_fast

_NO_PARENT = frozenset({"", "0" * 16})


def peek_trace_file(path: str | Path) -> tuple[str, str] | None:
    """``(workflow name, trace id)`` of the one trace in a trace file, or None when that takes
    reading the recording whole (see the module docstring)."""
    try:
        with Path(path).open("rb") as handle:
            lines = [line for line in handle if line.strip()]
    except OSError:
        return None
    trace_ids: set[str] = set()
    span_ids: set[str] = set()
    parent_ids: set[str] = set()
    root_lines: list[bytes] = []
    try:
        for line in lines:
            holds_root = False
            for span in _raw_spans(orjson.loads(line)):
                trace_ids.add(_text(span, "traceId", "trace_id"))
                span_ids.add(_text(span, "spanId", "span_id"))
                parent = _text(span, "parentSpanId", "parent_span_id")
                if parent in _NO_PARENT:
                    holds_root = True
                else:
                    parent_ids.add(parent)
            if holds_root:
                root_lines.append(line)
    except (orjson.JSONDecodeError, _Unusual):
        return None
    if len(trace_ids) != 1 or not root_lines or not parent_ids <= span_ids:
        return None
    roots: list[OtlpSpan] = []
    for line in root_lines:
        spans = spans_from_json_fast(line)
        if spans is None:
            return None
        roots.extend(span for span in spans if span.parent_span_id is None)
    if not roots:
        return None
    roots.sort(key=lambda s: s.start_ns)  # as the trajectory picks its root
    root = roots[0]
    name = root.attributes.get(sc.GEN_AI_WORKFLOW_NAME)
    return str(name or root.name), root.trace_id


class _Unusual(Exception):
    """Not the plain shape: the recording is read whole instead."""


def _raw_spans(document: Any) -> list[dict[str, Any]]:
    spans: list[dict[str, Any]] = []
    for resource_spans in _items(document, "resourceSpans", "resource_spans"):
        for scope_spans in _items(resource_spans, "scopeSpans", "scope_spans"):
            spans.extend(_items(scope_spans, "spans", "spans"))
    return spans


def _items(obj: Any, camel: str, snake: str) -> list[Any]:
    if not isinstance(obj, dict):
        raise _Unusual
    value = obj.get(camel, obj.get(snake))
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _Unusual
    return value


def _text(span: dict[str, Any], camel: str, snake: str) -> str:
    value = span.get(camel, span.get(snake))
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Unusual
    return value.lower()
