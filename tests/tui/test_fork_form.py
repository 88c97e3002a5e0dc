"""Forking from the TUI: ``f`` on a step opens the fork form, a submitted fork runs in a
worker while the screen keeps answering keys, is recorded into the same store, and the diff
of parent and fork opens. Bad fields are one line in the form, and nothing runs.

The recorded run is a shipped fixture trace of the doc pipeline imported into a real store;
the live model is a scripted model of another seed, held at a gate while the test presses keys.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Static, TextArea

from replay.recording import Recording
from tests.hostile import assert_inert, emit_hostile_run
from tests.recording import MS, REPO_ROOT, new_recorder
from tests.tui.screen_text import screen_text
from tracekit import settings
from tracekit.display import inert
from tracekit.examples import offline_router
from tracekit.ingest.file_import import import_trace_file
from tracekit.models.base import ModelRequest, ModelResponse
from tracekit.models.routing import ModelRouter
from tracekit.store import TraceStore
from tracekit.tui import TracekitApp
from tracekit.tui.screens.diff import DiffScreen
from tracekit.tui.screens.fork import ForkScreen
from tracekit.tui.screens.trace import TraceScreen
from tracekit.tui.widgets.waterfall import SpanWaterfall

pytestmark = pytest.mark.anyio

TRACE = REPO_ROOT / "fixtures" / "traces" / "doc-pipeline-seed1-ok.trace.jsonl"
#: How long a gated model waits at most (a failing test must not hang the suite).
GATE_TIMEOUT_S = 30.0


class GatedModel:
    """The fork's live model: another seed's scripted answers, each held until ``gate`` opens."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.inner = offline_router(seed=4242).client_for("any")
        self.provider = self.inner.provider
        self.gate = gate
        self.waiting = threading.Event()
        self.models: list[str] = []

    def complete(self, request: ModelRequest, tracer_provider: Any) -> ModelResponse:
        self.models.append(request.model)
        if self.gate is not None:
            self.waiting.set()
            self.gate.wait(GATE_TIMEOUT_S)
        return self.inner.complete(request, tracer_provider)


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Path, str]:
    store = tmp_path / "store.duckdb"
    import_trace_file(TRACE, store)
    return store, Recording.from_file(TRACE).trace_id


def _app(store: Path, live: GatedModel | None) -> TracekitApp:
    models = ModelRouter({}, default=live) if live is not None else None
    return TracekitApp(TraceStore(store), live=False, fork_models=models)


async def _open_fork_form(pilot: Any, app: TracekitApp, step_span: str) -> ForkScreen:
    """Open the only trace, put the cursor on the span named ``step_span``, press ``f``."""
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, TraceScreen)
    waterfall = app.screen.query_one(SpanWaterfall)
    names = [span.name for span in waterfall.visible_spans]
    waterfall.cursor = names.index(step_span)
    await pilot.press("f")
    await pilot.pause()
    assert isinstance(app.screen, ForkScreen)
    return app.screen


async def _wait_for(pilot: Any, condition: Any, rounds: int = 400) -> None:
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("the condition never held")


async def test_a_fork_runs_in_a_worker_the_ui_answers_keys_and_the_diff_opens(
    recorded: tuple[Path, str],
) -> None:
    store, parent = recorded
    gate = threading.Event()
    live = GatedModel(gate)
    app = _app(store, live)
    try:
        async with app.run_test(size=(140, 45)) as pilot:
            form = await _open_fork_form(pilot, app, "invoke_agent reviewer")
            assert "Fork doc-pipeline at reviewer#0" in screen_text(app)
            # prefilled from the recording: the reviewer's model and instructions
            model = form.query_one("#model-0", Input)
            assert model.value == "claude-haiku-4-5"
            instructions = form.query_one("#instructions-0", TextArea)
            assert instructions.text.startswith("Review the drafts as a whole")
            assert "final_result" not in instructions.text
            model.value = "claude-opus-4-1"
            form.query_one("#temperature-0", Input).value = "0.3"
            form.query_one("#fork-repeat", Input).value = "2"
            await pilot.press("ctrl+s")
            await pilot.pause()

            trace_screen = app.screen
            assert isinstance(trace_screen, TraceScreen)
            await _wait_for(pilot, live.waiting.is_set)  # the fork is live, held at the gate
            assert trace_screen.query_one("#fork-progress").display
            waterfall = trace_screen.query_one(SpanWaterfall)
            before = waterfall.cursor
            await pilot.press("k")  # handled while the fork runs
            await pilot.pause()
            assert waterfall.cursor == before - 1
            assert not isinstance(app.screen, DiffScreen)

            gate.set()
            await _wait_for(pilot, lambda: isinstance(app.screen, DiffScreen))
            diff = app.screen
            assert isinstance(diff, DiffScreen)
            await _wait_for(pilot, lambda: bool(diff.aligned))
            forks = TraceStore(store).forks_of(parent)
            assert len(forks) == 2  # repeat 2, both recorded into the same store
            assert (diff.trace_a, diff.trace_b) == (parent, forks[-1].trace_id)
            assert {f.fork_at for f in forks} == {"reviewer#0"}
            assert set(live.models) == {"claude-opus-4-1"}  # only the forked agent went live
            # the prefix was the recording: the first divergence is the fork point
            assert diff.first_divergence is not None
            first = diff.aligned[diff.first_divergence]
            assert first.step.key.startswith("reviewer#0")
            assert all(step.status == "same" for step in diff.aligned[: diff.first_divergence])

            await pilot.press("escape")  # back on the parent: its forks are named
            await pilot.pause()
            assert isinstance(app.screen, TraceScreen)
            line = str(app.screen.query_one("#trace-forks", Static).render())
            assert "⑂ 2 forks" in line and forks[-1].trace_id[:12] in line
    finally:
        gate.set()


