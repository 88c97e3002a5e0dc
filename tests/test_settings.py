"""Every environment variable is read in one module, and documented there once."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tracekit import settings
from tracekit.pricing import PriceTable
from tracekit.settings import ENV_VARS, EnvVar
from tracekit.store import resolve_store_path

REPO = Path(__file__).resolve().parent.parent
SETTINGS_MODULE = REPO / "tracekit" / "settings.py"
_ENV_ACCESS = frozenset({"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"})
_VARIABLE_NAME = re.compile(r"(TRACEKIT|OTEL|ANTHROPIC|PYTEST)_[A-Z0-9_]+")


def _sources() -> list[Path]:
    return sorted(
        path
        for package in ("tracekit", "replay")
        for path in (REPO / package).rglob("*.py")
        if path != SETTINGS_MODULE
    )


def _environment_access(tree: ast.AST) -> list[int]:
    """Lines where ``os.environ``/``os.getenv``/… is used or imported by name."""
    os_names = {"os"}
    lines: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            os_names.update(a.asname for a in node.names if a.name == "os" and a.asname)
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            lines.extend(node.lineno for a in node.names if a.name in _ENV_ACCESS)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in _ENV_ACCESS
            and isinstance(node.value, ast.Name)
            and node.value.id in os_names
        ):
            lines.append(node.lineno)
    return lines


def test_no_module_but_settings_reads_the_environment() -> None:
    readers = [
        f"{path.relative_to(REPO)}:{line}"
        for path in _sources()
        for line in _environment_access(ast.parse(path.read_text(), str(path)))
    ]
    assert readers == [], "read environment variables through tracekit.settings"


def test_the_environment_check_sees_every_spelling() -> None:
    code = "import os\nimport os as o\nfrom os import getenv\nos.environ['A']\no.getenv('B')\n"
    assert sorted(_environment_access(ast.parse(code))) == [3, 4, 5]


def test_no_module_but_settings_spells_a_variable_name() -> None:
    spelled = [
        f"{path.relative_to(REPO)}:{node.lineno} {node.value}"
        for path in _sources()
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and _VARIABLE_NAME.fullmatch(node.value)
    ]
    assert spelled == [], "name the variable in tracekit.settings and use its EnvVar"


def test_every_variable_is_registered_and_documented() -> None:
    defined = [value for value in vars(settings).values() if isinstance(value, EnvVar)]
    assert sorted(v.name for v in defined) == sorted(v.name for v in ENV_VARS)
    assert len({v.name for v in ENV_VARS}) == len(ENV_VARS)
    for var in ENV_VARS:
        assert getattr(settings, var.name) is var, f"{var.name} is bound to its own name"
        assert var.meaning.strip().endswith("."), f"{var.name} says what it does"
        assert var.default.strip(), f"{var.name} says what applies when it is unset"


def test_settings_are_read_when_asked_not_at_import(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("TRACEKIT_STORE", raising=False)
    assert resolve_store_path() == Path("tracekit.duckdb")
    monkeypatch.setenv("TRACEKIT_STORE", str(tmp_path / "runs.duckdb"))
    assert resolve_store_path() == tmp_path / "runs.duckdb"

    prices = tmp_path / "prices.json"
    prices.write_text('{"my-model": {"input": 2.0, "output": 4.0}}')
    monkeypatch.setenv("TRACEKIT_PRICES", str(prices))
    assert PriceTable.default().cost("my-model", input_tokens=1_000_000, output_tokens=0) == 2.0


def test_an_empty_value_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_SERVICE_NAME", "")
    assert settings.service_name("tracekit") == "tracekit"
    monkeypatch.setenv("OTEL_SERVICE_NAME", "my-agents")
    assert settings.service_name("tracekit") == "my-agents"
    assert settings.otlp_protocol({"OTEL_EXPORTER_OTLP_PROTOCOL": ""}) == "http/protobuf"
    assert settings.otlp_protocol({"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}) == "grpc"
    assert settings.otlp_with_content({"TRACEKIT_OTLP_WITH_CONTENT": "True"})
