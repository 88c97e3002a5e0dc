"""The one depth-first walk of a span tree: every reader that shows a trace as a tree
(the store's full and lean trace reads) puts spans in this order."""

from __future__ import annotations

from typing import Any


def tree_order(
    rows: list[tuple[Any, ...]], *, id_at: int = 0, parent_at: int = 1
) -> list[tuple[tuple[Any, ...], int]]:
    """``rows`` (sorted by start time; the span id at ``id_at``, the parent id at
    ``parent_at``) depth first, each with its depth.

    Parents come before children, siblings (and orphans, whose parent is not among the rows)
    by start time; spans caught in a parent cycle (malformed foreign data) come last, at
    depth 0.

    >>> rows = [("a", None), ("c", "b"), ("b", "a")]
    >>> [(row[0], depth) for row, depth in tree_order(rows)]
    [('a', 0), ('b', 1), ('c', 2)]
    """
    ids = {row[id_at] for row in rows}
    roots: list[tuple[Any, ...]] = []
    children: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        parent = row[parent_at]
        if parent is None or parent == row[id_at] or parent not in ids:
            roots.append(row)
        elif parent in children:
            children[parent].append(row)
        else:
            children[parent] = [row]
    ordered: list[tuple[tuple[Any, ...], int]] = []
    append = ordered.append
    seen: set[str] = set()
    stack = [(row, 0) for row in reversed(roots)]
    while stack:
        row, depth = item = stack.pop()
        span_id = row[id_at]
        if span_id in seen:
            continue
        seen.add(span_id)
        append(item)
        below = children.get(span_id)
        if below:
            depth += 1
            stack.extend([(child, depth) for child in reversed(below)])
    if len(ordered) < len(rows):
        ordered.extend((row, 0) for row in rows if row[id_at] not in seen)
    return ordered
