"""The fork form (``f`` on the trace screen): what to change from the selected step on.

One block per agent that runs from the fork point: its model and temperature, and its
instructions in an editable text area, all prefilled from the recording. Only what is changed
becomes an override. Submitting (the Fork button or ctrl+s) checks every field and the models
to go live with before anything runs; a mistake is one line in the form and nothing runs.
The screen dismisses with the checked :class:`~tracekit.tui.fork_plan.ForkPlan`, which the
trace screen runs in a worker.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static, TextArea

from tracekit.display import inert, literal
from tracekit.exceptions import TracekitError
from tracekit.models.routing import ModelRouter
from tracekit.tui.fork_plan import AgentEntry, ForkPlan, ForkTarget, read_fork_form


class ForkScreen(ModalScreen[ForkPlan | None]):
    """A form to fork a recorded run at one step.

    Args:
        target: the run and the step to fork at (with each agent's recorded setup).
        models: the router the app was given for live calls (``tracekit ui --models``), or
            None: then the workflow's own ``models=``, else Claude with ``ANTHROPIC_API_KEY``.
    """

    DEFAULT_CSS = """
    ForkScreen {
        align: center middle;
    }
    ForkScreen > Vertical {
        width: 90%;
        max-width: 110;
        height: 90%;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    ForkScreen #fork-fields {
        height: 1fr;
    }
    ForkScreen .fork-agent {
        height: auto;
        margin-bottom: 1;
    }
    ForkScreen .fork-row {
        height: auto;
    }
    ForkScreen .fork-label {
        width: 14;
        padding: 1 1 0 0;
    }
    ForkScreen .fork-model {
        width: 1fr;
    }
    ForkScreen .fork-temperature {
        width: 20;
    }
    ForkScreen TextArea {
        height: 6;
    }
    ForkScreen #fork-repeat {
        width: 12;
    }
    ForkScreen #fork-error {
        height: auto;
        color: $error;
        text-style: bold;
    }
    ForkScreen #fork-buttons {
        height: auto;
        align-horizontal: right;
    }
    ForkScreen #fork-buttons Button {
        margin-left: 2;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Fork"),
    ]

    def __init__(self, target: ForkTarget, models: ModelRouter | None = None) -> None:
        super().__init__()
        self.target = target
        self.models = models

    def compose(self) -> ComposeResult:
        """Title, one block per agent, repeat, the error line and the buttons."""
        target = self.target
        with Vertical():
            title = literal(f"Fork {target.workflow} at {target.at.name}", "bold")
            yield Static(title, id="fork-title")
            yield Static(
                literal(
                    f"Every call before {target.at.name} is answered from the recording; from it "
                    "on the run goes live with what you change here (model, temperature, "
                    "instructions). ctrl+s forks, escape cancels.",
                    "dim",
                )
            )
            with VerticalScroll(id="fork-fields"):
                for n, setup in enumerate(target.agents):
                    with Vertical(classes="fork-agent"):
                        with Horizontal(classes="fork-row"):
                            yield Static(literal(setup.agent, "bold cyan"), classes="fork-label")
                            yield Input(
                                inert(setup.model),
                                placeholder="model",
                                id=f"model-{n}",
                                classes="fork-model",
                            )
                            yield Input(
                                "" if setup.temperature is None else f"{setup.temperature:g}",
                                placeholder="temperature",
                                id=f"temperature-{n}",
                                classes="fork-temperature",
                            )
                        yield TextArea(
                            setup.instructions,
                            id=f"instructions-{n}",
                            soft_wrap=True,
                            show_line_numbers=False,
                        )
                with Horizontal(classes="fork-row"):
                    yield Static("repeat", classes="fork-label")
                    yield Input("1", id="fork-repeat")
            yield Static("", id="fork-error")
            with Horizontal(id="fork-buttons"):
                yield Button("Cancel", id="fork-cancel")
                yield Button("Fork", id="fork-submit", variant="primary")

    def on_mount(self) -> None:
        """Start in the first model field."""
        if self.target.agents:
            self.query_one("#model-0", Input).focus()

    def entries(self) -> dict[str, AgentEntry]:
        """What the form holds per agent, as typed."""
        return {
            setup.agent: AgentEntry(
                model=self.query_one(f"#model-{n}", Input).value,
                temperature=self.query_one(f"#temperature-{n}", Input).value,
                instructions=self.query_one(f"#instructions-{n}", TextArea).text,
            )
            for n, setup in enumerate(self.target.agents)
        }

    def show_error(self, message: str) -> None:
        """Say what is wrong, in one line (nothing runs)."""
        self.query_one("#fork-error", Static).update(Text(inert(message)))

    def action_submit(self) -> None:
        """Check the form; close with the plan when it is good, else show the error."""
        repeat = self.query_one("#fork-repeat", Input).value
        try:
            plan = read_fork_form(self.target, self.entries(), repeat, self.models)
        except TracekitError as error:
            self.show_error(str(error).splitlines()[0])
            return
        self.dismiss(plan)

    def action_cancel(self) -> None:
        """Close without forking."""
        self.dismiss(None)

    @on(Button.Pressed, "#fork-submit")
    def _submit(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#fork-cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    @on(Input.Submitted)
    def _enter(self) -> None:
        self.action_submit()
