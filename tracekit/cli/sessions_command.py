"""``tracekit sessions``: runs grouped into user sessions, with runs, turns, tokens, cost and
duration per session.

This module only declares the arguments; what the command runs is in
:mod:`tracekit.cli.sessions_view`, imported when it runs.
"""

from __future__ import annotations

from typing import Any

from tracekit.cli.arguments import add_store_argument, lazy_handler, positive_int, trace_filter


def register(subparsers: Any) -> None:
    """Add ``sessions``."""
    command = subparsers.add_parser(
        "sessions",
        help="runs grouped into sessions: runs, turns, tokens, cost, duration",
        description="Runs that share a session (the root span's session.id, as "
        "Workflow.run(..., session_id=) records it, else its gen_ai.conversation.id) form "
        "one session. Per session, latest activity first: runs, turns (model calls), tokens "
        "in and out, cost (— when no call is priced), errors and the wall-clock duration from "
        "its first start to its last end. `tracekit traces --filter session=ID` lists its "
        "runs.",
    )
    command.add_argument(
        "--filter",
        metavar="EXPR",
        type=trace_filter,
        default="",
        help="only runs matching the filter language, e.g. 'workflow:chat text:refund'",
    )
    command.add_argument(
        "--limit", type=positive_int, default=50, help="how many sessions (default 50)"
    )
    add_store_argument(command)
    command.add_argument("--json", action="store_true", help="print JSON (for jq)")
    command.set_defaults(
        handler=lazy_handler("tracekit.cli.sessions_view:run_sessions", reads_store=True)
    )
