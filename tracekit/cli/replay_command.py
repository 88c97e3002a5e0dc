"""``tracekit replay`` (run a recorded workflow again with the world answered from the
recording) and ``tracekit diff`` (two recorded runs aligned step by step).

Exit status, as pytest's: 0 when the replay matches, 1 with the divergence report when it does
not (or it went over a budget), 2 when it could not replay at all (the file is missing or
malformed, the entrypoint does not import, the workflow no longer accepts the recorded input):
then one line on stderr says what to do, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from tracekit.cli.arguments import add_store_argument, positive_int
from tracekit.cli.help_format import RawDescriptionHelpFormatter
from tracekit.exceptions import (
    ConfigError,
    OtlpFormatError,
    StoreError,
    TraceFileError,
    TracekitError,
)

if TYPE_CHECKING:
    from replay import DivergenceReport, Recording

EXIT_MATCHED = 0
EXIT_DIVERGED = 1
EXIT_COULD_NOT_REPLAY = 2
#: Report width when stdout is not a terminal (a CI log, a pipe).
PIPE_WIDTH = 100

EXIT_STATUS_HELP = """\
exit status:
  0  the replay matched its recording (and stayed within every budget)
  1  it diverged (the report names the first differing step), or went over a budget
  2  it could not replay: the trace file is missing or malformed, the trace id is unknown,
     the workflow's entrypoint does not import, or the workflow no longer accepts the
     recorded input; one line on stderr says what to do
"""


def register(subparsers: Any) -> None:
    """Add ``replay``."""
    from replay.modes import TOOL_ARGS_MODES, TRAJECTORY_MODES

    replay = subparsers.add_parser(
        "replay",
        help="re-run a recorded trace and report where behaviour changed",
        description="Run a recorded workflow again with every model and tool call answered "
        "from the recording, matched by trajectory position. Exit 0 when the run matches the "
        "recording; otherwise print the divergence report (both trajectories aligned, the first "
        "differing step and a per-field diff of its request) and exit 1.",
        epilog=EXIT_STATUS_HELP,
        formatter_class=RawDescriptionHelpFormatter,
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
        "--width",
        type=positive_int,
        default=None,
        help=f"render the report this wide (default: the terminal's; {PIPE_WIDTH} in a pipe)",
    )
    replay.add_argument(
        "--max-steps", type=positive_int, default=None, help="budget: at most this many steps"
    )
    replay.add_argument(
        "--max-tokens", type=positive_int, default=None, help="budget: at most this many tokens"
    )
    replay.add_argument(
        "--max-cost-usd", type=_positive_float, default=None, help="budget: at most this cost"
    )
    add_store_argument(replay)
    replay.set_defaults(handler=run_replay)

    diff = subparsers.add_parser(
        "diff",
        help="align two recorded runs step by step and show where they differ",
        description="Align two recorded runs (trace ids or trace files) step by step, as replay "
        "does, and show the first differing step with a per-field diff. Exit 0 when they match, "
        "1 when they differ, 2 when a trace cannot be read.",
    )
    diff.add_argument("first", metavar="TRACE_A", help="trace id, prefix or trace file")
    diff.add_argument("second", metavar="TRACE_B", help="trace id, prefix or trace file")
    diff.add_argument("--mode", choices=TRAJECTORY_MODES, default="strict", help="as for replay")
    diff.add_argument("--tool-args", choices=TOOL_ARGS_MODES, default="exact", help="as for replay")
    diff.add_argument("--json", action="store_true", help="print the report as JSON")
    diff.add_argument("--all-steps", action="store_true", help="list every aligned step")
    diff.add_argument(
        "--markdown",
        action="store_true",
        help="print how the second run moved from the first as Markdown (for a pull request)",
    )
    add_store_argument(diff)
    diff.set_defaults(handler=run_diff)


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {value!r}") from None
    if not number > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {value!r}")
    return number


def run_replay(args: argparse.Namespace) -> int:
    """Replay one trace and print the report (exit 0 matched, 1 diverged, 2 could not replay)."""
    from replay import ReplaySession

    try:
        session = ReplaySession(
            _recording(args.target, args.store),
            mode=args.mode,
            tool_args=args.tool_args,
            ignore=args.ignore,
            live_tools=args.live_tools,
        )
        session.recording.load_workflow()
    except TracekitError as exc:
        return _could_not_replay(exc, args.target)
    try:
        report = session.run()
    except ConfigError as exc:
        # Workflow.run validates the recorded input against the entrypoint's current type.
        return _could_not_replay(
            exc,
            args.target,
            hint="the workflow no longer accepts the recorded input: re-record the trace "
            "(pytest --replay-record=rewrite) or restore the input type",
        )
    except TracekitError as exc:
        return _could_not_replay(exc, args.target)
    report = report.with_budgets(
        max_steps=args.max_steps, max_tokens=args.max_tokens, max_cost_usd=args.max_cost_usd
    )
    return _print(report, args)


def run_diff(args: argparse.Namespace) -> int:
    """Align two recorded traces and print the report (exit 0 same, 1 differ, 2 unreadable)."""
    from replay.diff import diff_recordings

    try:
        first = _recording(args.first, args.store)
        second = _recording(args.second, args.store)
    except TracekitError as exc:
        return _could_not_replay(exc, args.first, verb="compare")
    report = diff_recordings(first, second, mode=args.mode, tool_args=args.tool_args)
    from tracekit.cli.fork_view import print_comparison

    return print_comparison(report, first, second, args, _print)


def _could_not_replay(
    exc: TracekitError, target: str, *, hint: str | None = None, verb: str = "replay"
) -> int:
    from tracekit.display import inert

    message = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    hint = hint or _hint(exc)
    # The message can quote the trace (its entrypoint, its file name): made inert.
    line = f"tracekit {verb}: could not {verb} {target}: {message}" + (f" ({hint})" if hint else "")
    sys.stderr.write(inert(line) + "\n")
    return EXIT_COULD_NOT_REPLAY


def _hint(exc: TracekitError) -> str | None:
    if isinstance(exc, StoreError):
        return "list the recorded runs with `tracekit traces`, or give a trace file"
    if isinstance(exc, TraceFileError | OtlpFormatError):
        return "export the run again with `tracekit export --trace ID --out FILE`"
    return None  # the message says what is missing and what to do


def _recording(target: str, store: str | None) -> Recording:
    from pathlib import Path

    from replay import Recording

    path = Path(target)
    if path.is_file():
        return Recording.from_file(path)
    if path.suffix in (".jsonl", ".json") or "/" in target:
        raise ConfigError(
            f"no such trace file: {path} (give a trace file, or a trace id from `tracekit traces`)"
        )
    return Recording.from_store(store, target)


def _print(report: DivergenceReport, args: argparse.Namespace) -> int:
    from rich.console import Console

    from tracekit.display import inert_json

    if args.json:
        sys.stdout.write(inert_json(report.model_dump_json(indent=2)) + "\n")
    else:
        width = getattr(args, "width", None) or (None if sys.stdout.isatty() else PIPE_WIDTH)
        Console(width=width).print(report.render(all_steps=args.all_steps))
    return EXIT_MATCHED if report.passed else EXIT_DIVERGED
