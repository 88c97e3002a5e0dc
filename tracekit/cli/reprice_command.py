"""``tracekit reprice``: price the stored model calls again with the current price table.

Readers re-price on their own when the table changes (see :mod:`tracekit.store.reprice`);
this command does it on demand and says what changed and what is still unpriced.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tracekit.cli.arguments import add_store_argument


def register(subparsers: Any) -> None:
    """Add ``reprice``."""
    parser = subparsers.add_parser(
        "reprice",
        help="price stored model calls again with the current price table",
        description="Price every stored model call whose cost did not come from its source "
        "(tracekit's own spans are priced when recorded) with the built-in price table "
        "overridden by TRACEKIT_PRICES, and say which models still have no price. Reading "
        "commands do this by themselves when the table changes.",
    )
    add_store_argument(parser)
    parser.set_defaults(handler=run_reprice)


def run_reprice(args: argparse.Namespace) -> int:
    """Re-price the store; one summary line."""
    from tracekit.display import inert
    from tracekit.store import TraceStore

    result = TraceStore(args.store).reprice()
    line = f"Re-priced {result.spans} model spans in {result.traces} traces"
    if result.unpriced_spans:
        models = ", ".join(inert(model) for model in result.unpriced_models)
        line += f"; {result.unpriced_spans} still unpriced (no price for: {models})"
    sys.stdout.write(line + ".\n")
    return 0
