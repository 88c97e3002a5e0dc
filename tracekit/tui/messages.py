"""What screens ask of the app: they post these messages and the app, which owns the screen
stack, handles them (as Textual's own demo does), so no screen depends on one app class."""

from __future__ import annotations

from textual.message import Message


class OpenTrace(Message):
    """Show one trace's span tree; ``highlight``: words to mark in its details (a search)."""

    def __init__(self, trace_id: str, highlight: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.trace_id = trace_id
        self.highlight = highlight


class OpenDiff(Message):
    """Compare two traces step by step (run A with run B)."""

    def __init__(self, trace_a: str, trace_b: str) -> None:
        super().__init__()
        self.trace_a = trace_a
        self.trace_b = trace_b


class OpenExperiment(Message):
    """Show one eval experiment's cases, against ``baseline_id`` (another experiment) when
    given, else against the baseline it was run with."""

    def __init__(self, experiment_id: str, baseline_id: str | None = None) -> None:
        super().__init__()
        self.experiment_id = experiment_id
        self.baseline_id = baseline_id
