"""A whole trace as a JSON-ready document, read without a model per span: what
``tracekit show --json`` prints, behind :meth:`TraceStore.get_trace_document`.

The document equals ``TraceDetail.model_dump(mode="json")`` of :meth:`TraceStore.get_trace`
(the same keys in the same order, the same values). The scalar columns arrive typed from
DuckDB (``VARCHAR`` as ``str``, ``BIGINT`` as ``int``, ``DOUBLE`` as ``float``), so validating
them changes nothing; only the JSON columns need a look. Where one is not the plain shape
the models would pass through unchanged (attributes not an object, an event with extra or
missing keys, a non-finite float, which ``mode="json"`` writes as ``null``), that span goes
through :class:`SpanRecord` after all. Skipping 10,000 validations is about half the time
of showing a 10,000-span trace as JSON. A resource is parsed once per distinct text (the
spans of one process share it), and its spans share the dict.

The summary is ``TraceSummary.model_dump(mode="json")`` written from the store's own row
(:func:`summary_document`), and the JSON columns are parsed by orjson: a document of
plain spans loads no pydantic (its import and its models' build are most of the start of
``show --json``). Text orjson refuses (an integer beyond 64 bits, ``NaN``, a lone
surrogate) is parsed by pydantic-core, as before.
"""

from __future__ import annotations

import math
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import orjson

from tracekit.otlp.values import no_long_numbers
from tracekit.store.tree import tree_order

if TYPE_CHECKING:
    from tracekit.store.trace_rows import TraceRow

#: The span columns, in :class:`SpanRecord` field order (depth and has_content follow).
SPAN_FIELDS = (
    "trace_id",
    "span_id",
    "parent_span_id",
    "name",
    "kind",
    "start_ns",
    "end_ns",
    "duration_ns",
    "status_code",
    "status_message",
    "service_name",
    "scope_name",
    "operation",
    "workflow",
    "agent",
    "agent_path",
    "model",
    "provider",
    "tool",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_creation_tokens",
    "cost_usd",
    "error_type",
    "attributes",
    "resource",
    "events",
)
#: The SELECT list :func:`span_documents_and_numbers` reads: :data:`SPAN_FIELDS`, but the
#: trace id (the same on every row, and given) read as NULL: DuckDB makes no string of it
#: 10,000 times.
DOCUMENT_COLUMNS = ", ".join(("NULL AS trace_id", *SPAN_FIELDS[1:]))
_ATTRIBUTES, _RESOURCE, _EVENTS = (
    SPAN_FIELDS.index(n) for n in ("attributes", "resource", "events")
)
_COST = SPAN_FIELDS.index("cost_usd")
_JSON_COLUMNS = itemgetter(_ATTRIBUTES, _RESOURCE, _EVENTS)
_EVENT_KEYS = ("name", "time_ns", "attributes")
#: A span's document before its values: its keys in order (copied, a dict of the right size
#: and order comes at once; filling it by zip builds it key by key, growing it three times).
_SPAN_KEYS = dict.fromkeys((*SPAN_FIELDS, "depth", "has_content"))
# Each byte of the JSON texts (as UTF-8) as the part of a number it can be: a digit as
# "0", "." and an exponent's "e" as themselves, anything else as "x" (see _read_numbers).
_NUMBER_BYTES = bytes(
    0x30 if 0x30 <= byte <= 0x39 else byte if byte in b".e" else 0x65 if byte == 0x45 else 0x78
    for byte in range(256)
)
_LONG_NUMBER = b"0" * 19
_START_AND_ID = itemgetter(5, 1)
#: The fields of ``TraceSummary.model_dump()``, in order: TraceRow's but for where the
#: counts sit, and the computed ``cost_partial`` last (a test holds them to the model).
SUMMARY_FIELDS = (
    "trace_id",
    "start_ns",
    "end_ns",
    "duration_ns",
    "root_name",
    "workflow",
    "status",
    "stop_reason",
    "span_count",
    "steps",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "error_count",
    "agents",
    "service_name",
    "parent_trace_id",
    "fork_at",
    "unpriced_spans",
)


def summary_document(row: TraceRow) -> dict[str, Any]:
    """The store's row of a trace as ``TraceSummary.model_dump(mode="json")`` gives it
    (the row's columns are the model's types: DuckDB checks them on write)."""
    document = {field: getattr(row, field) for field in SUMMARY_FIELDS}
    document["agents"] = list(row.agents)
    document["cost_partial"] = row.unpriced_spans > 0 and row.cost_usd is not None
    return document


def _orjson_first(text: str) -> Any:
    # _from_json of a text known to hold no long number.
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        import pydantic_core

        return pydantic_core.from_json(text)