async def test_a_fork_is_listed_under_its_parent_and_names_its_parent(
    recorded: tuple[Path, str],
) -> None:
    store, parent = recorded
    app = _app(store, GatedModel())
    async with app.run_test(size=(140, 45)) as pilot:
        await _open_fork_form(pilot, app, "invoke_agent reviewer")
        await pilot.press("ctrl+s")  # untouched: a fork with no overrides
        await _wait_for(pilot, lambda: isinstance(app.screen, DiffScreen))
    fork_id = TraceStore(store).forks_of(parent)[0].trace_id

    app = _app(store, None)
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("enter")  # newest first: the fork
        await pilot.pause()
        assert isinstance(app.screen, TraceScreen) and app.screen.trace_id == fork_id
        line = str(app.screen.query_one("#trace-forks", Static).render())
        assert line == f"⑂ fork of {parent[:12]} at reviewer#0"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("#model-0", "claude opus!", "'claude opus!' is not a model name"),
        ("#temperature-0", "warm", "temperature 'warm' is not a number"),
        ("#temperature-0", "7", "temperature 7 is not between 0 and 2"),
        ("#fork-repeat", "0", "repeat '0': give a whole number from 1 to 50"),
        ("#fork-repeat", "-2", "give a whole number from 1"),
    ],
)
async def test_a_bad_field_is_one_line_in_the_form_and_nothing_runs(
    recorded: tuple[Path, str], field: str, value: str, message: str
) -> None:
    store, parent = recorded
    live = GatedModel()
    app = _app(store, live)
    async with app.run_test(size=(140, 45)) as pilot:
        form = await _open_fork_form(pilot, app, "invoke_agent reviewer")
        form.query_one(field, Input).value = value
        await pilot.click("#fork-submit")
        await pilot.pause()
        assert app.screen is form
        error = str(form.query_one("#fork-error", Static).render())
        assert message in error and "\n" not in error
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TraceScreen)
    assert live.models == []
    assert TraceStore(store).forks_of(parent) == []


async def test_a_model_nothing_routes_is_refused_in_the_form(recorded: tuple[Path, str]) -> None:
    store, parent = recorded
    only_claude = ModelRouter({"claude-*": GatedModel()})
    app = TracekitApp(TraceStore(store), live=False, fork_models=only_claude)
    async with app.run_test(size=(140, 45)) as pilot:
        form = await _open_fork_form(pilot, app, "invoke_agent reviewer")
        form.query_one("#model-0", Input).value = "gpt-4o"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "no model client answers 'gpt-4o'" in str(
            form.query_one("#fork-error", Static).render()
        )
    assert TraceStore(store).forks_of(parent) == []


async def test_without_models_or_a_key_the_form_says_so_and_nothing_runs(
    recorded: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings, "anthropic_api_key_set", lambda: False)
    store, parent = recorded
    app = _app(store, None)
    async with app.run_test(size=(140, 45)) as pilot:
        form = await _open_fork_form(pilot, app, "invoke_agent reviewer")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        error = str(form.query_one("#fork-error", Static).render())
        assert "no models to run 'doc-pipeline' live" in error
        assert "ANTHROPIC_API_KEY is not set" in error
    assert TraceStore(store).forks_of(parent) == []


async def test_the_form_shows_hostile_trace_text_as_escapes(tmp_path: Path) -> None:
    store = tmp_path / "hostile.duckdb"
    recorder = new_recorder(store)
    emit_hostile_run(recorder.tracer, start_ns=1_750_000_000_000 * MS)
    recorder.flush()
    recorder.provider.shutdown()
    app = TracekitApp(TraceStore(store), live=False)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("f")  # on the workflow span: forks at its first step
        await pilot.pause()
        assert isinstance(app.screen, ForkScreen)
        text = screen_text(app)
        assert_inert(text)
        form = app.screen
        (setup,) = form.target.agents
        assert "\x1b" in setup.agent  # the name holds raw escape sequences...
        label = str(form.query(".fork-label").first(Static).render())
        assert label == inert(setup.agent)  # ...the form shows them as visible escapes
        assert_inert(label)
