"""TUI benchmark: the first screen on a big store, and opening a big trace.

The store is built here (synthetic agent runs from :mod:`tracekit.benchmarks.store_bench`
plus one 10,000-span trace, newest, so it is the first row); the app then runs headless in a
fresh subprocess that builds it with :func:`tracekit.tui.open_app`, as ``tracekit ui --store``
does, so its time and resident memory are the app's own: Python start-up is included, as are
importing Textual and the app (importing the command line, about 35 ms more for ``tracekit
ui``, is not). Times end at the frame that first shows the rows, encoded for a terminal (see
:class:`_FrameClock`), not when the test harness notices. The child reports:

- ``tui_first_screen_s``: from starting the child process to the first frame with rows of the
  traces table;
- ``tui_first_screen_rss_mb``: the child's peak resident memory at that moment;
- ``tui_open_trace_ms``: from pressing enter on the 10,000-span trace to the first frame with
  rows of its span tree (the details of the root span follow in the next frames).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Spans of the big trace that is opened.
BIG_TRACE_SPANS = 10_000
_AGENTS_IN_BIG_TRACE = 100


def build_store(path: Path, n_spans: int) -> str:
    """A store at ``path`` with about ``n_spans`` spans, one trace of :data:`BIG_TRACE_SPANS`
    among them (the newest); returns that trace's id."""
    from tracekit import semconv as sc
    from tracekit.benchmarks.store_bench import SEGMENTS_PER_FOLD, synthetic_batches
    from tracekit.store.convert import SegmentBuilder
    from tracekit.store.fold import fold_pending
    from tracekit.store.paths import StorePaths
    from tracekit.store.spool import write_segment

    paths = StorePaths.for_store(path)
    for written, batch in enumerate(synthetic_batches(max(0, n_spans - BIG_TRACE_SPANS)), 1):
        write_segment(paths, batch, fsync=False)  # built, not timed: no sync per segment
        if written % SEGMENTS_PER_FOLD == 0:
            fold_pending(paths, wait_s=60.0)
    builder = SegmentBuilder()
    trace_id = "f" * 32
    start = 2_000_000_000_000_000_000  # after every synthetic trace: the first row
    root = f"{1:016x}"
    builder.add(
        trace_id=trace_id,
        span_id=root,
        parent_span_id=None,
        name=sc.workflow_span_name("big-run"),
        kind="INTERNAL",
        start_ns=start,
        end_ns=start + BIG_TRACE_SPANS * 1_000_000,
        status_code="OK",
        attributes={
            sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW,
            sc.GEN_AI_WORKFLOW_NAME: "big-run",
        },
    )
    per_agent = (BIG_TRACE_SPANS - 1) // _AGENTS_IN_BIG_TRACE
    span = 2
    for agent in range(_AGENTS_IN_BIG_TRACE):
        agent_id = f"{span:016x}"
        agent_start = start + agent * per_agent * 1_000_000
        builder.add(
            trace_id=trace_id,
            span_id=agent_id,
            parent_span_id=root,
            name=sc.agent_span_name(f"worker{agent}"),
            kind="INTERNAL",
            start_ns=agent_start,
            end_ns=agent_start + per_agent * 1_000_000,
            status_code="UNSET",
            attributes={
                sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT,
                sc.GEN_AI_AGENT_NAME: f"worker{agent}",
            },
        )
        span += 1
        for step in range(per_agent - 1):
            step_start = agent_start + step * 1_000_000
            is_chat = step % 2 == 0
            builder.add(
                trace_id=trace_id,
                span_id=f"{span:016x}",
                parent_span_id=agent_id,
                name=sc.chat_span_name("claude-haiku-4-5")
                if is_chat
                else sc.tool_span_name("search"),
                kind="CLIENT" if is_chat else "INTERNAL",
                start_ns=step_start,
                end_ns=step_start + 900_000,
                status_code="UNSET",
                attributes={
                    sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT if is_chat else sc.OP_EXECUTE_TOOL,
                    sc.GEN_AI_REQUEST_MODEL: "claude-haiku-4-5",
                    sc.GEN_AI_USAGE_INPUT_TOKENS: 100,
                    sc.GEN_AI_USAGE_OUTPUT_TOKENS: 10,
                }
                if is_chat
                else {sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL, sc.GEN_AI_TOOL_NAME: "search"},
            )
            span += 1
    write_segment(paths, builder.to_table())
    fold_pending(paths, wait_s=60.0)
    return trace_id


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB.

    Linux keeps ``ru_maxrss`` across exec, so a child forked from a big parent would report
    the parent's peak; ``VmHWM`` belongs to the current program only.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _FrameClock:
    """Times the first frame that shows a widget's rows, as the app sends it to the terminal.

    The headless driver drops frames, so the frame is encoded here the way a terminal driver
    would (that cost is the user's too) and timed once that is done. Rows count as shown once
    the widget's ``render_line`` drew one of them for that frame.
    """

    def __init__(self, app: Any) -> None:
        self.armed: type | None = None
        self.drawn = False
        self.shown_at: float | None = None
        display = app._display

        def timed_display(screen: Any, renderable: Any) -> None:
            display(screen, renderable)
            if renderable is not None and self.drawn and self.shown_at is None:
                renderable.render_segments(app.console)
                self.shown_at = time.perf_counter()

        app._display = timed_display

    def watch(self, widget_class: type, has_row: Callable[[Any, int], bool]) -> None:
        """Wait for a widget of ``widget_class`` to draw a line ``y`` for which
        ``has_row(widget, y)`` holds."""
        self.armed, self.drawn, self.shown_at = widget_class, False, None
        render_line = widget_class.render_line  # type: ignore[attr-defined]

        def timed_render_line(widget: Any, y: int) -> Any:
            if self.armed is widget_class and not self.drawn and has_row(widget, y):
                self.drawn = True
            return render_line(widget, y)

        widget_class.render_line = timed_render_line  # type: ignore[attr-defined]

    async def wait(self, pilot: Any) -> float:
        """The time (``time.perf_counter``) of the frame."""
        deadline = time.monotonic() + 120
        while self.shown_at is None:
            if time.monotonic() > deadline:
                raise RuntimeError("the TUI never drew the rows it was waiting for")
            await pilot.pause(0.001)
        return self.shown_at


