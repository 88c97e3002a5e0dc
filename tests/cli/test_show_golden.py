"""``tracekit show`` prints exactly what it printed before its renderer got faster: the span
tree and ``--json`` of traces with every kind of span, hostile text, wide and long names,
compared byte for byte with golden files captured from the Rich-table renderer.

To re-capture after an intended change of the output:
``TRACEKIT_GOLDEN_WRITE=1 .venv/bin/python -m pytest tests/cli/test_show_golden.py``
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cli.show_traces import TRACES, build_show_store
from tests.hostile import assert_inert
from tests.recording import run_cli

GOLDEN = Path(__file__).parent / "golden"
_WRITE = os.environ.get("TRACEKIT_GOLDEN_WRITE") == "1"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("golden") / "runs.duckdb"
    build_show_store(path)
    return path


def _check(name: str, output: str) -> None:
    golden = GOLDEN / name
    if _WRITE:
        golden.write_bytes(output.encode("utf-8"))
    assert output == golden.read_bytes().decode("utf-8"), f"{name} changed"


@pytest.mark.parametrize("trace", sorted(TRACES))
def test_show_prints_the_tree_exactly_as_before(store: Path, trace: str) -> None:
    result = run_cli("show", TRACES[trace][:8], "--store", str(store))

    assert result.returncode == 0, result.stderr
    assert_inert(result.stdout)
    _check(f"show-{trace}.txt", result.stdout)


@pytest.mark.parametrize("trace", sorted(TRACES))
def test_show_json_prints_exactly_as_before(store: Path, trace: str) -> None:
    result = run_cli("show", TRACES[trace], "--json", "--store", str(store))

    assert result.returncode == 0, result.stderr
    assert_inert(result.stdout)
    assert json.loads(result.stdout)["summary"]["trace_id"] == TRACES[trace]
    _check(f"show-{trace}.json", result.stdout)


@pytest.mark.parametrize("trace", sorted(TRACES))
def test_show_json_is_the_trace_with_each_model_calls_messages(store: Path, trace: str) -> None:
    # The fast document is what the models and the conversation view give, key for key.
    from tracekit.cli.conversation_view import normalised_spans, trace_document
    from tracekit.store import TraceStore

    reader = TraceStore(store)
    detail = reader.get_trace(TRACES[trace])
    expected = trace_document(detail, normalised_spans(reader, detail))

    result = run_cli("show", TRACES[trace], "--json", "--store", str(store))

    assert json.loads(result.stdout) == expected
