"""The diff screen: two runs aligned step by step, the first divergence highlighted.

Trajectories and their alignment come from the replay engine (:mod:`replay.trajectory`), so
the TUI shows exactly what a replay's divergence report would call a divergence: steps paired
by their place in the trajectory, a pair whose requests differ is *changed*, a step only one
run has is *missing* / *extra* (or *moved* when the other run has it elsewhere).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from replay.trajectory import AlignedStep, Step, Trajectory, align, trajectory_from_spans
from tracekit.display import format_partial_cost, format_tokens, inert, literal, pretty_json
from tracekit.exceptions import TracekitError
from tracekit.store import TraceStore
from tracekit.tui.conversation import heading
from tracekit.tui.screens.base import StoreScreen

_STATUS_STYLE = {
    "same": "dim",
    "changed": "bold yellow",
    "missing": "bold red",
    "extra": "bold green",
    "moved": "bold cyan",
}
_STATUS_SAYS = {
    "same": "same request in both runs",
    "changed": "the request differs",
    "missing": "only run A has this step",
    "extra": "only run B has this step",
    "moved": "both runs have this step, at different places",
}


class DiffScreen(StoreScreen):
    """Run A and run B side by side, one row per aligned step."""

    CSS_PATH = "diff.tcss"
    HELP_TEXT = (
        "Two marked runs aligned step by step (agent calls, model calls, tool calls), with "
        "the same alignment the replay engine uses for its divergence report. The first "
        "divergence is marked ▶ and selected; the lower pane shows which request fields "
        "differ, and whether the answers differ. n jumps to the next divergence."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back"),
        Binding("n", "next_divergence", "Next divergence"),
        Binding("tab", "focus_next", "Details", show=False),
    ]

    def __init__(self, store: TraceStore, trace_a: str, trace_b: str) -> None:
        super().__init__(store)
        self.trace_a, self.trace_b = trace_a, trace_b
        self.aligned: list[AlignedStep] = []
        self.first_divergence: int | None = None

    def compose(self) -> ComposeResult:
        """Summary, the aligned steps, the selected step's differences."""
        yield Header(show_clock=False, icon="◆")
        yield Static("", id="diff-summary")
        table: DataTable[Text] = DataTable(id="steps", cursor_type="row")
        for key in ("#", "status", "step", "run A", "run B"):
            table.add_column(key, key=key)
        yield table
        with VerticalScroll(id="diff-detail"):
            yield Static("", id="diff-body")
        yield Footer()

    def on_mount(self) -> None:
        """Read both runs, align them, select the first divergence."""
        try:
            left = trajectory_from_spans(self.store.trace_spans(self.trace_a))
            right = trajectory_from_spans(self.store.trace_spans(self.trace_b))
        except TracekitError as error:
            self.dismiss()
            self.notify(inert(str(error)), severity="error", markup=False)
            return
        self.aligned = align(left.steps, right.steps)
        self.first_divergence = next(
            (i for i, pair in enumerate(self.aligned) if pair.status != "same"), None
        )
        self.sub_title = inert(f"diff {self.trace_a[:8]} ↔ {self.trace_b[:8]}")
        self.query_one("#diff-summary", Static).update(self._summary(left, right))
        table = self.query_one("#steps", DataTable)
        for index, pair in enumerate(self.aligned):
            table.add_row(*self._cells(index, pair), key=str(index))
        table.focus()
        if self.first_divergence is not None:
            table.move_cursor(row=self.first_divergence, scroll=True)
        elif self.aligned:
            self._show(self.aligned[0])

    def _summary(self, left: Trajectory, right: Trajectory) -> Text:
        text = Text()
        for label, trace_id, trajectory in (("A", self.trace_a, left), ("B", self.trace_b, right)):
            totals = trajectory.totals()
            text.append(f"{label} ", style="bold")
            text.append_text(literal(trace_id[:12], "dim"))
            text.append_text(
                literal(
                    f"  {totals['steps']} steps · "
                    f"{format_tokens(totals['input_tokens'] + totals['output_tokens'])} tokens · "
                    f"{format_partial_cost(totals['cost_usd'], totals['unpriced_steps'])}"
                )
            )
            text.append("\n")
        if self.first_divergence is None:
            text.append("The runs take the same steps with the same requests.", style="green")
        else:
            step = self.aligned[self.first_divergence]
            text.append(f"First divergence at step {self.first_divergence + 1}: ", "bold yellow")
            text.append_text(literal(f"{step.step.label} — {_STATUS_SAYS[step.status]}"))
        return text

    def _cells(self, index: int, pair: AlignedStep) -> list[Text]:
        first = index == self.first_divergence
        style = _STATUS_STYLE[pair.status]
        marker = "▶ " if first else "  "
        step = pair.step
        return [
            Text(f"{marker}{index + 1}", style="bold yellow" if first else "dim"),
            literal(pair.status, style),
            literal(
                "  " * max(0, step.depth - 1) + f"{step.kind} {step.key}", "bold" if first else ""
            ),
            _side(pair.recorded),
            _side(pair.replayed),
        ]

    @on(DataTable.RowHighlighted, "#steps")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if 0 <= event.cursor_row < len(self.aligned):
            self._show(self.aligned[event.cursor_row])

    def _show(self, pair: AlignedStep) -> None:
        parts: list[RenderableType] = [
            literal(pair.step.label, "bold"),
            literal(_STATUS_SAYS[pair.status], _STATUS_STYLE[pair.status]),
        ]
        if pair.diffs:
            parts.append(heading("Request fields that differ"))
            for diff in pair.diffs:
                parts += [
                    literal(diff.field, "bold"),
                    Text("  A: ", style="red").append_text(_value(diff.recorded)),
                    Text("  B: ", style="green").append_text(_value(diff.replayed)),
                ]
        if pair.recorded and pair.replayed and pair.recorded.answer != pair.replayed.answer:
            parts.append(heading("Answers differ"))
            for key in sorted(set(pair.recorded.answer) | set(pair.replayed.answer)):
                a, b = pair.recorded.answer.get(key), pair.replayed.answer.get(key)
                if a != b:
                    parts += [
                        literal(key, "bold"),
                        Text("  A: ", style="red").append_text(_value(a)),
                        Text("  B: ", style="green").append_text(_value(b)),
                    ]
        step = pair.recorded or pair.replayed
        if step is not None and pair.status in ("missing", "extra", "moved"):
            parts += [heading("Request"), pretty_json(step.request)]
        self.query_one("#diff-body", Static).update(Group(*parts))

    def action_next_divergence(self) -> None:
        """Go to the next step that is not the same in both runs."""
        table = self.query_one("#steps", DataTable)
        for index in range(table.cursor_row + 1, len(self.aligned)):
            if self.aligned[index].status != "same":
                table.move_cursor(row=index, scroll=True)
                return
        self.notify("No further divergence.", timeout=2)

    def action_back(self) -> None:
        """Back to the traces."""
        self.dismiss()


def _side(step: Step | None) -> Text:
    if step is None:
        return Text("—", style="dim")
    text = literal(step.name)
    if step.status == "ERROR":
        text.stylize("bold red")
        text.append(" ✗", style="bold red")
    if step.input_tokens or step.output_tokens:
        text.append(f"  {format_tokens(step.input_tokens + step.output_tokens)} tok", "dim")
    return text


def _value(value: Any) -> Text:
    if isinstance(value, dict | list):
        return pretty_json(value)
    if isinstance(value, str):
        return literal(value, multiline=True)
    return literal(json.dumps(value, default=str))
