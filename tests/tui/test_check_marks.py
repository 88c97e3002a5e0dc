"""Failed checks show in the TUI: the agent span is marked in the trace tree, and its details
list the ``tracekit.check`` event with the reason and what came next."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from replay import Recording
from replay.recorder import record_workflow
from tests.orchestrator import check_flows as flows
from tests.recording import run_cli
from tracekit.store import TraceStore
from tracekit.tui.conversation import span_details
from tracekit.tui.widgets.waterfall import has_guardrail_event


def test_failed_checks_are_marked_and_detailed(tmp_path: Path) -> None:
    trace = tmp_path / "checked.trace.jsonl"
    record_workflow(flows.sync_flow, "marks", trace, models=flows.models())
    store = tmp_path / "store.duckdb"
    assert run_cli("import", str(trace), "--store", str(store)).returncode == 0
    trace_id = Recording.from_file(trace).trace_id

    outline = TraceStore(store).get_trace_outline(trace_id).spans
    marked = [s.name for s in outline if has_guardrail_event(s)]
    assert marked == ["invoke_agent drafter", "invoke_agent teller"]

    [drafter] = [s for s in outline if s.name == "invoke_agent drafter"]
    content = TraceStore(store).get_span_content(trace_id, drafter.span_id)
    console = Console(width=160, file=io.StringIO(), record=True, color_system=None)
    console.print(span_details(drafter, content))
    text = console.export_text()
    assert "⚠ tracekit.check" in text
    assert "tracekit.check.name=long_enough" in text
    assert "tracekit.reason=too short: 10 characters, at least 20 needed" in text
    assert "tracekit.check.action=retry" in text
