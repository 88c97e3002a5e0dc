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


# --- in the running app ---------------------------------------------------------------------

#: Per fixture: the answer of the trace's last model call (None: the fixture has none), and
#: the handoff line its tree shows.
APP_EXPECTED: dict[str, tuple[str | None, str | None]] = {
    "anthropic_native": ("Lisbon is sunny today, with a high of 24 °C.", None),
    "openinference_anthropic": ("Lisbon is sunny today, with a high of 24 °C.", None),
    "openllmetry_anthropic": ("Lisbon is sunny today, with a high of 24 °C.", None),
    "openinference_langgraph": ("Lisbon is sunny today, with a high of 24 °C.", None),
    "openinference_openai_agents": ("Lisbon: sunny, 24 °C.", "triage_agent → weather_agent"),
    "openllmetry_openai_agents": ("Lisbon: sunny, 24 °C.", "triage_agent → —"),
    # openinference-instrumentation-crewai records the crew and its task, no model call.
    "openinference_crewai": (None, None),
}


def test_every_recorded_fixture_is_in_the_app_matrix() -> None:
    recorded = {path.name.removesuffix(".otlp.jsonl") for path in FOREIGN.glob("*.otlp.jsonl")}
    assert recorded == set(APP_EXPECTED)


@pytest.mark.anyio
@pytest.mark.parametrize("fixture", sorted(APP_EXPECTED))
async def test_the_app_shows_each_fixtures_conversation_and_handoffs(
    tmp_path: Path, fixture: str
) -> None:
    from textual.widgets import Static

    from tests.tui.screen_text import screen_text
    from tracekit.tui import TracekitApp
    from tracekit.tui.screens.trace import TraceScreen
    from tracekit.tui.widgets.waterfall import SpanWaterfall, span_kind

    answer, handoff = APP_EXPECTED[fixture]
    store = tmp_path / "s.duckdb"
    import_trace_file(FOREIGN / f"{fixture}.otlp.jsonl", store)
    app = TracekitApp(TraceStore(store), live=False)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("enter")  # the newest trace
        await pilot.pause()
        assert isinstance(app.screen, TraceScreen)
        waterfall = app.screen.query_one(SpanWaterfall)
        tree = screen_text(app)
        if handoff is not None:
            assert "⇢ " in tree and handoff in tree, tree
        llm = [i for i, span in enumerate(waterfall.visible_spans) if span_kind(span) == "llm"]
        if answer is None:
            assert not llm
            return
        waterfall.cursor = llm[-1]
        await pilot.pause()
        body = app.screen.query_one("#detail-body", Static)
        shown = _plain(body.content)

    conversation = shown[shown.index("Conversation") :]
    assert "── user" in conversation and "What's the weather in Lisbon?" in conversation
    assert "→ tool call get_weather" in conversation
    assert "── assistant (output)" in conversation and answer in conversation
