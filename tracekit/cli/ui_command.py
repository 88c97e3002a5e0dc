"""``tracekit ui``: the terminal trace browser.

Textual is imported only when the command runs, so the rest of the CLI (and the core) never
loads it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tracekit.cli.arguments import EXIT_USAGE, add_store_argument
from tracekit.exceptions import ConfigError


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
    ui.add_argument(
        "--models",
        metavar="MODULE:ATTRIBUTE",
        help="a ModelRouter for the live calls of forks made in the browser (f on a step); "
        "default: the workflow's own models=, else Claude with ANTHROPIC_API_KEY",
    )
    ui.set_defaults(handler=run_ui)


def run_ui(args: argparse.Namespace) -> int:
    """Open the browser on the store (a missing or unreadable store fails before the UI)."""
    from tracekit.cli.fork_options import load_router
    from tracekit.inert_text import inert
    from tracekit.tui import open_app

    try:
        models = load_router(args.models) if args.models else None
    except ConfigError as exc:
        sys.stderr.write(f"tracekit ui: error: {inert(exc)}\n")
        return EXIT_USAGE
    app = open_app(args.store, live=args.live, fork_models=models)  # a missing store: one line
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # Without a terminal Textual would wait for input that never comes, at 100% CPU.
        sys.stderr.write(
            "tracekit ui: error: needs a terminal (stdin and stdout); in scripts use "
            "`tracekit traces`, `show` or `stats`\n"
        )
        return EXIT_USAGE

    app.run()
    return 0