async def _run_app(store: str, started: float) -> dict[str, float]:
    """Run the app ``tracekit ui --store STORE`` runs, headless; ``started`` is the wall-clock
    time the parent started this process."""
    from tracekit.tui import open_app

    app = open_app(store)  # as `tracekit ui --store STORE` opens it (live mode on)
    from textual.widgets import DataTable

    clock = _FrameClock(app)
    # Line 0 of the table is its header.
    clock.watch(DataTable, lambda table, y: table.id == "traces" and table.row_count and y >= 1)
    async with app.run_test(size=(120, 36)) as pilot:
        first_frame = await clock.wait(pilot)
        first_screen = time.time() - (time.perf_counter() - first_frame) - started
        rss_mb = peak_rss_mb()
        await pilot.pause()
        # Imported once the list is shown: the first screen does not load the waterfall (nor
        # the span models it draws), and the harness must not load them into its time.
        from tracekit.tui.widgets.waterfall import SpanWaterfall

        clock.watch(SpanWaterfall, lambda waterfall, y: bool(waterfall.spans))
        began = time.perf_counter()
        await pilot.press("enter")  # the newest trace: the big one
        opened = await clock.wait(pilot) - began
        spans = len(app.screen.query_one(SpanWaterfall).spans)
        await pilot.pause(0.05)  # let the screen settle before the app exits
    return {
        "tui_first_screen_s": first_screen,
        "tui_first_screen_rss_mb": rss_mb,
        "tui_open_trace_ms": opened * 1000,
        "tui_open_trace_spans": float(spans),
    }


def measure_tui(n_spans: int = 1_000_000, tmp_dir: Path | None = None) -> dict[str, float]:
    """Build a store of ``n_spans`` spans under ``tmp_dir`` and measure the app on it in a
    subprocess (see the module docstring for the figures)."""
    if tmp_dir is None:
        with tempfile.TemporaryDirectory(prefix="tracekit-tui-") as tmp:
            return measure_tui(n_spans, Path(tmp))
    store = Path(tempfile.mkdtemp(prefix="tui-", dir=tmp_dir)) / "bench.duckdb"
    build_store(store, n_spans)
    figures = measure_tui_app(store)
    figures["tui_store_spans"] = float(n_spans)
    return figures


def measure_tui_app(store: Path) -> dict[str, float]:
    """One run of the app on ``store`` (built by :func:`build_store`) in a fresh subprocess:
    ``tui_first_screen_s``, ``tui_first_screen_rss_mb``, ``tui_open_trace_ms``."""
    child = subprocess.run(
        [sys.executable, "-m", "tracekit.benchmarks.tui_bench", str(store), repr(time.time())],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if child.returncode != 0:
        raise RuntimeError(f"the TUI benchmark failed: {child.stderr.strip()[-500:]}")
    figures: dict[str, float] = json.loads(child.stdout.strip().splitlines()[-1])
    return figures


if __name__ == "__main__":
    import asyncio

    print(json.dumps(asyncio.run(_run_app(sys.argv[1], float(sys.argv[2])))))
