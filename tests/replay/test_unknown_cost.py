"""Replay and diff totals treat an unknown cost as the store does: never 0. A run whose model
calls have no cost has an unknown cost (``—``); one where only some do has a partial sum,
marked ``*`` with a footnote saying how many calls it leaves out."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from replay.report import Totals
from replay.trajectory import trajectory_from_spans
from tests.recording import REPO_ROOT, run_cli
from tracekit import semconv as sc
from tracekit.otlp import OtlpSpan, read_trace_file, write_trace_file

AGENTS = REPO_ROOT / "fixtures" / "foreign" / "openinference_openai_agents.otlp.jsonl"


def _priced_first_call(spans: list[OtlpSpan], cost: float) -> list[OtlpSpan]:
    """The spans with a recorded cost on the first model call only."""
    first = min(
        (s for s in spans if s.name in ("generation", "response")), key=lambda s: s.start_ns
    )
    return [
        dataclasses.replace(s, attributes={**s.attributes, sc.TRACEKIT_COST_USD: cost})
        if s is first
        else s
        for s in spans
    ]


def test_model_calls_without_a_cost_make_the_total_unknown() -> None:
    totals = trajectory_from_spans(read_trace_file(AGENTS)).totals()

    assert (totals["steps"], totals["input_tokens"], totals["output_tokens"]) == (4, 282, 55)
    assert (totals["cost_usd"], totals["unpriced_steps"]) == (None, 3)
    assert Totals(**totals).cost_text() == "—"


def test_some_priced_model_calls_make_a_partial_total() -> None:
    spans = _priced_first_call(read_trace_file(AGENTS), 0.0021)

    totals = Totals(**trajectory_from_spans(spans).totals())

    assert (totals.cost_usd, totals.unpriced_steps, totals.cost_partial) == (0.0021, 2, True)
    assert totals.cost_text() == "$0.0021*"


def test_a_run_without_model_calls_cost_nothing() -> None:
    assert trajectory_from_spans([]).totals()["cost_usd"] == 0.0


def test_diff_report_says_unknown_and_partial(tmp_path: Path) -> None:
    partly = tmp_path / "partly.otlp.jsonl"
    write_trace_file(partly, _priced_first_call(read_trace_file(AGENTS), 0.0021))

    result = run_cli("diff", str(AGENTS), str(partly))

    (line,) = [line for line in result.stdout.splitlines() if line.startswith("steps ")]
    assert "cost — → $0.0021*" in line
    assert "$0.0000" not in result.stdout
    assert (
        "* partial: model calls without a cost (no price for their model): 3 recorded, 2 replayed"
        in result.stdout
    )


def test_diff_json_carries_null_and_partial(tmp_path: Path) -> None:
    partly = tmp_path / "partly.otlp.jsonl"
    write_trace_file(partly, _priced_first_call(read_trace_file(AGENTS), 0.0021))

    result = run_cli("diff", str(AGENTS), str(partly), "--json")

    document = json.loads(result.stdout)
    assert document["recorded"]["cost_usd"] is None
    assert (document["recorded"]["unpriced_steps"], document["recorded"]["cost_partial"]) == (
        3,
        False,
    )
    assert document["replayed"]["cost_usd"] == pytest.approx(0.0021)
    assert document["replayed"]["cost_partial"] is True


def test_a_cost_budget_checks_the_known_part() -> None:
    from replay.report import DivergenceReport

    report = DivergenceReport(
        source="x",
        trace_id="t",
        workflow="w",
        mode="strict",
        tool_args="exact",
        matched=True,
        divergences=0,
        replayed=Totals(steps=2, cost_usd=None, unpriced_steps=2),
    )

    assert report.with_budgets(max_cost_usd=0.01).passed
    over = report.model_copy(update={"replayed": Totals(steps=2, cost_usd=0.5, unpriced_steps=1)})
    assert not over.with_budgets(max_cost_usd=0.01).passed
