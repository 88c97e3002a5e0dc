"""What the converter knows of a span from its attribute keys, and value types, alone.

Spans of one kind repeat their attribute keys exactly, in the same order, and (for spans an
instrumentation writes, ours above all) their values' types too. So what those decide is
worked out once and remembered:

- a :class:`Shape`, by the keys: which keys are content, which fill a promoted column,
  whether foreign conventions' markers are there, whether a key names a secret;
- a :class:`Plan`, by the keys and the types, for the spans the common path converts: where
  the texts are, which values are content and which stay, which fill each promoted column.
  With it a span is converted by position (a handful of C calls) instead of key by key.

A plan is used only when it changes nothing in what is stored: no key names a secret, no text
is changed by scrubbing (:func:`~tracekit.scrub.texts_unchanged`), no value is one that the
JSON encoders spell differently, and no foreign convention's columns need filling. Every other
span takes the general path, which the plan's rows equal byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any, NamedTuple

from tracekit import semconv as sc
from tracekit.scrub import is_secret_key

# Our agent and workflow spans repeat their payload under OpenInference's names (for
# Phoenix): content too, kept beside the rest.
CONTENT_ATTRIBUTES = sc.CONTENT_ATTRIBUTES | {
    sc.INPUT_VALUE,
    sc.OUTPUT_VALUE,
    sc.INPUT_MIME_TYPE,
    sc.OUTPUT_MIME_TYPE,
}

#: The foreign markers our own spans carry (for Arize Phoenix); with an operation set they
#: are no reason to look further.
OWN_MARKERS_ONLY = frozenset({sc.OPENINFERENCE_SPAN_KIND, sc.INPUT_VALUE, sc.OUTPUT_VALUE})

# Our own attributes read into columns, by slot (in the order the converter unpacks them):
# text ones, then counts. A span's shape lists those it has.
OWN_TEXT_SLOTS = {
    sc.GEN_AI_OPERATION_NAME: 0,
    sc.GEN_AI_WORKFLOW_NAME: 1,
    sc.GEN_AI_AGENT_NAME: 2,
    sc.GEN_AI_RESPONSE_MODEL: 3,
    sc.GEN_AI_PROVIDER_NAME: 4,
    sc.GEN_AI_TOOL_NAME: 5,
    sc.GEN_AI_REQUEST_MODEL: 10,
    sc.TRACEKIT_AGENT_PATH: 11,
    sc.ERROR_TYPE: 12,
}
OWN_INT_SLOTS = {
    sc.GEN_AI_USAGE_INPUT_TOKENS: 6,
    sc.GEN_AI_USAGE_OUTPUT_TOKENS: 7,
    sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: 8,
    sc.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: 9,
    sc.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS: 13,
}
OWN_SLOTS = 14

#: Picks values out of a span's value tuple, always as a tuple.
Picker = Callable[[tuple[Any, ...]], tuple[Any, ...]]


class Plan(NamedTuple):
    """How to convert a span of one shape whose values have one tuple of types."""

    #: The text values (None: there are none, nor below).
    texts: Picker | None
    #: The sequence values (each must hold only texts that scrubbing leaves alone).
    sequences: Picker | None
    #: The float values (each must be one both JSON encoders write alike).
    floats: Picker | None
    #: The content keys, in the span's order.
    content_keys: tuple[str, ...]
    #: The promoted slots' values, from the span's values with one ``None`` appended.
    own: Picker
    #: Where ``tracekit.cost.usd`` is in the values with ``None`` appended.
    cost_at: int


class Shape(NamedTuple):
    """What a span's attribute keys alone decide (see the module docstring)."""

    content_keys: tuple[str, ...]
    text_slots: tuple[tuple[str, int], ...]
    int_slots: tuple[tuple[str, int], ...]
    foreign: bool
    own_markers_only: bool
    #: No key names a secret: the values are scrubbed without judging a key again.
    plain_keys: bool
    #: The plans by value types (None: that tuple of types takes the general path); empty
    #: and unused when no span of this shape can take a plan.
    plans: dict[tuple[type, ...], Plan | None]
    plannable: bool


_shapes: dict[tuple[str, ...], Shape] = {}
#: Shapes remembered at most (keys from elsewhere may vary without bound).
SHAPES_SIZE = 1024
#: Plans remembered per shape (types from elsewhere may vary too).
PLANS_PER_SHAPE = 8


