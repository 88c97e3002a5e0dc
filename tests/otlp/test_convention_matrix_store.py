"""Every instrumentation's recorded fixture (fixtures/foreign/), imported into a store, as a
user reads it through the CLI: per-agent stats (agent names, tokens, cost or ``—``) and the
handoffs in ``tracekit show``'s tree (who handed off to whom, an unknown end as ``—``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.recording import REPO_ROOT, run_cli
from tracekit.ingest.file_import import import_trace_file
from tracekit.store import TraceStore

FOREIGN = REPO_ROOT / "fixtures" / "foreign"

#: An agent's row of ``stats --by agent --json``: (tokens in, tokens out, cost in USD).
AgentFigures = tuple[int | None, int | None, float | None]


@dataclass
class StoreExpected:
    """What ``stats --by agent`` and ``show`` should say of one imported fixture."""

    agents: dict[str, AgentFigures] = field(default_factory=dict)
    #: The handoff lines of ``show``: ``from → to``.
    handoffs: list[str] = field(default_factory=list)


HAIKU_4_5 = (290 * 1.0 + 37 * 5.0) / 1e6

STORE_EXPECTED = {
    # Plain SDK apps: model calls, no agent.
    "openinference_anthropic": StoreExpected(),
    "openllmetry_anthropic": StoreExpected(),
    "anthropic_native": StoreExpected(),
    "openinference_langgraph": StoreExpected(
        # The graph and its model node are agents; the model calls count for the node.
        agents={"agent": (290, 37, HAIKU_4_5), "weather_agent": (None, None, None)},
    ),
    "openinference_openai_agents": StoreExpected(
        # gpt-4.1-mini has no price: its cost is unknown, never $0.
        agents={"triage_agent": (63, 27, None), "weather_agent": (219, 28, None)},
        handoffs=["triage_agent → weather_agent"],
    ),
    "openllmetry_openai_agents": StoreExpected(
        # The triage agent's model call came without usage: unknown, not 0.
        agents={"triage_agent": (None, None, None), "weather_agent": (219, 28, None)},
        # The SDK had not chosen the target when the span was named: it stays unknown.
        handoffs=["triage_agent → —"],
    ),
    "openinference_crewai": StoreExpected(agents={"weather researcher": (None, None, None)}),
}


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each fixture imported into a store of its own."""
    folder = tmp_path_factory.mktemp("foreign")
    paths = {}
    for name in STORE_EXPECTED:
        paths[name] = folder / f"{name}.duckdb"
        import_trace_file(FOREIGN / f"{name}.otlp.jsonl", paths[name])
    return paths


def test_every_fixture_has_expectations() -> None:
    recorded = {path.name.removesuffix(".otlp.jsonl") for path in FOREIGN.glob("*.otlp.jsonl")}
    assert recorded == set(STORE_EXPECTED)


@pytest.mark.parametrize("name", sorted(STORE_EXPECTED))
def test_per_agent_stats(stores: dict[str, Path], name: str) -> None:
    expected = STORE_EXPECTED[name]

    result = run_cli("stats", "--by", "agent", "--json", "--store", str(stores[name]))

    assert result.returncode == 0, result.stderr
    rows = {row["key"]: row for row in json.loads(result.stdout)}
    figures = {
        key: (row["input_tokens"], row["output_tokens"], row["cost_usd"])
        for key, row in rows.items()
    }
    assert figures.keys() == expected.agents.keys()
    for key, (tokens_in, tokens_out, cost) in expected.agents.items():
        assert figures[key][:2] == (tokens_in, tokens_out), key
        assert figures[key][2] == (None if cost is None else pytest.approx(cost)), key


@pytest.mark.parametrize("name", sorted(STORE_EXPECTED))
def test_per_agent_stats_table_shows_unknown_as_a_dash(stores: dict[str, Path], name: str) -> None:
    result = run_cli("stats", "--by", "agent", "--store", str(stores[name]))

    assert result.returncode == 0, result.stderr
    lines = {line.split("  ")[0]: line for line in result.stdout.splitlines()[1:]}
    for agent, (_, _, cost) in STORE_EXPECTED[name].agents.items():
        assert agent in lines, result.stdout
        if cost is None:
            assert "$" not in lines[agent] and "—" in lines[agent], lines[agent]


@pytest.mark.parametrize("name", sorted(STORE_EXPECTED))
def test_handoffs_show_in_the_tree(stores: dict[str, Path], name: str) -> None:
    shown = []
    for summary in TraceStore(stores[name]).list_traces():
        result = run_cli("show", summary.trace_id, "--store", str(stores[name]))
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        shown += [line.split("⇢ ", 1)[1].split("  ")[0] for line in lines if "⇢" in line]

    assert shown == STORE_EXPECTED[name].handoffs


@pytest.mark.parametrize("name", sorted(STORE_EXPECTED))
def test_handoffs_are_not_tool_calls(stores: dict[str, Path], name: str) -> None:
    store = TraceStore(stores[name])
    spans = [
        span for summary in store.list_traces() for span in store.get_trace(summary.trace_id).spans
    ]

    handoffs = [span for span in spans if span.operation == "handoff"]
    assert len(handoffs) == len(STORE_EXPECTED[name].handoffs)
    assert all(span.tool is None for span in handoffs)
