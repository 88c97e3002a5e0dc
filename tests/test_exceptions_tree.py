"""The exception hierarchy is what ``tracekit/exceptions.py``'s docstring draws."""

from __future__ import annotations

import inspect
import re

import tracekit.exceptions as exceptions
from tracekit.exceptions import TracekitError

# One row of the drawing: the tree's prefix, then the class name, then what it means.
_ROW = re.compile(r"^(?P<prefix>[\s│├└─]*)(?P<name>[A-Z]\w+)\s")


def _drawn_parents() -> dict[str, str | None]:
    """Each class of the drawing with its parent (None for the root)."""
    parents: dict[str, str | None] = {}
    at_depth: list[str] = []
    doc = exceptions.__doc__ or ""
    drawing = doc.split("::", 1)[1].split("\n\n", 2)[1]
    for line in drawing.splitlines():
        match = _ROW.match(line.strip("\n")[4:] if line.startswith("    ") else line)
        assert match is not None, f"unreadable tree row: {line!r}"
        depth = len(match.group("prefix")) // 4
        del at_depth[depth:]
        parents[match.group("name")] = at_depth[-1] if at_depth else None
        at_depth.append(match.group("name"))
    return parents


def _actual_parents() -> dict[str, str | None]:
    classes = {
        name: cls
        for name, cls in vars(exceptions).items()
        if inspect.isclass(cls) and issubclass(cls, TracekitError)
    }
    return {
        name: None if cls is TracekitError else cls.__bases__[0].__name__
        for name, cls in classes.items()
    }


def test_the_docstring_draws_the_hierarchy_as_it_is() -> None:
    assert _drawn_parents() == _actual_parents()


def test_every_error_is_one_of_ours_and_says_when_it_is_raised() -> None:
    for name, cls in vars(exceptions).items():
        if inspect.isclass(cls) and issubclass(cls, BaseException):
            assert issubclass(cls, TracekitError), f"{name} is outside the tree"
            assert len(cls.__bases__) == 1, f"{name} has several bases"
            assert (cls.__doc__ or "").strip(), f"{name} has no docstring"
