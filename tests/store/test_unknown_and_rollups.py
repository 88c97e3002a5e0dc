"""Foreign traces as a user sees them in the store: unknown cost stays unknown (and says how
much is missing), prices apply when the table changes, and model and tool spans count for the
agent they ran under even when they do not name it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.recording import REPO_ROOT, run_cli
from tracekit.ingest.file_import import import_trace_file
from tracekit.pricing import ModelPrice, PriceTable
from tracekit.store import TraceStore

FIXTURE = REPO_ROOT / "fixtures" / "foreign" / "openai_agents_openinference.jsonl"
GPT_4O_MINI = (63 * 0.15 + 27 * 0.6) / 1e6


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "foreign.duckdb"
    import_trace_file(FIXTURE, path)
    return path


def test_a_partly_priced_trace_sums_what_is_priced_and_says_it_is_partial(store: Path) -> None:
    (summary,) = TraceStore(store).list_traces()

    assert summary.cost_usd == pytest.approx(GPT_4O_MINI)
    assert (summary.unpriced_spans, summary.cost_partial) == (1, True)
    assert (summary.input_tokens, summary.output_tokens) == (183, 67)
    document = summary.model_dump(mode="json")
    assert (document["cost_partial"], document["unpriced_spans"]) == (True, 1)


def test_the_run_wrapper_is_a_workflow_and_model_and_tool_spans_count_for_their_agent(
    store: Path,
) -> None:
    rows = {row.key: row for row in TraceStore(store).stats("agent")}

    assert set(rows) == {"triage_agent", "billing_agent"}  # "Agent workflow" is the run
    triage, billing = rows["triage_agent"], rows["billing_agent"]
    assert (triage.count, triage.input_tokens, triage.output_tokens) == (1, 63, 27)
    assert triage.cost_usd == pytest.approx(GPT_4O_MINI)
    # Its "handoff to billing_agent" span is a handoff, not a tool call.
    assert (triage.model_calls, triage.tool_calls, triage.cost_partial) == (1, 0, False)
    # billing_agent's model has no price: its cost is unknown, never $0.
    assert (billing.input_tokens, billing.output_tokens, billing.cost_usd) == (120, 40, None)
    assert (billing.unpriced_spans, billing.model_calls, billing.tool_calls) == (1, 1, 1)
    assert billing.p50_ms == pytest.approx(480.0)


def test_a_new_price_applies_to_stored_spans_at_the_next_read(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    TraceStore(store).list_traces()
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"acme-large": {"input": 1.0, "output": 2.0}}))
    monkeypatch.setenv("TRACEKIT_PRICES", str(prices))

    (summary,) = TraceStore(store).list_traces()

    assert summary.cost_usd == pytest.approx(GPT_4O_MINI + (120 * 1.0 + 40 * 2.0) / 1e6)
    assert (summary.unpriced_spans, summary.cost_partial) == (0, False)
    monkeypatch.delenv("TRACEKIT_PRICES")
    (again,) = TraceStore(store).list_traces()
    assert (again.unpriced_spans, again.cost_usd) == (1, pytest.approx(GPT_4O_MINI))


def test_reprice_with_a_table_reports_what_changed(store: Path) -> None:
    table = PriceTable.default().merged(
        PriceTable(prices={"acme-large-1": ModelPrice(input=10.0, output=10.0)})
    )

    result = TraceStore(store).reprice(table)

    assert (result.spans, result.traces, result.unpriced_spans) == (1, 1, 0)


def test_the_cli_shows_unknown_as_a_dash_and_footnotes_partial_totals(store: Path) -> None:
    traces = run_cli("traces", "--store", str(store))
    stats = run_cli("stats", "--by", "agent", "--store", str(store))
    listed = run_cli("traces", "--json", "--store", str(store))

    assert traces.returncode == 0, traces.stderr
    assert "$0.000026*" in traces.stdout
    assert "* partial: 1 model span unpriced" in traces.stdout
    billing = next(line for line in stats.stdout.splitlines() if "billing_agent" in line)
    # tokens in/out, per call, cost, cost per request
    assert billing.split()[-4:] == ["120/40", "120/40", "—", "—"]
    (document,) = json.loads(listed.stdout)
    assert (document["cost_partial"], document["unpriced_spans"]) == (True, 1)


def test_reprice_command_says_what_it_did(store: Path) -> None:
    result = run_cli("reprice", "--store", str(store))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "Re-priced 0 model spans in 0 traces; 1 still unpriced (no price for: acme-large-1)."
    )
