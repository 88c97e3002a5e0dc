"""Flattened attributes (``llm.input_messages.0.message.role``) read back as nested values.

OpenInference and OpenLLMetry spell lists of messages as one attribute per leaf, because OTel
attribute values cannot nest. :func:`unflatten` rebuilds the list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def unflatten(attributes: Mapping[str, Any], prefix: str) -> list[Any]:
    """The list spelled by the keys under ``prefix`` (which ends with a dot), in index order;
    objects whose keys are all indices become lists too.

    >>> unflatten({"m.1.role": "user", "m.0.role": "system", "m.0.tool_calls.0.id": "t"}, "m.")
    [{'role': 'system', 'tool_calls': [{'id': 't'}]}, {'role': 'user'}]
    """
    tree: dict[str, Any] = {}
    for key, value in attributes.items():
        if not key.startswith(prefix):
            continue
        *path, leaf = key[len(prefix) :].split(".")
        node = tree
        for piece in path:
            child = node.setdefault(piece, {})
            if not isinstance(child, dict):
                break  # a leaf and a branch of one name: keep the leaf
            node = child
        else:
            node.setdefault(leaf, value)
    listed = _listed(tree)
    return listed if isinstance(listed, list) else []


def has_prefix(attributes: Mapping[str, Any], prefix: str | tuple[str, ...]) -> bool:
    """Whether any key starts with ``prefix`` (or one of several)."""
    # A loop, not any() over a generator: it runs on every span a normaliser asks about.
    for key in attributes:  # noqa: SIM110
        if key.startswith(prefix):
            return True
    return False


def _listed(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_listed(node[key]) for key in sorted(node, key=int)]
    return {key: _listed(value) for key, value in node.items()}
