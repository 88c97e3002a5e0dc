"""``tracekit fork``: replay a recorded run up to a step, then run it live with overrides.

Every call before the step is answered from the recording; from the step on the workflow runs
live (its own ``models=``, ``--models module:attribute``, or Claude with ``ANTHROPIC_API_KEY``).
The fork is recorded into the store as a new trace linked to its parent, and the command ends
with how the outcome moved (the same comparison as ``tracekit diff PARENT FORK``).

Exit status: 0 when the fork ran (whatever its outcome), 2 when it could not: an unknown step,
an override for an agent the trace does not have, no models to go live with, an unreadable
trace. Then one line on stderr says what to do.

This module only declares the arguments; what the command runs is in
:mod:`tracekit.cli.fork_view`, imported when it runs.
"""

from __future__ import annotations

from typing import Any

from tracekit.cli.arguments import add_store_argument, lazy_handler, positive_int


def register(subparsers: Any) -> None:
    """Add ``fork``."""
    fork = subparsers.add_parser(
        "fork",
        help="re-run a recorded trace from a step with one thing changed",
        description="Replay a recorded run exactly up to STEP, then run it live from STEP "
        "with overrides (a model, instructions or temperature per agent, or another input), "
        "record the fork as a new trace linked to its parent, and show how the outcome moved.",
        epilog="STEP is a position (0, 7), an agent call (writer#2) or a model call "
        "(writer#2/llm[1]), as `tracekit replay` reports them.",
    )
    fork.add_argument("target", metavar="FILE|TRACE_ID", help="a trace file or a trace id")
    fork.add_argument("--at", metavar="STEP", help="where to go live (see below)")
    fork.add_argument(
        "--model",
        metavar="AGENT=MODEL|MODEL",
        action="append",
        default=[],
        help="the model an agent (or, without AGENT=, every agent) uses after the fork point",
    )
    fork.add_argument(
        "--instructions",
        metavar="AGENT=@FILE|AGENT=TEXT",
        action="append",
        default=[],
        help="an agent's instructions after the fork point, from a file or given inline",
    )
    fork.add_argument(
        "--temperature",
        metavar="AGENT=T|T",
        action="append",
        default=[],
        help="an agent's (or every agent's) sampling temperature after the fork point",
    )
    fork.add_argument(
        "--input", metavar="@FILE|JSON", help="another workflow input (forks at step 0)"
    )
    fork.add_argument(
        "--repeat", type=positive_int, default=1, help="run N forks and summarise the spread"
    )
    fork.add_argument(
        "--models",
        metavar="MODULE:ATTRIBUTE",
        help="a ModelRouter (or a function returning one) to answer live calls",
    )
    fork.add_argument(
        "--recorded-tools",
        action="store_true",
        help="after the fork point, answer tool calls from the recording while they match",
    )
    fork.add_argument("--out", metavar="FILE", help="also write the fork to this trace file")
    fork.add_argument("--json", action="store_true", help="print the outcome as JSON")
    fork.add_argument(
        "--markdown", action="store_true", help="print the comparison as Markdown (for a PR)"
    )
    add_store_argument(fork)
    fork.set_defaults(handler=lazy_handler("tracekit.cli.fork_view:run_fork"))
