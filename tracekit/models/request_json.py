"""The JSON forms of a model request, assembled from per-message pieces made once.

A conversation grows by a message or two per turn and every turn's request repeats the ones
before it, the tool list and the settings. Dumping the whole request again on every call (for
its cache key, for ``gen_ai.input.messages``) cost more than the offline model's answer. The
pieces here are pydantic's own JSON of each message and tool, made once per object and joined,
so the result is byte for byte what ``model_dump_json`` gives for the whole (a test pins it).

Messages and tool specs are frozen pydantic models, so a piece made once stays right. Pieces
are kept by object identity, each with its object, so an id cannot be reused while its entry
lives; the caches are bounded.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from pydantic_core import SchemaSerializer

from tracekit.models.messages import ChatMessage

_MAX_ENTRIES = 8192
_EXCLUDE_FINISH_REASON = {"finish_reason"}

# id(model) -> (model, its JSON with None fields left out)
_key_json: dict[int, tuple[BaseModel, bytes]] = {}
# id(message) -> (message, its JSON as an input message: None fields and finish_reason left out)
_input_json: dict[int, tuple[BaseModel, str]] = {}
# tuple of ids -> (the objects, their key JSON joined with commas)
_joined: dict[tuple[int, ...], tuple[tuple[BaseModel, ...], bytes]] = {}
# (model, system, max_tokens, temperature) -> (request JSON before the messages, after the tools)
_frames: dict[tuple[Any, ...], tuple[bytes, bytes]] = {}
_lock = threading.Lock()

_EMPTY_LISTS = b'"messages":[],"tools":[]'
_MESSAGE_SERIALIZER = ChatMessage.__pydantic_serializer__


def _bounded_put(cache: dict[Any, Any], key: Any, value: Any) -> None:
    with _lock:
        if len(cache) >= _MAX_ENTRIES:
            cache.clear()
        cache[key] = value


def key_json(model: BaseModel, serializer: SchemaSerializer) -> bytes:
    """The JSON of ``model`` with None fields left out, as UTF-8, made once per object.

    ``serializer`` is the declared type's (a subclass instance in a list of the base type is
    dumped with the base type's fields, as pydantic dumps the list)."""
    entry = _key_json.get(id(model))
    if entry is not None and entry[0] is model:
        return entry[1]
    encoded = serializer.to_json(model, exclude_none=True)
    _bounded_put(_key_json, id(model), (model, encoded))
    return encoded


def joined_key_json(models: Sequence[BaseModel], serializer: SchemaSerializer) -> bytes:
    """The :func:`key_json` of ``models`` joined with commas (a JSON array's inside), made
    once per list of the same objects."""
    if not models:
        return b""
    ids = tuple(id(m) for m in models)
    entry = _joined.get(ids)
    if entry is not None and all(a is b for a, b in zip(entry[0], models, strict=True)):
        return entry[1]
    encoded = b",".join([key_json(m, serializer) for m in models])
    _bounded_put(_joined, ids, (tuple(models), encoded))
    return encoded


def input_message_json(message: BaseModel) -> str:
    """One message as ``gen_ai.input.messages`` holds it: None fields and ``finish_reason``
    left out (only output messages carry it)."""
    entry = _input_json.get(id(message))
    if entry is not None and entry[0] is message:
        return entry[1]
    encoded = _MESSAGE_SERIALIZER.to_json(
        message, exclude_none=True, exclude=_EXCLUDE_FINISH_REASON
    ).decode()
    _bounded_put(_input_json, id(message), (message, encoded))
    return encoded


def input_messages_json(messages: Sequence[BaseModel]) -> str:
    """A message list as ``gen_ai.input.messages`` holds it (a JSON array)."""
    return "[" + ",".join([input_message_json(m) for m in messages]) + "]"


def output_message_json(message: ChatMessage) -> str:
    """``gen_ai.output.messages`` of one answer: a list of the message, None fields left out
    (``messages_json([message], output=True)``), made once per message object."""
    return "[" + key_json(message, _MESSAGE_SERIALIZER).decode() + "]"


def request_json(request: Any, tool_serializer: SchemaSerializer) -> bytes:
    """``request.model_dump_json(exclude_none=True)`` of a ``ModelRequest``, as UTF-8, from
    its pieces: each distinct set of its other fields is dumped once, with empty message and
    tool lists, and cut where those go (its fields are ``model``, ``system``, ``messages``,
    ``tools``, ``max_tokens``, ``temperature``, in that order)."""
    temperature = request.temperature
    # repr tells -0.0 from 0.0 (equal as keys, different in JSON).
    frame = (request.model, request.system, request.max_tokens, repr(temperature))
    cut = _frames.get(frame)
    if cut is None:
        empty = request.model_copy(update={"messages": [], "tools": []})
        whole = empty.__pydantic_serializer__.to_json(empty, exclude_none=True)
        # A string value cannot hold the marker: its quotes would be escaped.
        at = whole.index(_EMPTY_LISTS)
        cut = (whole[:at], whole[at + len(_EMPTY_LISTS) :])
        _bounded_put(_frames, frame, cut)
    head, tail = cut
    return b"".join(
        (
            head,
            b'"messages":[',
            b",".join([key_json(m, _MESSAGE_SERIALIZER) for m in request.messages]),
            b'],"tools":[',
            joined_key_json(request.tools, tool_serializer),
            b"]",
            tail,
        )
    )
