"""OTLP/JSON straight to :class:`OtlpSpan`: orjson, then a walk over plain dicts.

Trace files and replay suites read OTLP/JSON lines; going through protobuf's ``json_format``
cost three quarters of each file's parse (a pure-Python walk that builds messages only for
them to be read back). This decoder reads what ``json_format`` reads into the same values,
without building messages. It takes the shapes writers produce (camelCase or snake_case
names, integer or named enums, 64-bit integers as numbers or decimal strings, hex ids, every
``AnyValue`` kind, missing and null fields, unknown fields) and hands anything else — an
error, or a spelling only a lenient parser takes (``"kind": "3"``, ``"intValue": "1e3"``, a
key spelt both ways) — to the protobuf path, which decides and words the error as it always
has. So it accepts exactly what :func:`~tracekit.otlp.decode.traces_data_from_json` accepts;
the suite checks the two agree on generated documents and on every fixture file.

>>> [span.kind for span in spans_from_json(
...     '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c",'
...     '"spanId":"eee19b7ec3c1b174","name":"chat m","kind":"SPAN_KIND_CLIENT",'
...     '"startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]}')]
['CLIENT']
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from tracekit.otlp.decode import (
    SPAN_KINDS,
    STATUS_CODES,
    spans_from_resource_spans,
    traces_data_from_json,
)
from tracekit.otlp.model import OtlpEvent, OtlpLink, OtlpSpan, new_span


class _Undecided(Exception):
    """This document is for the protobuf path to decide (an error, or an unusual spelling)."""


class ResourceMemo:
    """The last resource read, kept across the lines of one file: a file written a span per
    line repeats its resource on every line, and it is decoded once (its spans share it)."""

    def __init__(self) -> None:
        # The attributes as orjson writes them back: equal bytes are the same JSON values,
        # types included (``==`` holds 0.0 and -0.0, 1 and true alike, which decode apart).
        self.raw: bytes | None = None
        self.resource: dict[str, Any] = {}


def spans_from_json(line: str | bytes, memo: ResourceMemo | None = None) -> list[OtlpSpan]:
    """Every span of one OTLP/JSON ``TracesData`` document (a trace file's line).

    Raises OtlpFormatError, with the protobuf path's wording, for a document that path refuses.
    """
    spans = spans_from_json_fast(line, memo)
    if spans is None:
        spans = list(spans_from_resource_spans(traces_data_from_json(line).resource_spans))
    return spans


def spans_from_json_fast(
    line: str | bytes, memo: ResourceMemo | None = None
) -> list[OtlpSpan] | None:
    """The spans of ``line`` as the protobuf path reads them, or None when this decoder leaves
    the document to that path (it is malformed, or spelt in a way only a lenient parser
    takes). Never raises for bad input."""
    try:
        document = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    try:
        return _document_spans(document, memo)
    except _Undecided:
        return None


# Field names as OTLP/JSON writers spell them (protobuf's JSON name, or the proto name), mapped
# to one name: the JSON name, which is how tracekit and the Collector write them, so an object
# spelt that way is read as it is (see _fields). A test checks these tables against the protobuf
# descriptors, so a field added to the proto is not silently skipped here while json_format
# validates it.
class _Table(dict[str, str]):
    """A message's field names, both spellings, mapped to the JSON name."""

    json_names: frozenset[str]
    """The JSON names: an object whose keys are all among them is its own field dict."""


def _names(*fields: str) -> _Table:
    table = _Table()
    for name in fields:
        head, *rest = name.split("_")
        json_name = head + "".join(part.capitalize() for part in rest)
        table[name] = json_name
        table[json_name] = json_name
    table.json_names = frozenset(table.values())
    return table


_TRACES_DATA = _names("resource_spans")
_RESOURCE_SPANS = _names("resource", "scope_spans", "schema_url")
_RESOURCE = _names("attributes", "dropped_attributes_count", "entity_refs")
_SCOPE_SPANS = _names("scope", "spans", "schema_url")
_SCOPE = _names("name", "version", "attributes", "dropped_attributes_count")
_SPAN = _names(
    "trace_id",
    "span_id",
    "trace_state",
    "parent_span_id",
    "flags",
    "name",
    "kind",
    "start_time_unix_nano",
    "end_time_unix_nano",
    "attributes",
    "dropped_attributes_count",
    "events",
    "dropped_events_count",
    "links",
    "dropped_links_count",
    "status",
)
_EVENT = _names("time_unix_nano", "name", "attributes", "dropped_attributes_count")
_LINK = _names(
    "trace_id", "span_id", "trace_state", "attributes", "dropped_attributes_count", "flags"
)
_STATUS = _names("message", "code")
_KEY_VALUE = _names("key", "value", "key_strindex")
_ANY_VALUE = _names(
    "string_value",
    "bool_value",
    "int_value",
    "double_value",
    "array_value",
    "kvlist_value",
    "bytes_value",
    "string_value_strindex",
)
_VALUES = _names("values")

_KIND_NAMES = {
    "SPAN_KIND_UNSPECIFIED": 0,
    "SPAN_KIND_INTERNAL": 1,
    "SPAN_KIND_SERVER": 2,
    "SPAN_KIND_CLIENT": 3,
    "SPAN_KIND_PRODUCER": 4,
    "SPAN_KIND_CONSUMER": 5,
}
_STATUS_NAMES = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2}

