"""Foreign handoffs fill tracekit's handoff from/to: a ``transfer_to_{agent}`` handoff tool
(langgraph-supervisor, langgraph-swarm, as OpenInference records it) hands off from the agent
it ran under to the agent it names, and is counted as a handoff, not a tool call."""

from __future__ import annotations

from pathlib import Path

from tests.recording import run_cli
from tracekit import semconv as sc
from tracekit.otlp.conventions import SpanInput, normalise_span
from tracekit.store import TraceStore, trace_handoffs
from tracekit.store.convert import SegmentBuilder
from tracekit.store.fold import fold_pending
from tracekit.store.paths import StorePaths
from tracekit.store.spool import write_segment

TRACE = "0" * 31 + "7"
LANGCHAIN = "openinference.instrumentation.langchain"


def _supervisor_store(tmp_path: Path) -> Path:
    """A supervisor agent whose model calls the handoff tool ``transfer_to_researcher``."""
    builder = SegmentBuilder()
    spans = [
        ("1", None, "supervisor", {sc.OPENINFERENCE_SPAN_KIND: "AGENT"}),
        ("2", "1", "tools", {sc.OPENINFERENCE_SPAN_KIND: "CHAIN"}),
        (
            "3",
            "2",
            "transfer_to_researcher",
            {
                sc.OPENINFERENCE_SPAN_KIND: "TOOL",
                sc.TOOL_NAME: "transfer_to_researcher",
                sc.OUTPUT_VALUE: "Successfully transferred to researcher",
            },
        ),
        ("4", "1", "search", {sc.OPENINFERENCE_SPAN_KIND: "TOOL", sc.TOOL_NAME: "search"}),
    ]
    for start, (span_id, parent, name, attributes) in enumerate(spans):
        builder.add(
            trace_id=TRACE,
            span_id=span_id.rjust(16, "0"),
            parent_span_id=parent.rjust(16, "0") if parent else None,
            name=name,
            kind="INTERNAL",
            start_ns=1_000_000 * (start + 1),
            end_ns=1_000_000 * (start + 10),
            status_code="OK",
            attributes=attributes,
            scope_name=LANGCHAIN,
        )
    paths = StorePaths.for_store(tmp_path / "supervisor.duckdb")
    write_segment(paths, builder.to_table())
    assert fold_pending(paths, wait_s=10.0) is not None
    return paths.db


def test_a_handoff_tool_hands_off_from_the_agent_it_ran_under(tmp_path: Path) -> None:
    store = TraceStore(_supervisor_store(tmp_path))
    outline = store.get_trace_outline(TRACE)

    handoff = next(span for span in outline.spans if span.name == "transfer_to_researcher")
    assert (handoff.operation, handoff.tool, handoff.is_handoff) == (
        "handoff",
        "transfer_to_researcher",
        True,
    )
    assert handoff.attributes[sc.TRACEKIT_HANDOFF_TO] == "researcher"
    assert sc.TRACEKIT_HANDOFF_FROM not in handoff.attributes  # the span does not say
    ends = trace_handoffs(outline.spans)
    assert list(ends.values()) == [("supervisor", "researcher")]
    assert ends[handoff.span_id].label() == "supervisor → researcher"
    # show's lean read finds the same ends: the source from the ancestry, in SQL and Python.
    lines = store.get_trace_lines(TRACE).spans
    assert [line.handoff for line in lines if line.handoff] == [("supervisor", "researcher")]


def test_a_handoff_tool_is_not_counted_as_a_tool_call(tmp_path: Path) -> None:
    rows = {row.key: row for row in TraceStore(_supervisor_store(tmp_path)).stats("agent")}

    assert rows["supervisor"].tool_calls == 1  # search only


def test_show_draws_the_handoff(tmp_path: Path) -> None:
    result = run_cli("show", TRACE, "--store", str(_supervisor_store(tmp_path)))

    assert result.returncode == 0, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if "transfer_to_researcher" in line]
    assert "⇢ supervisor → researcher" in line


def test_the_normaliser_reads_a_handoff_tool_as_a_handoff() -> None:
    span = normalise_span(
        SpanInput(
            "transfer_to_researcher",
            {sc.OPENINFERENCE_SPAN_KIND: "TOOL", sc.TOOL_NAME: "transfer_to_researcher"},
            scope_name=LANGCHAIN,
        )
    )

    assert span.role == "handoff"
    assert span.handoff is not None
    assert (span.handoff.from_agent, span.handoff.to_agent) == (None, "researcher")
    assert span.tool is not None and span.tool.name == "transfer_to_researcher"


def test_a_tool_that_only_starts_like_one_is_a_tool() -> None:
    span = normalise_span(
        SpanInput(
            "transfer_to_", {sc.OPENINFERENCE_SPAN_KIND: "TOOL", sc.TOOL_NAME: "transfer_to_"}
        )
    )

    assert (span.role, span.handoff) == ("tool", None)
