"""Lazy exports: a package lists a public name in ``__all__`` but imports its module only
when the name is first used (PEP 562 module ``__getattr__``).

Heavy imports stay off the paths that do not need them: the Anthropic SDK (about a second),
DuckDB and Arrow for a program that only records, the TUI's chart library.

>>> __getattr__ = lazy_exports("tracekit", {"TraceStore": "tracekit.store"})
>>> __getattr__("TraceStore").__name__
'TraceStore'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, modules: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports ``modules[name]`` on first use
    of ``name`` and returns its attribute of that name; AttributeError for anything else."""

    def __getattr__(name: str) -> Any:
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module), name)

    return __getattr__
