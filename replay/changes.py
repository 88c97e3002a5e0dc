"""Per-field changes between a recorded value and a replayed one, as the report shows them.

Dicts are compared key by key and equal-length lists item by item, down to the innermost
differing value. A list of named items (tool definitions: dicts with a ``name``) is compared
by name instead, so an added tool is one ``added`` change, not every later tool shifted by one.

>>> [c.field for c in value_changes("tools", [{"name": "a"}], [{"name": "a"}, {"name": "b"}])]
['tools[b]']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel

from replay.canonical import both_nan

ChangeKind = Literal["changed", "added", "removed"]


class FieldChange(BaseModel):
    """A field that differs: its path, the recorded value and the replayed one.

    ``change`` is ``added`` (only the replay has it), ``removed`` (only the recording has it)
    or ``changed``; ``kind`` is what the field is about: the ``request``, or a decision.
    """

    field: str
    recorded: Any = None
    replayed: Any = None
    change: ChangeKind = "changed"
    kind: str = "request"
    """``request``, or the decision it is about: approval, state, tool_result,
    tool_arguments, stop; ``input`` or ``output`` for the run as a whole."""


def value_changes(
    path: str, recorded: Any, replayed: Any, kind: str = "request"
) -> list[FieldChange]:
    """The fields under ``path`` that differ between ``recorded`` and ``replayed``."""
    out: list[FieldChange] = []
    _walk(path, recorded, replayed, out)
    if kind != "request":
        out = [change.model_copy(update={"kind": kind}) for change in out]
    return out


def named_items(value: Any) -> dict[str, Any] | None:
    """``{name: item}`` when ``value`` is a list of dicts with distinct string names."""
    if not isinstance(value, list) or not value:
        return None
    names = [item.get("name") if isinstance(item, dict) else None for item in value]
    if not all(isinstance(name, str) for name in names) or len(set(names)) != len(names):
        return None
    return dict(zip(names, value, strict=True))  # type: ignore[arg-type]


def _walk(path: str, a: Any, b: Any, out: list[FieldChange]) -> None:
    if a == b or both_nan(a, b):
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            _walk(f"{path}.{key}", a.get(key), b.get(key), out)
        return
    left, right = named_items(a), named_items(b)
    if left is not None and right is not None:
        _walk_named(path, left, right, out)
        return
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _walk(f"{path}[{i}]", x, y, out)
        return
    out.append(FieldChange(field=path, recorded=a, replayed=b))


def _walk_named(
    path: str, left: dict[str, Any], right: dict[str, Any], out: list[FieldChange]
) -> None:
    for name in _union_in_order(list(left), list(right)):
        where = f"{path}[{name}]"
        if name not in right:
            out.append(FieldChange(field=where, recorded=left[name], change="removed"))
        elif name not in left:
            out.append(FieldChange(field=where, replayed=right[name], change="added"))
        else:
            _walk(where, left[name], right[name], out)
    if list(left) != list(right) and set(left) == set(right):
        out.append(FieldChange(field=f"{path} order", recorded=list(left), replayed=list(right)))


def _union_in_order(first: Sequence[str], second: Sequence[str]) -> list[str]:
    seen = dict.fromkeys(first)
    seen.update(dict.fromkeys(second))
    return list(seen)
