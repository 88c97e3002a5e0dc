"""The core imports without the TUI (exported names: tests/test_exported_members.py)."""

from __future__ import annotations

import subprocess
import sys


def test_core_imports_without_textual() -> None:
    code = (
        "import sys, tracekit, tracekit.store, tracekit.cli, tracekit.examples;"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
