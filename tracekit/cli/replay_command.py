"""``tracekit replay`` (run a recorded workflow again with the world answered from the
recording) and ``tracekit diff`` (two recorded runs aligned step by step).

Exit 0 when the replay matches, 1 with the divergence report when it does not; a recording
that cannot be replayed (no entrypoint, not importable, a malformed file) is one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from tracekit.cli.arguments import add_store_argument, positive_int
from tracekit.display import inert_json
from tracekit.exceptions import ConfigError

if TYPE_CHECKING:
    from replay import DivergenceReport, Recording

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
    replay.add_argument(
        "--ignore",
        metavar="REGEX",
        action="append",
        default=[],
        help="mask matches of REGEX (shown as ‹ignored›) in both the recorded and the replayed "
        "requests before comparing: uuids, external ids (repeatable)",
    )
    replay.add_argument(
        "--live-tools",
        metavar="all|NAME[,NAME]",
        default=None,
        help="run these tools for real (all, or names) and compare their results with the "
        "recorded ones; other tools answer from the recording",
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
    add_store_argument(replay)
    replay.set_defaults(handler=run_replay)

    diff = subparsers.add_parser(
        "diff",
        help="align two recorded runs step by step and show where they differ",
        description="Align two recorded runs (trace ids or trace files) step by step, as replay "
        "does, and show the first differing step with a per-field diff. Exit 0 when they match.",
    )
    diff.add_argument("first", metavar="TRACE_A", help="trace id, prefix or trace file")
    diff.add_argument("second", metavar="TRACE_B", help="trace id, prefix or trace file")
    diff.add_argument("--mode", choices=TRAJECTORY_MODES, default="strict", help="as for replay")
    diff.add_argument("--tool-args", choices=TOOL_ARGS_MODES, default="exact", help="as for replay")
    diff.add_argument("--json", action="store_true", help="print the report as JSON")
    diff.add_argument("--all-steps", action="store_true", help="list every aligned step")
    add_store_argument(diff)
    diff.set_defaults(handler=run_diff)


def run_replay(args: argparse.Namespace) -> int:
    """Replay one trace and print the report."""
    from replay import ReplaySession

    report = ReplaySession(
        _recording(args.target, args.store),
        mode=args.mode,
        tool_args=args.tool_args,
        ignore=args.ignore,
        live_tools=args.live_tools,
    ).run()
    return _print(report, args)


def run_diff(args: argparse.Namespace) -> int:
    """Align two recorded traces and print the report."""
    from replay.diff import diff_recordings

    first = _recording(args.first, args.store)
    second = _recording(args.second, args.store)
    report = diff_recordings(first, second, mode=args.mode, tool_args=args.tool_args)
    return _print(report, args)


def _recording(target: str, store: str | None) -> Recording:
    from replay import Recording

    path = Path(target)
    if path.is_file():
        return Recording.from_file(path)
    if path.suffix in (".jsonl", ".json") or "/" in target:
        raise ConfigError(f"no such trace file: {path}")
    return Recording.from_store(store, target)


def _print(report: DivergenceReport, args: argparse.Namespace) -> int:
    if args.json:
        sys.stdout.write(inert_json(report.model_dump_json(indent=2)) + "\n")
    else:
        Console(width=getattr(args, "width", None)).print(report.render(all_steps=args.all_steps))
    return 0 if report.matched else EXIT_DIVERGED