_UINT32_END = 1 << 32
_UINT64_END = 1 << 64
_INT64_MIN = -(1 << 63)
_INT64_END = 1 << 63
_TRACE_ID_BYTES = 16
_SPAN_ID_BYTES = 8
#: json_format stops at 100 nested messages; well before that, the protobuf path decides.
_MAX_DEPTH = 90


def _fields(obj: Any, table: _Table) -> dict[str, Any]:
    """``obj``'s known fields by JSON name (null ones as None); unknown fields skipped."""
    if obj.__class__ is not dict:
        raise _Undecided
    if table.json_names.issuperset(obj):
        # Every key a JSON name: nothing to skip, no field spelt twice (what writers emit).
        return obj
    found: dict[str, Any] = {}
    known = 0
    for key, value in obj.items():
        name = table.get(key)
        if name is None:
            if key[:1] == "[":  # an extension's name: json_format refuses it
                raise _Undecided
            continue
        known += 1
        found[name] = value
    if len(found) != known:  # a field spelt both ways
        raise _Undecided
    return found


def _list(value: Any) -> list[Any]:
    """A repeated field's items (null: none)."""
    if value is None:
        return []
    if value.__class__ is not list:
        raise _Undecided
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if value.__class__ is not str:
        raise _Undecided
    return value


def _uint(value: Any, end: int) -> int:
    if value is None:
        return 0
    if value.__class__ is int:
        if 0 <= value < end:
            return value
    elif value.__class__ is str and value.isascii() and value.isdigit():
        number = int(value)
        if number < end:
            return number
    raise _Undecided


def _int64(value: Any) -> int:
    if value.__class__ is int:
        if _INT64_MIN <= value < _INT64_END:
            return value
    elif value.__class__ is str:
        digits = value[1:] if value[:1] == "-" else value
        if digits.isascii() and digits.isdigit():
            number = int(value)
            if _INT64_MIN <= number < _INT64_END:
                return number
    raise _Undecided


def _enum(value: Any, names: dict[str, int], size: int) -> int:
    if value is None:
        return 0
    if value.__class__ is int:
        if 0 <= value < size:
            return value
        raise _Undecided
    number = names.get(value) if value.__class__ is str else None
    if number is None:
        raise _Undecided
    return number


_LOWER_HEX = "0123456789abcdef"


def _hex_id(value: Any, size: int) -> str:
    """A trace or span id as lowercase hex (what ``_id(value, size).hex()`` returns)."""
    if (
        value.__class__ is str
        and len(value) == 2 * size
        and not value.strip(_LOWER_HEX)
        and value.strip("0")
    ):
        return value  # as writers spell ids: the round trip through bytes gives it back
    return _id(value, size).hex()


def _id(value: Any, size: int) -> bytes:
    if value.__class__ is not str:
        raise _Undecided
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise _Undecided from None
    if len(raw) != size or not any(raw):
        raise _Undecided
    return raw


class _Scalars:
    """Fields read nowhere that json_format still type-checks: texts and 32-bit counts."""

    def __init__(self, texts: tuple[str, ...], counts: tuple[str, ...]) -> None:
        self.texts = texts
        self.counts = counts
        self.names = frozenset(texts + counts)


