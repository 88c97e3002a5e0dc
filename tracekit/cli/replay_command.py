"""``tracekit replay``: run a recorded workflow again with the world answered from the recording.

Exit 0 when the replay matches, 1 with the divergence report when it does not; a recording
that cannot be replayed (no entrypoint, not importable, a malformed file) is one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from tracekit.cli.arguments import positive_int
from tracekit.exceptions import ConfigError

EXIT_DIVERGED = 1


def register(subparsers: Any) -> None:
    """Add ``replay``."""
    from replay.player import TOOL_ARGS_MODES, TRAJECTORY_MODES

    replay = subparsers.add_parser(
        "replay",
        help="re-run a recorded trace and report where behaviour changed",
        description="Run a recorded workflow again with every model and tool call answered "
        "from the recording, matched by trajectory position. Exit 0 when the run matches the "
        "recording; otherwise print the divergence report (both trajectories aligned, the first "
        "differing step and a per-field diff of its request) and exit 1.",
    )
    replay.add_argument(
        "target",
        metavar="TRACE_ID|FILE",
        help="a trace id (or unique prefix) in the store, or a trace file (OTLP JSON lines)",
    )
    replay.add_argument(
        "--mode",
        choices=TRAJECTORY_MODES,
        default="strict",
        help="strict (default): same steps, same order, same requests; unordered / subset / "
        "superset compare only the handoffs and tool calls",
    )
    replay.add_argument(
        "--tool-args",
        choices=TOOL_ARGS_MODES,
        default="exact",
        help="how tool arguments compare: exact (default), ignore, or subset",
    )
    replay.add_argument("--json", action="store_true", help="print the report as JSON")
    replay.add_argument(
        "--all-steps",
        action="store_true",
        help="list every aligned step, not only those near the first divergence",
    )
    replay.add_argument(
        "--width", type=positive_int, default=None, help="render the report this wide"
    )
    replay.add_argument("--store", help="store path (default $TRACEKIT_STORE or ./tracekit.duckdb)")
    replay.set_defaults(handler=run_replay)


def run_replay(args: argparse.Namespace) -> int:
    """Replay one trace and print the report."""
    from replay import ReplaySession

    target = Path(args.target)
    options: dict[str, Any] = {"mode": args.mode, "tool_args": args.tool_args}
    if target.is_file():
        session = ReplaySession.from_file(target, **options)
    elif target.suffix in (".jsonl", ".json") or "/" in args.target:
        raise ConfigError(f"no such trace file: {target}")
    else:
        session = ReplaySession.from_store(args.store, args.target, **options)
    report = session.run()
    if args.json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        Console(width=args.width).print(report.render(all_steps=args.all_steps))
    return 0 if report.matched else EXIT_DIVERGED
