"""The TUI's span details show a foreign model call's conversation, and a foreign tool's
arguments and result, like tracekit's own (the pane reads every convention's normaliser)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from tests.recording import REPO_ROOT
from tracekit.ingest.file_import import import_trace_file
from tracekit.store import TraceStore
from tracekit.tui.conversation import span_details

FOREIGN = REPO_ROOT / "fixtures" / "foreign"


def _plain(renderable: object) -> str:
    console = Console(width=120, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def _details(tmp_path: Path, fixture: str, name: str, nth: int = -1) -> str:
    store = tmp_path / "s.duckdb"
    import_trace_file(FOREIGN / f"{fixture}.otlp.jsonl", store)
    trace_store = TraceStore(store)
    detail = trace_store.get_trace(trace_store.list_traces(limit=1)[0].trace_id)
    span = [span for span in detail.spans if span.name == name][nth]
    return _plain(span_details(span, trace_store.get_span_content(span.trace_id, span.span_id)))


@pytest.mark.parametrize(
    ("fixture", "span_name"),
    [
        ("openinference_anthropic", "messages.create"),
        ("openllmetry_anthropic", "anthropic.chat"),
        ("anthropic_native", "anthropic.messages.create"),
        ("openinference_langgraph", "FakeChat"),
    ],
)
def test_conversation_pane_renders_foreign_model_calls(
    tmp_path: Path, fixture: str, span_name: str
) -> None:
    shown = _details(tmp_path, fixture, span_name)

    conversation = shown[shown.index("Conversation") :]
    for expected in (
        "── system",
        "── user",
        "What's the weather in Lisbon?",
        "→ tool call get_weather",
        "← tool result",
        '"forecast": "sunny"',
        "── assistant (output)",
        "Lisbon is sunny today, with a high of 24 °C.",
    ):
        assert expected in conversation, shown


def test_foreign_tool_span_shows_arguments_and_result(tmp_path: Path) -> None:
    shown = _details(tmp_path, "openinference_openai_agents", "get_weather")

    assert "Tool arguments" in shown and '"city": "Lisbon"' in shown
    assert "Tool result" in shown and '"forecast": "sunny"' in shown