_SCHEMA_URL = _Scalars(("schemaUrl",), ())
_DROPPED_ATTRIBUTES = _Scalars((), ("droppedAttributesCount",))
_SPAN_SCALARS = _Scalars(
    ("traceState",), ("flags", "droppedAttributesCount", "droppedEventsCount", "droppedLinksCount")
)
_LINK_SCALARS = _Scalars(("traceState",), ("flags", "droppedAttributesCount"))


def _check_scalars(fields: dict[str, Any], scalars: _Scalars) -> None:
    """Fields read nowhere, still typed as json_format would check them."""
    if scalars.names.isdisjoint(fields):
        return  # the usual case: writers leave them out
    for name in scalars.texts:
        value = fields.get(name)
        if value is not None and value.__class__ is not str:
            raise _Undecided
    for name in scalars.counts:
        value = fields.get(name)
        if value is not None:
            _uint(value, _UINT32_END)


def _document_spans(document: Any, memo: ResourceMemo | None) -> list[OtlpSpan]:
    spans: list[OtlpSpan] = []
    for resource_span in _list(_fields(document, _TRACES_DATA).get("resourceSpans")):
        fields = _fields(resource_span, _RESOURCE_SPANS)
        _check_scalars(fields, _SCHEMA_URL)
        resource: dict[str, Any] = {}
        resource_fields = fields.get("resource")
        if resource_fields is not None:
            resource_fields = _fields(resource_fields, _RESOURCE)
            _check_scalars(resource_fields, _DROPPED_ATTRIBUTES)
            if _list(resource_fields.get("entityRefs")):
                raise _Undecided
            attributes = resource_fields.get("attributes")
            if attributes is not None:
                raw = orjson.dumps(attributes) if memo is not None else None
                if memo is not None and memo.raw == raw:
                    resource = memo.resource
                else:
                    resource = _attributes(attributes, 4)
                    if memo is not None:
                        memo.raw, memo.resource = raw, resource
        for scope_span in _list(fields.get("scopeSpans")):
            scope_fields = _fields(scope_span, _SCOPE_SPANS)
            _check_scalars(scope_fields, _SCHEMA_URL)
            scope_name: str | None = None
            scope_version: str | None = None
            scope = scope_fields.get("scope")
            if scope is not None:
                scope = _fields(scope, _SCOPE)
                _check_scalars(scope, _DROPPED_ATTRIBUTES)
                scope_name = _text(scope.get("name")) or None
                scope_version = _text(scope.get("version")) or None
                attributes = scope.get("attributes")
                if attributes is not None:
                    _attributes(attributes, 5)
            for span in _list(scope_fields.get("spans")):
                spans.append(_span(span, resource, scope_name, scope_version))
    return spans


def _span(
    obj: Any, resource: dict[str, Any], scope_name: str | None, scope_version: str | None
) -> OtlpSpan:
    fields = _fields(obj, _SPAN)
    _check_scalars(fields, _SPAN_SCALARS)
    parent = fields.get("parentSpanId")
    parent_id: str | None = None
    if parent is not None and parent != "":
        if (
            parent.__class__ is str
            and len(parent) == 2 * _SPAN_ID_BYTES
            and not parent.strip(_LOWER_HEX)
        ):
            parent_id = parent if parent.strip("0") else None  # lowercase hex: taken as it is
        else:
            raw = _any_id(parent, _SPAN_ID_BYTES)
            parent_id = raw.hex() if any(raw) else None
    status_code = 0
    status_message: str | None = None
    status = fields.get("status")
    if status is not None:
        status = _fields(status, _STATUS)
        status_code = _enum(status.get("code"), _STATUS_NAMES, len(STATUS_CODES))
        status_message = _text(status.get("message")) or None
    attributes = fields.get("attributes")
    events = fields.get("events")
    links = fields.get("links")
    return new_span(
        _hex_id(fields.get("traceId"), _TRACE_ID_BYTES),
        _hex_id(fields.get("spanId"), _SPAN_ID_BYTES),
        parent_id,
        _text(fields.get("name")),
        SPAN_KINDS[_enum(fields.get("kind"), _KIND_NAMES, len(SPAN_KINDS))],
        _uint(fields.get("startTimeUnixNano"), _UINT64_END),
        _uint(fields.get("endTimeUnixNano"), _UINT64_END),
        STATUS_CODES[status_code],
        status_message,
        _attributes(attributes, 5) if attributes is not None else {},
        resource,
        scope_name,
        scope_version,
        tuple(_event(event) for event in _list(events)) if events else (),
        tuple(_link(link) for link in _list(links)) if links else (),
    )


