"""``tracekit ui``: the terminal trace browser.

Textual is imported only when the command runs, so the rest of the CLI (and the core) never
loads it.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from tracekit.cli.arguments import add_store_argument
from tracekit.store import TraceStore

if TYPE_CHECKING:
    from tracekit.tui import TracekitApp


def register(subparsers: Any) -> None:
    """Add ``ui``."""
    ui = subparsers.add_parser(
        "ui",
        help="browse recorded traces in the terminal",
        description="Open the terminal trace browser: traces (sort, filter with /), one trace "
        "as a span tree with a waterfall and the LLM conversation, stats with charts, and a "
        "step-by-step diff of two marked traces. Press ? inside for the keys.",
    )
    add_store_argument(ui)
    ui.add_argument(
        "--live",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="show traces other processes record while the browser is open (default: on)",
    )
    ui.set_defaults(handler=run_ui)


def run_ui(args: argparse.Namespace) -> int:
    """Open the browser on the store (a missing or unreadable store fails before the UI)."""
    make_app(args).run()
    return 0


def make_app(args: argparse.Namespace) -> TracekitApp:
    """The browser for parsed ``ui`` arguments, not yet running (``tracekit bench`` runs it
    headless); raises StoreNotFoundError / StoreError for a store it cannot read."""
    store = TraceStore(args.store)
    marker = store.change_marker()  # raises StoreNotFoundError / StoreError (one line)
    from tracekit.tui import TracekitApp

    return TracekitApp(store, live=args.live, marker=marker)