def _from_json(text: str) -> Any:
    # orjson where it reads the text as pydantic-core (which the models read the JSON
    # columns with) does: anything but an integer past 64 bits, which orjson would make a
    # float, and what it refuses (NaN, infinities written as 1e400, lone surrogates).
    if no_long_numbers(text):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    import pydantic_core

    return pydantic_core.from_json(text)


def span_documents_and_numbers(
    rows: list[tuple[Any, ...]], with_content: set[str], trace_id: str
) -> tuple[list[dict[str, Any]], bool]:
    """``rows`` (the columns of :data:`DOCUMENT_COLUMNS`) of the spans of ``trace_id`` in
    tree order, each as the dict ``SpanRecord.model_dump(mode="json")`` would give; and
    whether the spans' JSON texts hold no number that could read as a float below 1e-4 or
    from 1e16 on (none with an exponent, none written ``0.0000…``, no run of 17 digits):
    where no float of theirs is one orjson may write unlike ``json.dumps``
    (:func:`tracekit.cli.json_text.needs_respelling`)."""
    rows.sort(key=_START_AND_ID)  # get_trace's order
    from_json = _from_json
    # One look at all the texts instead of one a span: with no long number anywhere (the
    # usual trace), orjson reads each text as pydantic-core would, or refuses it.
    texts = "\n".join([text for row in rows for text in _JSON_COLUMNS(row) if text])
    long_numbers, plain_numbers = _read_numbers(texts)
    if not long_numbers:
        from_json = _orjson_first
    # A text that says neither is plain of them: one look at all instead of two a text.
    finite_texts = "Infinity" not in texts and "NaN" not in texts
    fields = SPAN_FIELDS
    blank = _SPAN_KEYS.copy
    # Each distinct resource text: its parsed value, and whether it is the plain shape.
    resources: dict[str, tuple[Any, bool]] = {}
    documents: list[dict[str, Any]] = []
    append = documents.append
    for row, depth in tree_order(rows, id_at=1, parent_at=2):
        attributes, resource, events = row[_ATTRIBUTES], row[_RESOURCE], row[_EVENTS]
        # As many columns as fields (the SELECT's): not checked a row, at 10,000 rows.
        document = blank()
        document.update(zip(fields, row, strict=False))
        document["trace_id"] = trace_id
        document["depth"] = depth
        document["has_content"] = row[1] in with_content
        plain = True
        if attributes is not None:
            parsed = document["attributes"] = from_json(attributes)
            plain = type(parsed) is dict and (
                finite_texts or ("Infinity" not in attributes and "NaN" not in attributes)
            )
        else:
            plain = False
        if resource is not None:
            found = resources.get(resource)
            if found is None:
                value = from_json(resource)
                found = resources[resource] = (
                    value,
                    type(value) is dict and "Infinity" not in resource and "NaN" not in resource,
                )
            document["resource"], plain_resource = found
            plain = plain and plain_resource
        else:
            plain = False
        if events is not None:
            parsed = document["events"] = from_json(events)
            plain = plain and _plain_events(parsed, events, finite_texts)
        else:
            document["events"] = []
        cost = row[_COST]
        # Only a span whose JSON is not the plain shape goes through the model (see the
        # module docstring); the shared resource dict is never changed after this.
        if not plain or (cost is not None and not math.isfinite(cost)):
            from tracekit.store.models import SpanRecord

            document = SpanRecord.model_validate(document).model_dump(mode="json")
        append(document)
    return documents, plain_numbers


def _read_numbers(text: str) -> tuple[bool, bool]:
    # (whether text has a run of 19 digits: an integer orjson would read as a float,
    # whether it has no number that could be a float needing respelling). One C pass maps
    # the bytes (UTF-8 keeps ASCII single bytes; "surrogatepass" keeps a lone surrogate
    # three bytes, none a digit), then substring searches; a false alarm (a hex id's "0e")
    # only costs the writer its search.
    numbers = text.encode("utf-8", "surrogatepass").translate(_NUMBER_BYTES)
    long_numbers = _LONG_NUMBER in numbers
    plain = not long_numbers and b"0e" not in numbers and b"0.0000" not in numbers
    return long_numbers, plain and b"0" * 17 not in numbers


def _plain_events(events: Any, text: str, finite_text: bool) -> bool:
    # Whether validating and dumping the span would give back these events: a list of
    # plain events, no inf or nan in the text (a string that merely says so is checked the
    # slow way, which is right either way), since mode="json" writes those floats as null.
    if type(events) is not list or (not finite_text and ("Infinity" in text or "NaN" in text)):
        return False
    for event in events:
        if (
            type(event) is not dict
            or tuple(event) != _EVENT_KEYS
            or type(event["name"]) is not str
            or type(event["time_ns"]) is not int
            or type(event["attributes"]) is not dict
        ):
            return False
    return True