def shape_of(keys: tuple[str, ...]) -> Shape:
    """The shape of a span with attribute ``keys`` (worked out once, then remembered)."""
    shape = _shapes.get(keys)
    if shape is not None:
        return shape
    present = frozenset(keys)
    foreign = not sc.FOREIGN_MARKERS.isdisjoint(present)
    own_markers_only = OWN_MARKERS_ONLY.issuperset(sc.FOREIGN_MARKERS & present)
    plain_keys = all(type(key) is str and not is_secret_key(key) for key in keys)
    shape = Shape(
        tuple(key for key in keys if key in CONTENT_ATTRIBUTES),
        # A content key fills no column (it is split off first).
        tuple(
            (key, OWN_TEXT_SLOTS[key])
            for key in keys
            if key in OWN_TEXT_SLOTS and key not in CONTENT_ATTRIBUTES
        ),
        tuple(
            (key, OWN_INT_SLOTS[key])
            for key in keys
            if key in OWN_INT_SLOTS and key not in CONTENT_ATTRIBUTES
        ),
        foreign,
        own_markers_only,
        plain_keys,
        {},
        # A foreign span's columns are filled from its foreign names (the general path),
        # unless its only markers are ours and it names its operation.
        plain_keys and (not foreign or (own_markers_only and sc.GEN_AI_OPERATION_NAME in present)),
    )
    if len(_shapes) >= SHAPES_SIZE:
        _shapes.clear()
    _shapes[keys] = shape
    return shape


#: Value types a plan handles; any other (bytes, a mapping, a subclass) takes the general path.
_TEXT = str
_SEQUENCES = frozenset({tuple, list})
_VERBATIM = frozenset({int, bool, type(None)})


def plan_for(shape: Shape, keys: tuple[str, ...], kinds: tuple[type, ...]) -> Plan | None:
    """The plan for spans of ``shape`` (with ``keys``) whose values have types ``kinds``
    (worked out once, then remembered); None when such spans take the general path."""
    plans = shape.plans
    if kinds in plans:
        return plans[kinds]
    plan = _make_plan(shape, keys, kinds)
    if len(plans) >= PLANS_PER_SHAPE:
        plans.clear()
    plans[kinds] = plan
    return plan


def _make_plan(shape: Shape, keys: tuple[str, ...], kinds: tuple[type, ...]) -> Plan | None:
    if not shape.plannable or len(kinds) != len(keys):
        return None
    texts: list[int] = []
    sequences: list[int] = []
    floats: list[int] = []
    for at, kind in enumerate(kinds):
        if kind is _TEXT:
            texts.append(at)
        elif kind in _SEQUENCES:
            sequences.append(at)
        elif kind is float:
            floats.append(at)
        elif kind not in _VERBATIM:
            return None
    missing = len(keys)  # the None appended to the values
    own = [missing] * OWN_SLOTS
    for key, slot in shape.text_slots:
        at = keys.index(key)
        if kinds[at] is _TEXT:
            own[slot] = at
    for key, slot in shape.int_slots:
        at = keys.index(key)
        if kinds[at] is int:
            own[slot] = at
        elif kinds[at] is float:
            return None  # a count given as a float is made an int: the general path does
    if shape.foreign and kinds[keys.index(sc.GEN_AI_OPERATION_NAME)] is not _TEXT:
        # No operation text beside the foreign markers: the general path fills the columns
        # from the foreign names (an empty text is sent there by _by_plan).
        return None
    cost_at = keys.index(sc.TRACEKIT_COST_USD) if sc.TRACEKIT_COST_USD in keys else missing
    return Plan(
        picker(texts) if texts else None,
        picker(sequences) if sequences else None,
        picker(floats) if floats else None,
        shape.content_keys,
        picker(own),
        cost_at,
    )


def picker(positions: list[int]) -> Picker:
    """A callable picking the values at ``positions`` (at least one) out of a tuple, always
    as a tuple."""
    if len(positions) == 1:
        # itemgetter of one position returns the value itself: picked twice it is a tuple
        # (a set test sees the value once; a check of each value checks it twice).
        return itemgetter(positions[0], positions[0])
    return itemgetter(*positions)
