"""``tracekit stats`` prints exactly what it printed before it got faster: the table (with its
failure modes), ``--json`` and ``--csv``, whole and per hour, by every dimension, on a store
with every kind of outcome, retries, fallbacks, an unpriced model, tools, hostile names and
a foreign model call that names no agent (counted for its nearest named ancestor), compared
byte for byte with golden files.

To re-capture after an intended change of the output:
``TRACEKIT_GOLDEN_WRITE=1 .venv/bin/python -m pytest tests/cli/test_stats_golden.py``
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.hostile import assert_inert
from tests.recording import run_cli
from tests.store.analytics_data import HOUR, MS, T0, UNPRICED_MODEL, Call, Run, add_run
from tracekit import semconv as sc
from tracekit.store.convert import SegmentBuilder
from tracekit.store.fold import fold_pending
from tracekit.store.paths import StorePaths
from tracekit.store.spool import write_segment

GOLDEN = Path(__file__).parent / "golden" / "stats"
_WRITE = os.environ.get("TRACEKIT_GOLDEN_WRITE") == "1"
MINUTE = HOUR // 60


def _runs() -> list[Run]:
    runs = [
        Run(
            "billing",
            T0 + i * 20 * MINUTE,
            [
                Call("planner", tool="search", ms=50 + 7 * i),
                Call(
                    "writer",
                    "claude-sonnet-4-5",
                    ms=100 * (i + 1),
                    outcome=("stopped", "error", "ok", "loop", "interrupted", "ok", "ok")[i % 7],
                    retries=1 if i % 3 == 2 else 0,
                    fallback=i == 5,
                    tokens=(200 + i, 20 + i),
                ),
            ],
        )
        for i in range(9)
    ]
    runs += [
        Run(
            "support",
            T0 + HOUR + i * 7 * MINUTE,
            [
                Call(
                    "triage",
                    UNPRICED_MODEL,
                    cost=None,
                    ms=30 + i,
                    error_type="ValueError",
                    outcome="error" if i % 4 == 0 else "ok",
                ),
                Call("writer", tool="lookup", ms=80, retries=2 if i == 1 else 0),
            ],
            "svc-b",
        )
        for i in range(8)
    ]
    runs.append(Run("[bold red]x\x1b[31m", T0 + 3 * HOUR, [Call("rou\u202eter")], "svc-\x1b]0;c"))
    return runs


def _add_foreign_run(builder: SegmentBuilder) -> None:
    # An agent span and, under it, a model call that names no agent (as foreign SDKs record).
    trace_id, root, agent, chat = "e" * 32, "e" * 16, "d" * 16, "c" * 16
    start = T0 + 2 * HOUR
    builder.add(
        trace_id=trace_id,
        span_id=root,
        parent_span_id=None,
        name=sc.workflow_span_name("foreign"),
        kind="INTERNAL",
        start_ns=start,
        end_ns=start + 90 * MS,
        status_code="OK",
        attributes={
            sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW,
            sc.GEN_AI_WORKFLOW_NAME: "foreign",
        },
        resource={sc.SERVICE_NAME: "svc-c"},
    )
    builder.add(
        trace_id=trace_id,
        span_id=agent,
        parent_span_id=root,
        name=sc.agent_span_name("researcher"),
        kind="INTERNAL",
        start_ns=start + MS,
        end_ns=start + 80 * MS,
        status_code="UNSET",
        attributes={
            sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT,
            sc.GEN_AI_AGENT_NAME: "researcher",
        },
        resource={sc.SERVICE_NAME: "svc-c"},
    )
    builder.add(
        trace_id=trace_id,
        span_id=chat,
        parent_span_id=agent,
        name=sc.chat_span_name("claude-haiku-4-5"),
        kind="CLIENT",
        start_ns=start + 2 * MS,
        end_ns=start + 60 * MS,
        status_code="UNSET",
        attributes={
            sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
            sc.GEN_AI_PROVIDER_NAME: "anthropic",
            sc.GEN_AI_REQUEST_MODEL: "claude-haiku-4-5",
            sc.GEN_AI_USAGE_INPUT_TOKENS: 1234,
            sc.GEN_AI_USAGE_OUTPUT_TOKENS: 56,
            sc.TRACEKIT_COST_USD: 0.0042,
        },
        resource={sc.SERVICE_NAME: "svc-c"},
    )


def build_stats_store(path: Path) -> str:
    """The store the golden files were captured from."""
    builder = SegmentBuilder()
    for run in _runs():
        add_run(builder, run)
    _add_foreign_run(builder)
    paths = StorePaths.for_store(path)
    write_segment(paths, builder.to_table())
    assert fold_pending(paths, wait_s=10.0) is not None
    return str(path)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_stats_store(tmp_path_factory.mktemp("stats-golden") / "ops.duckdb")


def _check(name: str, output: str) -> None:
    golden = GOLDEN / name
    if _WRITE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(output.encode("utf-8"))
    expected = golden.read_bytes().decode("utf-8")
    assert _rounded(output) == _rounded(expected), f"{name} changed"


#: A float in the output, for :func:`_rounded`.
_FLOAT = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?")


def _rounded(text: str) -> str:
    # DuckDB sums and interpolates in parallel: a figure may differ in its last bit between
    # runs (590.0 or 590.0000000000001), which is no change a user would see.
    return _FLOAT.sub(lambda match: f"{float(match.group()):.10g}", text)


CASES = {
    f"{by}{'-hourly' if hourly else ''}.{form}": (
        [
            "--by",
            by,
            *(["--every", "1h"] if hourly else []),
            *([f"--{form}"] if form != "txt" else []),
        ]
    )
    for by in ("agent", "model", "workflow", "tool", "service")
    for hourly in (False, True)
    for form in ("txt", "json", "csv")
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_stats_prints_exactly_as_before(store: str, name: str) -> None:
    result = run_cli("stats", "--store", store, *CASES[name])

    assert result.returncode == 0 and result.stderr == ""
    assert_inert(result.stdout)
    _check(name, result.stdout)


def test_stats_filtered_and_windowed_prints_exactly_as_before(store: str) -> None:
    since = "2026-01-01T01:00:00+00:00"
    result = run_cli(
        "stats", "--store", store, "--since", since, "--filter", "status:error", "--every", "2h"
    )

    assert result.returncode == 0 and result.stderr == ""
    _check("agent-filtered.txt", result.stdout)
