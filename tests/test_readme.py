"""The README's example works when followed literally."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_workflow_example_runs_offline_and_is_recorded(tmp_path: Path) -> None:
    example = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)[0]
    script = tmp_path / "example.py"
    script.write_text(example)
    env = {**os.environ, "ANTHROPIC_API_KEY": ""}
    env.pop("TRACEKIT_STORE", None)

    run = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    status, steps, _cost, trace_id = run.stdout.split()
    assert status == "ok" and int(steps) >= 2

    listed = subprocess.run(
        [sys.executable, "-m", "tracekit.cli", "traces", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert listed.returncode == 0, listed.stderr
    [trace] = json.loads(listed.stdout)
    assert trace["trace_id"] == trace_id
    assert trace["workflow"] == "doc-pipeline"
    assert (tmp_path / "tracekit.duckdb").exists()


def test_readme_imports_public_names_only() -> None:
    """Every ``from tracekit… / replay… import X`` in the README names a package that
    exports ``X`` in its ``__all__``: users never learn an internal module path."""
    import importlib

    blocks = re.findall(r"```py(?:thon)?\n(.*?)```", README.read_text(), flags=re.S)
    imports = [
        (module, [name.strip() for name in names.split(",")])
        for block in blocks
        for module, names in re.findall(
            r"^\s*from ((?:tracekit|replay)[\w.]*) import ([\w, ]+)$", block, flags=re.M
        )
    ]
    assert imports, "the README shows no tracekit imports"
    for module_name, names in imports:
        module = importlib.import_module(module_name)
        assert hasattr(module, "__path__"), f"{module_name} is a module, not a public package"
        exported = set(getattr(module, "__all__", ()))
        assert set(names) <= exported, f"{module_name} does not export {set(names) - exported}"
