"""Every package's ``__all__`` is exactly its public surface (as httpx's
``tests/test_exported_members.py``): sorted, complete, and every listed name importable."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from types import ModuleType

import pytest

import replay
import tracekit


def _packages() -> list[str]:
    names = []
    for root in (tracekit, replay):
        names.append(root.__name__)
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{root.__name__}."):
            if info.ispkg:
                names.append(info.name)
    return sorted(names)


def _isort_key(name: str) -> tuple[int, str]:
    # The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions.
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name


def _defined_public_names(package: ModuleType) -> set[str]:
    """Public names the package's ``__init__`` binds at run time: what it imports from its
    own modules, and what it defines (``if TYPE_CHECKING`` blocks do not run)."""
    tree = ast.parse(inspect.getsource(package))
    own = f"{package.__name__}."
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(own):
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    # A submodule a package imports for its own use (``from pkg import submodule``) is not API.
    return {
        name
        for name in names
        if not name.startswith("_") and not inspect.ismodule(getattr(package, name, None))
    }


@pytest.mark.parametrize("name", _packages())
def test_all_is_exactly_the_public_surface(name: str) -> None:
    package = importlib.import_module(name)
    exported = getattr(package, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert list(exported) == sorted(exported, key=_isort_key), f"{name}.__all__ is not sorted"
    assert len(set(exported)) == len(exported), f"{name}.__all__ lists a name twice"
    missing = _defined_public_names(package) - set(exported)
    assert not missing, f"{name} binds public names it does not export: {sorted(missing)}"
    for exported_name in exported:
        assert getattr(package, exported_name, None) is not None, f"{name}.{exported_name}"


def test_trace_store_and_what_it_returns_are_exported() -> None:
    import tracekit.store

    assert tracekit.TraceStore is tracekit.store.TraceStore
    hints = {
        name: inspect.signature(method).return_annotation
        for name, method in vars(tracekit.store.TraceStore).items()
        if not name.startswith("_") and callable(method)
    }
    named = {
        word.strip("[] ")
        for annotation in hints.values()
        for word in str(annotation).replace("|", ",").replace("[", ",").split(",")
    }
    ours = {word for word in named if word and word[0].isupper() and word not in {"None", "Any"}}
    ours -= {"Iterator", "Sequence", "OtlpSpan"}
    assert ours <= set(tracekit.store.__all__), sorted(ours - set(tracekit.store.__all__))
