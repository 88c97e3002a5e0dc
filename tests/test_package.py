"""The public surface: exported names, and a core that imports without the TUI."""

from __future__ import annotations

import subprocess
import sys

import tracekit
import tracekit.models
import tracekit.orchestrator
import tracekit.store


def _isort_key(name: str) -> tuple[int, str]:
    # The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions.
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name


def test_exported_members_are_sorted_complete_and_importable() -> None:
    for module in (tracekit, tracekit.models, tracekit.orchestrator, tracekit.store):
        names = list(module.__all__)
        assert names == sorted(names, key=_isort_key), module.__name__
        public = {
            name
            for name, value in vars(module).items()
            if not name.startswith("_")
            and getattr(value, "__module__", "").startswith(module.__name__ + ".")
        }
        assert public <= set(names), f"{module.__name__} does not export {public - set(names)}"
        for name in names:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_core_imports_without_textual() -> None:
    code = (
        "import sys, tracekit, tracekit.store, tracekit.cli, tracekit.examples;"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
