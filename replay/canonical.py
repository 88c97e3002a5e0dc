"""Canonical JSON: the form recorded and replayed requests are compared in.

Keys are sorted, secrets are scrubbed, and volatile fields are removed: tool-call ids are
minted by the model (they pair a call with its result and say nothing about behaviour), so
they are dropped from message parts; everything else is kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from tracekit.otlp.values import parse_json
from tracekit.scrub import scrub_value

#: Keys dropped anywhere inside message parts: ids minted per call, not chosen by the agent.
VOLATILE_PART_KEYS = frozenset({"id"})
_PART_TYPES = frozenset({"tool_call", "tool_call_response"})


def both_nan(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` are both the float NaN, which ``==`` calls different: Python's
    JSON spells it ``NaN``, and a value that is NaN in both runs has not changed."""
    return a.__class__ is float and b.__class__ is float and a != a and b != b


def same_value(a: Any, b: Any) -> bool:
    """``a == b`` for parsed JSON values, except that NaN equals NaN (see :func:`both_nan`).

    >>> same_value({"score": float("nan")}, {"score": float("nan")}), same_value([1], [2])
    (True, False)
    """
    if a == b:
        return True
    if both_nan(a, b):
        return True
    if a.__class__ is not b.__class__:
        return False
    if a.__class__ is dict:
        return a.keys() == b.keys() and all(same_value(a[key], b[key]) for key in a)
    if a.__class__ is list or a.__class__ is tuple:
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    return False


def normalize(value: Any) -> Any:
    """``value`` with secrets scrubbed and volatile message-part fields removed."""
    return _strip_volatile(scrub_value(value))


def normalize_text(raw: str) -> Any:
    """``normalize(parse_json(raw))`` for an attribute's JSON text, without walking a value
    that cannot hold a volatile field: a key ``"id"`` is spelt so in the text (or with a
    ``\\u`` escape), and tool definitions, the largest requests, mostly have none. The
    value is freshly parsed, so it is the result as it is."""
    value = parse_json(raw)
    if '"id"' in raw or "\\u" in raw:
        # The parse is ours and holds only dicts, lists and leaves (no tuples to turn into
        # lists, nothing shared): its volatile keys are dropped where they are, not by
        # copying every container. scrub_value changes only top-level text.
        _strip_volatile_parsed(value)
    # scrub_value copies a list it scrubs.
    return scrub_value(value)


_CONTAINERS = (dict, list, tuple)


def _strip_volatile_parsed(value: Any) -> None:
    """``_strip_volatile`` of freshly parsed JSON, done in place (same keys, same order)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if item.__class__ is dict:
            kind = item.get("type")
            if kind.__class__ is str and kind in _PART_TYPES:
                for key in VOLATILE_PART_KEYS:
                    item.pop(key, None)
            for inner in item.values():
                if inner.__class__ is dict or inner.__class__ is list:
                    pending.append(inner)
        elif item.__class__ is list:
            for inner in item:
                if inner.__class__ is dict or inner.__class__ is list:
                    pending.append(inner)


def _strip_volatile(value: Any) -> Any:
    if isinstance(value, dict):
        kind = value.get("type")
        # Only text names a part type (a list there would not even hash).
        volatile = isinstance(kind, str) and kind in _PART_TYPES
        # Leaves are taken as they are without a call each: this walks every message of
        # every recorded and replayed request.
        return {
            key: _strip_volatile(item) if isinstance(item, _CONTAINERS) else item
            for key, item in value.items()
            if not (volatile and key in VOLATILE_PART_KEYS)
        }
    if isinstance(value, list | tuple):
        return [_strip_volatile(item) if isinstance(item, _CONTAINERS) else item for item in value]
    return value


def canonical_json(value: Any) -> str:
    """Sorted-key compact JSON of ``normalize(value)``."""
    return json.dumps(
        normalize(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def canonical_messages(messages: Any) -> Any:
    """Semconv chat messages in one spelling, whichever instrumentation wrote them.

    The Anthropic SDK records a tool result as a ``user`` message whose response is a list of
    text blocks (its wire format); tracekit's own spans use a ``tool`` message with the result
    itself. Both mean the same request, so both become the latter.
    """
    if not isinstance(messages, list):
        return normalize(messages)
    return _canonical_messages(normalize(messages))


def canonical_messages_text(raw: str) -> Any:
    """``canonical_messages(parse_json(raw))`` for an attribute's JSON text (see
    :func:`normalize_text`)."""
    messages = normalize_text(raw)
    return _canonical_messages(messages) if isinstance(messages, list) else messages


def _canonical_messages(messages: list[Any]) -> list[Any]:
    return [_canonical_message(message) for message in messages]


def _canonical_message(message: Any) -> Any:
    if not isinstance(message, dict):
        return message
    parts = message.get("parts")
    if not isinstance(parts, list) or not parts:
        return message
    if _all_tool_responses(parts):
        return {
            **message,
            "role": "tool",
            "parts": [{**p, "response": _unwrap_text_blocks(p.get("response"))} for p in parts],
        }
    return message


def _all_tool_responses(parts: list[Any]) -> bool:
    """Whether every part is a tool response (a loop: this runs for every message of every
    recorded request, and most answer no at their first part)."""
    for part in parts:
        if not (isinstance(part, dict) and part.get("type") == "tool_call_response"):
            return False
    return True


def _unwrap_text_blocks(response: Any) -> Any:
    if not (
        isinstance(response, list)
        and response
        and all(isinstance(b, dict) and b.get("type") == "text" for b in response)
    ):
        return response
    text = "".join(str(b.get("text", b.get("content", ""))) for b in response)
    return parse_json(text)


#: What a masked match is shown as, in both the recorded and the replayed value.
IGNORED = "\u2039ignored\u203a"


def mask(value: Any, patterns: Sequence[re.Pattern[str]]) -> Any:
    """``value`` with every match of ``patterns`` in its strings (keys too) replaced by
    :data:`IGNORED`."""
    if not patterns:
        return value
    if isinstance(value, str):
        for pattern in patterns:
            value = pattern.sub(IGNORED, value)
        return value
    if isinstance(value, dict):
        return {mask(key, patterns): mask(item, patterns) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask(item, patterns) for item in value]
    return value


def compile_masks(patterns: Sequence[str] | None) -> list[re.Pattern[str]]:
    """The ``ignore=`` regexes compiled; a bad one raises ``ValueError`` naming it."""
    compiled: list[re.Pattern[str]] = []
    for pattern in patterns or ():
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise ValueError(
                f"ignore pattern {pattern!r} is not a regular expression: {exc}"
            ) from exc
    return compiled
