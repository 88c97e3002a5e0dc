"""The trace browser's screens, one per module, each with its stylesheet beside it.

Screens get the store and their settings through their constructors and ask the app for
other screens with messages (:mod:`tracekit.tui.messages`). They load on first use: the
stats screen's charts library is not needed for the first screen.
"""

from tracekit.lazy import lazy_exports

_SCREENS = {
    "DiffScreen": "tracekit.tui.screens.diff",
    "ExperimentScreen": "tracekit.tui.screens.experiment",
    "ExperimentsScreen": "tracekit.tui.screens.experiments",
    "HelpScreen": "tracekit.tui.screens.help",
    "StatsScreen": "tracekit.tui.screens.stats",
    "StoreScreen": "tracekit.tui.screens.base",
    "TraceScreen": "tracekit.tui.screens.trace",
    "TracesScreen": "tracekit.tui.screens.traces",
}


__getattr__ = lazy_exports(__name__, _SCREENS)


__all__ = [
    "DiffScreen",
    "ExperimentScreen",
    "ExperimentsScreen",
    "HelpScreen",
    "StatsScreen",
    "StoreScreen",
    "TraceScreen",
    "TracesScreen",
]
