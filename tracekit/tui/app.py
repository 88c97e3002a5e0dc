"""``tracekit ui``: the app only wires screens, keys and the store together.

Screens get the store (and what else they need) through their constructors and ask for
another screen with a message (:mod:`tracekit.tui.messages`); the app owns the screen stack
and handles those messages.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from tracekit.display import inert
from tracekit.exceptions import TracekitError
from tracekit.store import TraceStore
from tracekit.tui.heap import HeapFreeze
from tracekit.tui.messages import OpenDiff, OpenExperiment, OpenTrace
from tracekit.tui.screens.help import HelpScreen
from tracekit.tui.screens.traces import PAGE_SIZE, TracesScreen

if TYPE_CHECKING:
    from tracekit.models.routing import ModelRouter
    from tracekit.store.trace_rows import TraceRowPage
    from tracekit.tui.screens.trace import TraceScreen


def _stats_screen(store: TraceStore) -> Screen[Any]:
    # Imported when first shown: the charts library is not needed for the first screen.
    from tracekit.tui.screens.stats import StatsScreen

    return StatsScreen(store)


def _experiments_screen(store: TraceStore) -> Screen[Any]:
    # Imported when first shown, as the stats screen (it draws a chart too).
    from tracekit.tui.screens.experiments import ExperimentsScreen

    return ExperimentsScreen(store)


class TracekitApp(App[None]):
    """The terminal trace browser.

    Args:
        store: the store to browse.
        live: poll the store for traces other processes record.
        poll_s: seconds between two polls in live mode.
        marker: the store's :meth:`~TraceStore.change_marker`, if the caller has just read
            it (before the app reads any traces); saves the traces screen a read round.
        first_page: the first page of the traces list (newest first, no filter), if the
            caller read it with the marker (:meth:`~TraceStore.listing_start`); saves the
            traces screen another.
        fork_models: what answers the live calls of forks made here (``f`` on a trace);
            default: the workflow's own ``models=``, else Claude with ``ANTHROPIC_API_KEY``.
    """

    TITLE = "tracekit"
    # Every screen's stylesheet, read once at start-up: a screen whose CSS_PATH is not yet
    # loaded makes Textual re-parse all CSS and restyle every widget when it is first shown.
    CSS_PATH: ClassVar[list[str | PurePath]] = [
        "screens/traces.tcss",
        "screens/trace.tcss",
        "screens/stats.tcss",
        "screens/diff.tcss",
        "screens/experiments.tcss",
        "screens/experiment.tcss",
    ]
    # The modes (traces, stats, experiments) are added in __init__: their screens take the store.
    # The app starts on Textual's blank default screen and switches to "traces" once mounted:
    # on Python 3.12+ Textual runs tasks eagerly, so a mode's first screen composes before it
    # is on the stack, and an Input in it (the filter bar) then asks for a screen that is not
    # there yet (ScreenStackError, Textual #6444). Switching from a mounted screen avoids it.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("1", "switch_mode('traces')", "Traces", show=False),
        Binding("2", "switch_mode('stats')", "Stats", show=False),
        Binding("3", "switch_mode('experiments')", "Experiments", show=False),
    ]

    def __init__(
        self,
        store: TraceStore,
        *,
        live: bool = True,
        poll_s: float = 1.0,
        marker: tuple[int, int] | None = None,
        first_page: TraceRowPage | None = None,
        fork_models: ModelRouter | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.fork_models = fork_models
        self.heap = HeapFreeze()
        modes: dict[str, Callable[[], Screen[Any]]] = {
            "traces": partial(
                TracesScreen,
                store,
                live=live,
                poll_s=poll_s,
                marker=marker,
                first_page=first_page,
                heap=self.heap,
            ),
            "stats": partial(_stats_screen, store),
            "experiments": partial(_experiments_screen, store),
        }
        for mode, make_screen in modes.items():
            self.add_mode(mode, make_screen)
        self._trace_screen: TraceScreen | None = None

    def on_unmount(self) -> None:
        """Give the objects the traces screen froze back to the garbage collector: the app
        may have run inside a longer-lived process (a test run, a notebook)."""
        self.heap.release()

    def on_mount(self) -> None:
        """Show the traces list (see the note on the modes above)."""
        self.switch_mode("traces")

    def validate_title(self, title: Any) -> str:
        """The title reaches the terminal (the header, the window title): made inert."""
        return inert(title)

    def validate_sub_title(self, sub_title: Any) -> str:
        """The sub-title reaches the terminal too: made inert."""
        return inert(sub_title)

    async def action_switch_mode(self, mode: str) -> None:
        """Show the traces list (``1``), the stats (``2``) or the experiments (``3``) from any
        screen.

        Unlike Textual's action, screens opened over the current mode's base screen (a trace,
        a diff, the help) are closed first, so each mode always comes back as its base
        screen: ``1`` on a trace shows the list, and ``2`` then ``1`` does too.
        """
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if mode != self.current_mode:
            self.switch_mode(mode)

    @on(OpenTrace)
    def _open_trace(self, message: OpenTrace) -> None:
        """Show one trace's span tree (the trace screen is built once and reused)."""
        from tracekit.tui.screens.trace import TraceScreen

        try:
            # Its forks come in the same read round: one open of the store, not two.
            outline, forks = self.store.get_trace_outline_and_forks(message.trace_id)
        except TracekitError as error:
            self.notify(inert(str(error)), severity="error", markup=False)
            return
        if self._trace_screen is None:
            self._trace_screen = TraceScreen(self.store, fork_models=self.fork_models)
            self.install_screen(self._trace_screen, "trace")
        if self.screen is not self._trace_screen:
            self.push_screen(self._trace_screen)
        self._trace_screen.show_trace(outline, forks=forks, highlight=message.highlight)

    @on(OpenDiff)
    def _open_diff(self, message: OpenDiff) -> None:
        """Compare two traces step by step."""
        from tracekit.tui.screens.diff import DiffScreen

        self.push_screen(DiffScreen(self.store, message.trace_a, message.trace_b))

    @on(OpenExperiment)
    def _open_experiment(self, message: OpenExperiment) -> None:
        """Show one eval experiment's cases (against another experiment, when compared)."""
        from tracekit.tui.screens.experiment import ExperimentScreen

        self.push_screen(ExperimentScreen(self.store, message.experiment_id, message.baseline_id))

    def action_help(self) -> None:
        """Show the keys of the current screen."""
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))


def open_app(
    store_path: str | os.PathLike[str] | None = None,
    *,
    live: bool = True,
    poll_s: float = 1.0,
    fork_models: ModelRouter | None = None,
) -> TracekitApp:
    """The trace browser on the store at ``store_path``, not yet running (``.run()`` it, or
    ``.run_test()`` it headless), as ``tracekit ui`` opens it.

    The store is read once here (its change marker and the first page of the traces list,
    in one round, handed to the app), so a missing or unreadable store fails before any
    screen: raises StoreNotFoundError / StoreError.

    Args:
        store_path: the store file (default: ``$TRACEKIT_STORE`` or ``./tracekit.duckdb``).
        live: poll the store for traces other processes record.
        poll_s: seconds between two polls in live mode.
        fork_models: what answers forks' live calls (``tracekit ui --models``).
    """
    store = TraceStore(store_path)
    # Raises StoreNotFoundError / StoreError (one line).
    marker, first_page = store.listing_start(limit=PAGE_SIZE)
    return TracekitApp(
        store,
        live=live,
        poll_s=poll_s,
        marker=marker,
        first_page=first_page,
        fork_models=fork_models,
    )
