"""Spans to columnar segment rows: the one converter every ingest path goes through.

:class:`SegmentBuilder` collects spans column by column (plain lists, one append per field) and
turns them into one Arrow table with :data:`~tracekit.store.schema.SEGMENT_SCHEMA`. On the way
every string is scrubbed of secrets, the GenAI attributes the store groups by are promoted to
columns, and content attributes (messages, tool arguments and results) are split off into the
``content`` column so that ``spans.attributes`` stays small.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import orjson
import pyarrow as pa
from opentelemetry.attributes import BoundedAttributes
from opentelemetry.sdk import trace as sdk_trace
from opentelemetry.sdk.trace import ReadableSpan, Span
from opentelemetry.sdk.util import BoundedList
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, Status

from tracekit import semconv as sc
from tracekit.otlp.model import OtlpSpan
from tracekit.otlp.values import float_value as _float
from tracekit.otlp.values import int_value as _int
from tracekit.otlp.values import text_value as _text
from tracekit.pricing import PriceTable
from tracekit.scrub import UNCHANGED_TEXTS as _UNCHANGED
from tracekit.scrub import clean_attributes as _clean_attributes
from tracekit.scrub import clean_values as _clean_values
from tracekit.scrub import scrub_text, texts_unchanged
from tracekit.store.normalise import Promoted, promote_foreign
from tracekit.store.schema import SEGMENT_SCHEMA
from tracekit.store.shapes import Plan, _shapes, plan_for, shape_of

if TYPE_CHECKING:
    from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans

    from tracekit.otlp.decode import SpanFields

_KINDS = frozenset({"INTERNAL", "CLIENT", "SERVER", "PRODUCER", "CONSUMER"})
_STATUS_CODES = frozenset({"UNSET", "OK", "ERROR"})


def _json_default(value: Any) -> Any:
    # OTLP bytes values have no JSON form: they are kept as base64 text (tuples and lists
    # are JSON arrays already; anything else becomes its text).
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    return str(value)


# The stdlib encoder, for what orjson does not write as it does (see _dumps).
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_json_default)
# Subclasses of str, int, dict and list, dataclasses and datetimes go to _orjson_default, so
# they are written as json writes them (their text, or their builtin value).
_ORJSON_OPTIONS = (
    orjson.OPT_PASSTHROUGH_SUBCLASS
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
)


_DIGITS = frozenset(b"0123456789")
#: Value types orjson and json write byte for byte alike (orjson refuses integers past 64
#: bits, which then take the stdlib path).
_VERBATIM_TYPES = frozenset({str, int, bool, type(None)})


def _small_float_text(out: bytes) -> bool:
    """Whether ``out`` holds text orjson may write for a float below 1e-4 (``\\de-\\d`` or
    ``0.0000``; a string holding such text takes the slow path too). The same test as that
    regex, ~20x faster: a regex alternation scans byte by byte, ``bytes.find`` skips ahead."""
    # bytes.find, not ``in``: ``in`` first tries its operand as an integer, and raising and
    # clearing that TypeError costs more than the search.
    if out.find(b"0.0000") != -1:
        return True
    at = out.find(b"e-", 1)
    while at != -1:
        if out[at - 1] in _DIGITS and out[at + 2 : at + 3].isdigit():
            return True
        at = out.find(b"e-", at + 2)
    return False


def _orjson_default(value: Any) -> Any:
    # As json writes a subclass of a builtin: its builtin value (bool before int: a subclass).
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list | tuple):
        return list(value)
    return _json_default(value)


def _dumps(value: Any) -> str:
    """Compact JSON of an attribute value, as ``json`` writes it (orjson, ~5× faster).

    The stdlib writes what orjson refuses (keys that are not text, integers past 64 bits,
    circular or very deep values), and any output orjson may spell otherwise: with ``null``
    (orjson writes NaN and infinities so, json ``NaN``) or with a float below 1e-4 (orjson
    ``1e-7`` and ``0.00001``, json ``1e-07`` and ``1e-05``). So the text is json's, byte for
    byte.
    """
    try:
        out = orjson.dumps(value, default=_orjson_default, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError
        return _ENCODER.encode(value)
    if type(value) is dict and _VERBATIM_TYPES.issuperset(map(type, value.values())):
        # No float anywhere (text, integers, booleans, null are written alike by both): no
        # need to scan the text, which is most of a span's bytes (its content).
        return out.decode()
    if out.find(b"null") != -1 or _small_float_text(out):
        return _ENCODER.encode(value)
    return out.decode()


Event = tuple[str, int, Mapping[str, Any]]
Link = tuple[str, str, Mapping[str, Any]]


def _plain_attributes(span: ReadableSpan) -> Mapping[str, Any]:
    """The span's attributes as the SDK holds them. ``ReadableSpan.attributes`` wraps them in
    a read-only proxy over ``BoundedAttributes``, whose iteration is a Python call per key
    (~3 µs of a span's conversion); an ended span's attributes no longer change, so its plain
    dict is read directly where the SDK has one."""
    raw = getattr(span, "_attributes", None)
    if type(raw) is BoundedAttributes:
        return raw._dict
    if type(raw) is dict:
        return raw
    return span.attributes or {}


#: The SDK's span classes, whose fields :meth:`SegmentBuilder.add_span` and the store's span
#: processor read directly (a subclass from elsewhere may override an accessor: it is read
#: through them).
SDK_SPAN_TYPES = frozenset(
    {ReadableSpan, Span, *([sdk_trace._Span] if hasattr(sdk_trace, "_Span") else [])}
)


def hex_trace_id(trace_id: int) -> str:
    """An OTel trace id as the store spells it: 32 lower-case hex digits."""
    return format(trace_id, "032x")


def hex_span_id(span_id: int) -> str:
    """An OTel span id as the store spells it: 16 lower-case hex digits."""
    return format(span_id, "016x")


class SegmentBuilder:
    """Accumulates spans as rows; :meth:`to_table` returns them as one Arrow table.

    >>> builder = SegmentBuilder()
    >>> builder.add(trace_id="0" * 31 + "1", span_id="0" * 15 + "1", parent_span_id=None,
    ...             name="chat m", kind="CLIENT", start_ns=1, end_ns=3, status_code="OK",
    ...             attributes={"gen_ai.operation.name": "chat"})
    >>> builder.to_table().column("operation").to_pylist()
    ['chat']
    """

    def __init__(self) -> None:
        # One tuple per span, turned into columns once in to_table: one append per span
        # instead of one per column.
        self._rows: list[tuple[Any, ...]] = []
        # Per row: whether its attribute and content JSON are orjson's own output (see
        # own_json_since).
        self._own_json: list[bool] = []
        self._resource_cache: dict[int, tuple[Any, str, str | None]] = {}
        self._last_resource: tuple[Any, tuple[str, str | None]] | None = None

    def __len__(self) -> int:
        return len(self._rows)

    def add_spans(self, spans: Iterable[ReadableSpan]) -> None:
        """Add finished OpenTelemetry SDK spans."""
        for span in spans:
            self.add_span(span)

    def add_span(self, span: ReadableSpan) -> str | None:
        """Add one finished OpenTelemetry SDK span; returns its ``operation`` column (None
        when it has none, or when the span has no context and is left out)."""
        if type(span) in SDK_SPAN_TYPES:
            # The SDK's own classes: their fields read directly. Each public accessor is a
            # Python property (``events`` and ``links`` copy into a new tuple), ~3 µs a span.
            fields = span.__dict__
            scope_name: str | None
            scope_version: str | None
            context = fields["_context"]
            start_ns = fields["_start_time"] or 0
            end_ns = fields["_end_time"]
            scope = fields["_instrumentation_scope"]
            status = fields["_status"]
            parent = fields["_parent"]
            name = fields["_name"]
            kind = fields["_kind"]
            resource = fields["_resource"]
            events = fields["_events"]
            links = fields["_links"]
            raw = fields["_attributes"]
            attributes = raw._dict if type(raw) is BoundedAttributes else raw or {}
            # An Enum's ``name`` is a Python-level descriptor; ``_name_`` is what it returns.
            kind_name = kind._name_
            # The SDK's own value classes: their fields too (each accessor is a Python call).
            if type(status) is Status:
                status_name = status._status_code._name_
                status_message = status._description
            else:
                status_name = status.status_code._name_
                status_message = status.description
            if type(scope) is InstrumentationScope:
                scope_name, scope_version = scope._name, scope._version
            elif scope is not None:
                scope_name, scope_version = scope.name, scope.version
            else:
                scope_name = scope_version = None
            # A BoundedList's length is a Python call; its deque's is not.
            if type(events) is BoundedList:
                events = events._dq  # type: ignore[attr-defined]
            if type(links) is BoundedList:
                links = links._dq  # type: ignore[attr-defined]
        else:
            context = span.get_span_context()
            start_ns = span.start_time or 0
            end_ns = span.end_time
            scope = span.instrumentation_scope
            status = span.status
            parent = span.parent
            name = span.name
            kind = span.kind
            resource = span.resource
            events = span.events
            links = span.links
            attributes = _plain_attributes(span) or {}
            kind_name = kind.name
            status_name = status.status_code.name
            status_message = status.description
            scope_name = scope.name if scope is not None else None
            scope_version = scope.version if scope is not None else None
        if context is None:
            return None
        # A provider's spans share one Resource: its row values are looked up once.
        last = self._last_resource
        if last is not None and last[0] is resource:
            resource_row = last[1]
        else:
            resource_row = self._resource(resource.attributes)
            self._last_resource = (resource, resource_row)
        # A SpanContext is a tuple (trace id, span id, ...): its ``trace_id`` and ``span_id``
        # properties are Python calls that index it.
        if type(context) is SpanContext:
            trace_int, span_int = context[0], context[1]
        else:
            trace_int, span_int = context.trace_id, context.span_id
        if not parent:
            parent_int = None
        elif type(parent) is SpanContext:
            parent_int = parent[1]
        else:
            parent_int = parent.span_id
        try:
            # As hex_trace_id and hex_span_id write them, at half the cost of format().
            trace_id = trace_int.to_bytes(16, "big").hex()
            span_id = span_int.to_bytes(8, "big").hex()
            parent_id = parent_int.to_bytes(8, "big").hex() if parent_int is not None else None
        except OverflowError:  # an id out of range (negative, too long): as format() has it
            trace_id = hex_trace_id(trace_int)
            span_id = hex_span_id(span_int)
            parent_id = hex_span_id(parent_int) if parent_int is not None else None
        return self._add(
            trace_id,
            span_id,
            parent_id,
            name,
            kind_name,
            start_ns,
            end_ns or start_ns,
            status_name,
            status_message,
            attributes,
            resource_row,
            scope_name,
            scope_version,
            [(event.name, event.timestamp, event.attributes or {}) for event in events]
            if events
            else (),
            [
                (
                    hex_trace_id(link.context.trace_id),
                    hex_span_id(link.context.span_id),
                    link.attributes or {},
                )
                for link in links
            ]
            if links
            else (),
            False,
        )

    def add_otlp_spans(self, spans: Iterable[OtlpSpan]) -> None:
        """Add spans given as :class:`~tracekit.otlp.OtlpSpan` (OTLP receiver, trace files)."""
        for span in spans:
            self.add_otlp(span)

    def add_otlp(self, span: OtlpSpan) -> None:
        """Add one :class:`~tracekit.otlp.OtlpSpan`. Spans that share one ``resource`` dict
        have it scrubbed and encoded once."""
        self._add(
            span.trace_id,
            span.span_id,
            span.parent_span_id,
            span.name,
            span.kind,
            span.start_ns,
            span.end_ns,
            span.status_code,
            span.status_message,
            span.attributes,
            self._resource(span.resource),
            span.scope_name,
            span.scope_version,
            [(event.name, event.time_ns, event.attributes) for event in span.events],
            [(link.trace_id, link.span_id, link.attributes) for link in span.links],
            True,
        )

    def add_resource_spans(self, resource_spans: Iterable[ResourceSpans]) -> None:
        """Add every span of OTLP protobuf ``ResourceSpans`` (the receiver's path): the same
        conversion as :meth:`add_otlp` of what
        :func:`~tracekit.otlp.decode.spans_from_resource_spans` yields, without building the
        intermediate objects. Raises OtlpFormatError like it for a malformed span; the spans
        before it stay added."""
        from tracekit.otlp.decode import span_fields_from_resource_spans

        self.add_span_fields(span_fields_from_resource_spans(resource_spans))

    def add_span_fields(self, spans: Iterable[SpanFields]) -> None:
        """Add spans given as :data:`~tracekit.otlp.decode.SpanFields` tuples (what
        :meth:`add_resource_spans` converts; the receiver decodes them itself)."""
        add = self._add
        resource_of = self._resource
        # The spans of one resource share its dict: its row values are looked up once a run.
        last_resource: Any = None
        resource_row: tuple[str, str | None] = ("", None)
        for (
            trace_id,
            span_id,
            parent_span_id,
            name,
            kind,
            start_ns,
            end_ns,
            status_code,
            status_message,
            attributes,
            resource,
            scope_name,
            scope_version,
            events,
            links,
        ) in spans:
            if resource is not last_resource:
                resource_row, last_resource = resource_of(resource), resource
            add(
                trace_id,
                span_id,
                parent_span_id,
                name,
                kind,
                start_ns,
                end_ns,
                status_code,
                status_message,
                attributes,
                resource_row,
                scope_name,
                scope_version,
                events,
                links,
                True,
            )

    def add(
        self,
        *,
        trace_id: str,
        span_id: str,
        parent_span_id: str | None,
        name: str,
        kind: str,
        start_ns: int,
        end_ns: int,
        status_code: str,
        status_message: str | None = None,
        attributes: Mapping[str, Any] | None = None,
        resource: Mapping[str, Any] | None = None,
        scope_name: str | None = None,
        events: Sequence[Event] = (),
        scope_version: str | None = None,
        links: Sequence[Link] = (),
    ) -> None:
        """Add one span given as plain values (ids as lower-case hex; kind and status code as
        their OTel names). This is the entry point for spans that do not come from the SDK."""
        self._add(
            trace_id,
            span_id,
            parent_span_id,
            name,
            kind,
            start_ns,
            end_ns,
            status_code,
            status_message,
            attributes or {},
            self._resource_uncached(resource or {}),
            scope_name,
            scope_version,
            events,
            links,
            True,
        )

    def _resource(self, attributes: Mapping[str, Any]) -> tuple[str, str | None]:
        # One Resource object is shared by every span of a provider: scrub and encode it once.
        cached = self._resource_cache.get(id(attributes))
        if cached is not None and cached[0] is attributes:
            return cached[1], cached[2]
        encoded, service = self._resource_uncached(attributes)
        self._resource_cache[id(attributes)] = (attributes, encoded, service)
        return encoded, service

    @staticmethod
    def _resource_uncached(attributes: Mapping[str, Any]) -> tuple[str, str | None]:
        clean = _clean_attributes(attributes, True)
        return _dumps(clean), _text(clean.get(sc.SERVICE_NAME))

    def _add(
        self,
        trace_id: str,
        span_id: str,
        parent_span_id: str | None,
        name: str,
        kind: str,
        start_ns: int,
        end_ns: int,
        status_code: str,
        status_message: str | None,
        attributes: Mapping[str, Any],
        resource_json_and_service: tuple[str, str | None],
        scope_name: str | None,
        scope_version: str | None,
        events: Sequence[Event],
        links: Sequence[Link],
        nested: bool,
    ) -> str | None:
        # Positional parameters: this runs once per span on every ingest path, and a call
        # with sixteen keywords costs measurably more.
        # SDK attributes are flat (str, bool, int, float and sequences of them); OTLP's may
        # nest key-value lists and arrays, which need a deeper scrub.
        keys = tuple(attributes)
        shape = _shapes.get(keys)
        if shape is None:
            shape = shape_of(keys)
        # Our own spans (and any other whose shape allows it) are converted by position; the
        # rest, and any span the plan cannot take as it is, key by key below.
        planned: _Planned | None = None
        if shape.plannable and type(attributes) is dict:
            values = tuple(attributes.values())
            kinds = tuple(map(type, values))
            plan = shape.plans.get(kinds, _UNPLANNED)
            if plan is _UNPLANNED:
                plan = plan_for(shape, keys, kinds)
            if plan is not None:
                planned = _by_plan(plan, attributes, values)
        own: Sequence[Any]
        attributes_json: str | None
        content_json: str | None
        if planned is not None:
            own, recorded_cost, attributes_json, content_json = planned
            clean: dict[str, Any] = {}
            content: dict[str, Any] = {}
        else:
            content_keys, text_slots, int_slots, _, _, plain_keys, _, _ = shape
            # Cleaning keeps every key: the shape of the attributes is the shape of what is
            # kept.
            clean = (
                _clean_values(attributes, nested)
                if plain_keys
                else _clean_attributes(attributes, nested)
            )
            # In the span's own order, not a set's: the stored JSON is the same bytes in every
            # process (string hashes, and so set order, differ between processes).
            content = {key: clean.pop(key) for key in content_keys} if content_keys else {}
            slots: list[Any] = [None] * 14
            for key, slot in text_slots:
                value = clean[key]
                slots[slot] = value if isinstance(value, str) and value != "" else None
            for key, slot in int_slots:
                slots[slot] = _int(clean[key])
            own = slots
            recorded_cost = clean.get(sc.TRACEKIT_COST_USD)
            attributes_json = content_json = None
        (
            operation,
            workflow,
            agent,
            response_model,
            provider,
            tool,
            input_tokens,
            output_tokens,
            cache_read_tokens,
            cache_creation_tokens,
            request_model,
            agent_path,
            error_type,
            cache_write_tokens,
        ) = own
        if agent is None and agent_path is not None:
            agent = agent_path.rsplit("/", 1)[-1] or None
        model = response_model or request_model
        if cache_creation_tokens is None:
            cache_creation_tokens = cache_write_tokens
        promoted: Promoted = (
            operation,
            workflow,
            agent,
            model,
            provider,
            tool,
            input_tokens,
            output_tokens,
            cache_read_tokens,
            cache_creation_tokens,
        )
        # Spans of other conventions (older GenAI semconv, OpenInference, OpenLLMetry) fill
        # the promoted columns from their own names; ours skip this after one set test.
        if planned is None and shape.foreign and (operation is None or not shape.own_markers_only):
            promoted = promote_foreign(clean, name, promoted, content, parent_span_id is None)
            (
                operation,
                workflow,
                agent,
                model,
                provider,
                tool,
                input_tokens,
                output_tokens,
                cache_read_tokens,
                cache_creation_tokens,
            ) = promoted
        resource_json, service_name = resource_json_and_service

        events_json = (
            _dumps(
                [
                    {
                        "name": scrub_text(event_name),
                        "time_ns": time_ns,
                        "attributes": _clean_attributes(event_attributes, nested),
                    }
                    for event_name, time_ns, event_attributes in events
                ]
            )
            if events
            else None
        )
        links_json = (
            _dumps(
                [
                    {
                        "trace_id": link_trace,
                        "span_id": link_span,
                        "attributes": _clean_attributes(attrs, nested),
                    }
                    for link_trace, link_span, attrs in links
                ]
            )
            if links
            else None
        )
        # Every value is computed before the row is appended: a span that fails to convert
        # adds nothing.
        duration = end_ns - start_ns
        if not (
            _INT64_MIN <= start_ns <= _INT64_MAX
            and _INT64_MIN <= end_ns <= _INT64_MAX
            and duration <= _INT64_MAX
        ):
            # No column holds it, and the whole table would fail on it: a malformed span
            # (ValueError: what every caller takes for a span that cannot be stored).
            raise ValueError(
                f"span {name!r}: its times ({start_ns}, {end_ns} ns) are past what the store holds"
            )
        self._rows.append(
            (
                trace_id,
                span_id,
                parent_span_id,
                # An SDK span's name repeats on every span of its kind: after its first sight,
                # one set test says scrubbing leaves it as it is (names from OTLP, which may
                # hold ids, are not remembered there: they would crowd out attribute texts).
                name
                if name in _UNCHANGED or (not nested and texts_unchanged((name,)))
                else scrub_text(name),
                kind if kind in _KINDS else "INTERNAL",
                start_ns,
                end_ns,
                duration if duration > 0 else 0,
                status_code if status_code in _STATUS_CODES else "UNSET",
                scrub_text(status_message) if status_message else None,
                service_name,
                scope_name,
                operation,
                workflow,
                agent,
                agent_path,
                model,
                provider,
                tool,
                input_tokens,
                output_tokens,
                cache_read_tokens,
                cache_creation_tokens,
                # A recorded float is the cost as it is (_cost's first case, without its call).
                recorded_cost if type(recorded_cost) is float else _cost(recorded_cost, promoted),
                error_type,
                _dumps(clean) if attributes_json is None else attributes_json,
                resource_json,
                events_json,
                scope_version or None,
                links_json,
                (_dumps(content) if content else None) if planned is None else content_json,
            )
        )
        self._own_json.append(planned is not None)
        return operation if isinstance(operation, str) else None

    def keep_first(self, count: int) -> None:
        """Forget every row after the first ``count``."""
        del self._rows[count:]
        del self._own_json[count:]

    def take_table(self) -> pa.Table:
        """Every row as one Arrow table (see :meth:`to_table`), then forget them (the
        caches stay: the next rows are the same provider's)."""
        table = rows_to_table(self._rows)
        self._rows = []
        self._own_json = []
        return table

    def rows_since(self, start: int) -> list[Row]:
        """The rows added after the first ``start`` (each a tuple in segment column order)."""
        return self._rows[start:]

    def own_json_since(self, start: int) -> list[bool]:
        """For each row after the first ``start``: whether its ``attributes`` and ``content``
        JSON were written by orjson from plain values (a span converted by its plan), so that
        ``orjson.dumps(orjson.loads(text))`` gives the text back byte for byte. The JSON of
        the other rows took the stdlib's spelling somewhere (a float below 1e-4, NaN, an
        integer past 64 bits), which a parse would not give back."""
        return self._own_json[start:]

    def to_table(self) -> pa.Table:
        """The collected spans as an Arrow table with the segment schema."""
        return rows_to_table(self._rows)


#: One span as a segment row: its values in :data:`SEGMENT_SCHEMA` column order.
Row = tuple[Any, ...]


def rows_to_table(rows: Sequence[Row]) -> pa.Table:
    """Rows made by :class:`SegmentBuilder` (or read back from a journal) as one Arrow table
    with the segment schema."""
    names = SEGMENT_SCHEMA.names
    if not rows:
        return SEGMENT_SCHEMA.empty_table()
    try:
        columns = zip(*rows, strict=True)
        return pa.Table.from_pydict(dict(zip(names, columns, strict=True)), schema=SEGMENT_SCHEMA)
    except (UnicodeEncodeError, OverflowError):
        # A lone surrogate (``"caf\udce9"``, from a bytes value decoded with
        # surrogateescape or a JSON ``\udce9`` escape) has no UTF-8 form, and a token count
        # past 64 bits no column. Only then is every value scanned: the common batch pays
        # nothing for it.
        columns = zip(*[_valid_row(row) for row in rows], strict=True)
        return pa.Table.from_pydict(dict(zip(names, columns, strict=True)), schema=SEGMENT_SCHEMA)


def valid_text(text: str) -> str:
    r"""``text`` with every lone surrogate replaced by U+FFFD (a surrogate pair becomes the
    character it encodes), so it can be stored as UTF-8.

    >>> valid_text("caf\udce9") == "caf\ufffd", valid_text("\ud83d\ude00") == "\U0001f600"
    (True, True)
    """
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


#: The token count columns, and the counts they hold: a count outside fills none (it stays in
#: the span's attributes, as given), as a count that is not a number does.
_COUNT_COLUMNS = frozenset(
    SEGMENT_SCHEMA.get_field_index(name)
    for name in ("input_tokens", "output_tokens", "cache_read_tokens", "cache_creation_tokens")
)
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


def _valid_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(
        valid_text(value)
        if isinstance(value, str)
        else None
        if at in _COUNT_COLUMNS and value is not None and not _INT64_MIN <= value <= _INT64_MAX
        else value
        for at, value in enumerate(row)
    )


_UNPLANNED: Any = object()
_INFINITY = float("inf")


#: What :func:`_by_plan` gives: the promoted slots, the recorded cost, the attribute JSON
#: and the content JSON (None: no content).
_Planned = tuple[tuple[Any, ...], Any, str, str | None]


def _by_plan(plan: Plan, attributes: dict[str, Any], values: tuple[Any, ...]) -> _Planned | None:
    """A span's promoted slots, recorded cost, attribute JSON and content JSON, converted by
    its plan; None when the span needs the general path (a text that scrubbing changes, an
    empty text in a column, a float or an integer that orjson writes otherwise). The plan
    is taken only when the row comes out byte for byte as the general path writes it."""
    texts, sequences, floats, content_keys, own_of, cost_at = plan
    if texts is not None:
        picked = texts(values)
        # Most texts were seen before: one set test in C says so (see texts_unchanged).
        if not (_UNCHANGED.issuperset(picked) or texts_unchanged(picked)):
            return None
        if "" in picked:  # an empty text fills no column: the general path says None
            return None
    if sequences is not None:
        for sequence in sequences(values):
            if not texts_unchanged(sequence):
                return None
    if floats is not None:
        for number in floats(values):
            # Below 1e-4 orjson writes ``1e-5`` as ``0.00001`` (json ``1e-05``), and NaN and
            # the infinities as ``null``; every other float both write alike.
            if not (1e-4 <= abs(number) < _INFINITY or number == 0.0):
                return None
    padded = (*values, None)
    # Scrubbing changes no value: what is kept is the span's own values, less its content.
    try:
        if content_keys:
            content_json = orjson.dumps({key: attributes[key] for key in content_keys}).decode()
            rest = attributes.copy()
            for key in content_keys:
                del rest[key]
            attributes_json = orjson.dumps(rest).decode()
        else:
            content_json = None
            attributes_json = orjson.dumps(attributes).decode()
    except TypeError:  # orjson.JSONEncodeError: an integer past 64 bits
        return None
    return own_of(padded), padded[cost_at], attributes_json, content_json


_default_prices: PriceTable | None = None


def _cost(recorded: Any, promoted: Promoted) -> float | None:
    """The span's cost: as recorded (our own spans are priced at the source), else, for a
    model call with a known model and token counts (spans from other apps), from the default
    price table."""
    cost = _float(recorded)
    if cost is not None:
        return cost
    operation, _, _, model, _, _, tokens_in, tokens_out, cached, written = promoted
    if operation not in sc.LLM_OPERATIONS or model is None or tokens_in is None:
        return None
    global _default_prices
    if _default_prices is None:
        _default_prices = PriceTable.default()
    return _default_prices.cost(
        model,
        input_tokens=tokens_in,
        output_tokens=tokens_out or 0,
        cache_read_tokens=cached or 0,
        cache_creation_tokens=written or 0,
    )


def spans_to_table(spans: Iterable[ReadableSpan]) -> pa.Table:
    """Convert finished SDK spans to one segment table."""
    builder = SegmentBuilder()
    builder.add_spans(spans)
    return builder.to_table()
