"""LangGraph graph nodes that run a model are agents named by their node, so per-agent
stats show them and their model calls roll up to them; chain spans that are no such node
(prompts, runnable sequences, a ``tools`` node) stay chains."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tests.recording import REPO_ROOT
from tracekit.ingest.file_import import import_trace_file
from tracekit.otlp import OtlpSpan, read_trace_file, write_trace_file
from tracekit.store import TraceStore

FIXTURE = REPO_ROOT / "fixtures" / "foreign" / "openinference_langgraph.otlp.jsonl"


def _renamed_node(span: OtlpSpan, old: str, new: str) -> OtlpSpan:
    """The span as OpenInference writes it when the graph's node is called ``new``: the
    node's span is a CHAIN (only names with "agent" in them are AGENT), and the LangGraph
    metadata of every span in the node names ``new``."""
    attributes = dict(span.attributes)
    metadata = json.loads(attributes["metadata"])
    if metadata.get("langgraph_node") == old:
        metadata["langgraph_node"] = new
        metadata["langgraph_checkpoint_ns"] = metadata["langgraph_checkpoint_ns"].replace(
            f"{old}:", f"{new}:", 1
        )
        attributes["metadata"] = json.dumps(metadata)
    name = span.name
    if name == old:
        name = new
        attributes["openinference.span.kind"] = "CHAIN"
    return dataclasses.replace(span, name=name, attributes=attributes)


@pytest.fixture
def researcher_graph(tmp_path: Path) -> Path:
    """The recorded ReAct graph, its model node called ``researcher`` instead of ``agent``."""
    trace_file = tmp_path / "researcher.otlp.jsonl"
    spans = [_renamed_node(span, "agent", "researcher") for span in read_trace_file(FIXTURE)]
    write_trace_file(trace_file, spans)
    store = tmp_path / "graph.duckdb"
    import_trace_file(trace_file, store)
    return store


def test_a_node_that_runs_a_model_is_an_agent_named_by_its_node(researcher_graph: Path) -> None:
    rows = {row.key: row for row in TraceStore(researcher_graph).stats("agent")}

    # The graph itself is AGENT by its name ("weather_agent"); "tools" runs no model.
    assert set(rows) == {"researcher", "weather_agent"}
    researcher = rows["researcher"]
    assert (researcher.count, researcher.model_calls) == (2, 2)
    assert (researcher.input_tokens, researcher.output_tokens) == (290, 37)
    assert (rows["weather_agent"].model_calls, rows["weather_agent"].tool_calls) == (0, 1)


def test_only_node_spans_become_agents(researcher_graph: Path) -> None:
    store = TraceStore(researcher_graph)
    (summary,) = store.list_traces()
    detail = store.get_trace(summary.trace_id)

    agents = [(span.name, span.agent) for span in detail.spans if span.operation == "invoke_agent"]
    assert agents == [
        ("weather_agent", "weather_agent"),
        ("researcher", "researcher"),
        ("researcher", "researcher"),
    ]
    chains = {span.name for span in detail.spans if span.operation is None}
    assert chains == {"call_model", "RunnableSequence", "Prompt", "should_continue", "tools"}
    assert summary.agents == ["researcher", "weather_agent"]


def test_a_node_folded_before_its_model_call_still_becomes_an_agent(tmp_path: Path) -> None:
    """Children end (and are exported) before their parents, but a node's model call may come
    in a later batch: the fold that brings it promotes the node."""
    spans = [_renamed_node(span, "agent", "researcher") for span in read_trace_file(FIXTURE)]
    models = [span for span in spans if span.name == "FakeChat"]
    store = tmp_path / "late.duckdb"
    for part, batch in enumerate(([span for span in spans if span.name != "FakeChat"], models)):
        trace_file = tmp_path / f"part{part}.otlp.jsonl"
        write_trace_file(trace_file, batch)
        import_trace_file(trace_file, store)

    rows = {row.key: row for row in TraceStore(store).stats("agent")}
    assert (rows["researcher"].count, rows["researcher"].input_tokens) == (2, 290)