def _any_id(value: Any, size: int) -> bytes:
    """A parent span id: any non-empty hex of the right length (all zero is "no parent")."""
    if value.__class__ is not str:
        raise _Undecided
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise _Undecided from None
    if len(raw) != size:
        raise _Undecided
    return raw


def _event(obj: Any) -> OtlpEvent:
    fields = _fields(obj, _EVENT)
    _check_scalars(fields, _DROPPED_ATTRIBUTES)
    attributes = fields.get("attributes")
    return OtlpEvent(
        _text(fields.get("name")),
        _uint(fields.get("timeUnixNano"), _UINT64_END),
        _attributes(attributes, 6) if attributes is not None else {},
    )


def _link(obj: Any) -> OtlpLink:
    fields = _fields(obj, _LINK)
    _check_scalars(fields, _LINK_SCALARS)
    attributes = fields.get("attributes")
    return OtlpLink(
        _hex_id(fields.get("traceId"), _TRACE_ID_BYTES),
        _hex_id(fields.get("spanId"), _SPAN_ID_BYTES),
        _attributes(attributes, 6) if attributes is not None else {},
    )


_MISSING: Any = object()


def _attributes(items: Any, depth: int) -> dict[str, Any]:
    """A list of ``KeyValue`` objects as a dict (a repeated key keeps its last value);
    ``depth`` is the nesting of the ``KeyValue`` messages, as json_format counts it."""
    if items.__class__ is not list:
        raise _Undecided
    if depth > _MAX_DEPTH:
        raise _Undecided
    result: dict[str, Any] = {}
    for kv in items:
        # The shape nearly every writer emits ({"key": ..., "value": {one field}}) is read
        # inline, a text value first; anything else takes the general path.
        if kv.__class__ is dict and len(kv) == 2:
            key = kv.get("key")
            value = kv.get("value")
            if key.__class__ is str and value.__class__ is dict and len(value) == 1:
                item = value.get("stringValue", _MISSING)
                if item.__class__ is str:
                    result[key] = item
                    continue
                item = value.get("intValue", _MISSING)
                if item is not _MISSING:
                    result[key] = _int64(item)
                    continue
                result[key] = _any_value(value, depth + 1)
                continue
        name, decoded = _key_value(kv, depth)
        result[name] = decoded
    return result


def _key_value(kv: Any, depth: int) -> tuple[str, Any]:
    fields = _fields(kv, _KEY_VALUE)
    if fields.get("keyStrindex") is not None:
        raise _Undecided
    value = fields.get("value")
    return _text(fields.get("key")), (_any_value(value, depth + 1) if value is not None else None)


def _any_value(value: Any, depth: int) -> Any:
    fields = {name: item for name, item in _fields(value, _ANY_VALUE).items() if item is not None}
    if not fields:
        return None
    if len(fields) != 1:
        raise _Undecided  # two fields of one oneof: json_format refuses it
    for which, item in fields.items():
        cls = item.__class__
        if which == "stringValue":
            if cls is str:
                return item
        elif which == "intValue":
            return _int64(item)
        elif which == "boolValue":
            if cls is bool:
                return item
        elif which == "doubleValue":
            if cls is float:
                return item
            if cls is int:
                return float(item)
        elif which == "arrayValue":
            values = _fields(item, _VALUES).get("values")
            if values is None:
                return []
            if depth + 2 > _MAX_DEPTH:
                raise _Undecided
            return [_array_item(entry, depth + 2) for entry in _list(values)]
        elif which == "kvlistValue":
            values = _fields(item, _VALUES).get("values")
            return _attributes(values, depth + 2) if values is not None else {}
        elif which == "bytesValue":
            return _bytes(item)
    raise _Undecided


def _array_item(entry: Any, depth: int) -> Any:
    if entry is None:  # null is not an element of a repeated message field
        raise _Undecided
    return _any_value(entry, depth)


def _bytes(value: Any) -> bytes:
    if value.__class__ is not str:
        raise _Undecided
    # json_format's own reading of a bytes field: URL-safe or standard base64, padding
    # optional.
    encoded = value.encode("utf-8")
    try:
        return base64.urlsafe_b64decode(encoded + b"=" * (4 - len(encoded) % 4))
    except (binascii.Error, ValueError):
        raise _Undecided from None


__all__ = ["ResourceMemo", "spans_from_json", "spans_from_json_fast"]
