"""What ``tracekit fork`` runs (its arguments are in :mod:`tracekit.cli.fork_command`), and
the fork comparison ``tracekit diff`` prints."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from tracekit.cli.arguments import EXIT_USAGE
from tracekit.display import inert, inert_json
from tracekit.exceptions import TracekitError

if TYPE_CHECKING:
    from collections.abc import Callable

    from replay import DivergenceReport, Recording
    from replay.fork import ForkRun

#: Output width when stdout is not a terminal.
PIPE_WIDTH = 100


def _could_not_fork(exc: TracekitError, target: str) -> int:
    message = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    sys.stderr.write(inert(f"tracekit fork: could not fork {target}: {message}") + "\n")
    return EXIT_USAGE


def run_fork(args: argparse.Namespace) -> int:
    """Run the fork(s) and print how the outcome moved (exit 0, or 2 when it cannot run)."""
    from replay.fork import ForkSession, load_recording, store_processors
    from replay.fork_diff import ForkComparison
    from replay.fork_spread import ForkSpread
    from tracekit.cli.fork_options import load_router, read_overrides
    from tracekit.store import resolve_store_path

    store = resolve_store_path(args.store)
    try:
        overrides = read_overrides(
            models=args.model,
            instructions=args.instructions,
            temperatures=args.temperature,
            input=args.input,
        )
        models = load_router(args.models) if args.models else None
        recording = load_recording(args.target, args.store)
        session = ForkSession(
            recording,
            at=args.at,
            models=models,
            overrides=overrides,
            recorded_tools=args.recorded_tools,
        )
        runs = [session.run(store_processors(store)) for _ in range(args.repeat)]
    except TracekitError as exc:
        return _could_not_fork(exc, args.target)
    if args.out:
        _write(runs[0], Path(args.out))
    comparison = ForkComparison.of(recording, runs[0].recording)
    spread = ForkSpread.of(runs) if args.repeat > 1 else None
    if args.json:
        document: dict[str, Any] = {
            "parent_trace_id": recording.trace_id,
            "at": session.at.name,
            "overrides": json.loads(session.overrides.attribute_json()),
            "store": str(store),
            "forks": [_fork_json(run) for run in runs],
            "comparison": comparison.model_dump(mode="json"),
        }
        if spread is not None:
            document["spread"] = spread.model_dump(mode="json")
        sys.stdout.write(inert_json(json.dumps(document, indent=2, default=str)) + "\n")
        return 0
    if args.markdown:
        sys.stdout.write(comparison.to_markdown())
        return 0
    console = Console(width=None if sys.stdout.isatty() else PIPE_WIDTH, highlight=False)
    console.print(
        inert(
            f"forked {recording.workflow_name} ({recording.trace_id[:12]}) at {session.at.name}"
            f" · {session.overrides.describe()} · recorded in {store}"
        ),
        markup=False,
    )
    for run in runs:
        result = run.result
        console.print(
            inert(
                f"fork {run.trace_id}: {result.status} · {run.recorded_calls} calls from the "
                f"recording, {run.live_calls} live · {result.steps} steps"
            ),
            markup=False,
        )
    if spread is not None:
        console.print(spread.render())
    console.print(comparison.render())
    console.print(
        inert(f"diff it again: tracekit diff {_target(args.target)} {runs[0].trace_id[:12]}"),
        markup=False,
        style="dim",
    )
    return 0


def _target(target: str) -> str:
    return target if Path(target).is_file() else target[:12]


def _fork_json(run: ForkRun) -> dict[str, Any]:
    result = run.result
    return {
        "trace_id": run.trace_id,
        "status": result.status,
        "steps": result.steps,
        "input_tokens": result.input_tokens,
        "output_tokens": result.output_tokens,
        "cost_usd": result.cost_usd,
        "recorded_calls": run.recorded_calls,
        "live_calls": run.live_calls,
        "prefix_live_calls": run.prefix_live_calls,
        "output": run.recording.output,
    }


def _write(run: ForkRun, path: Path) -> None:
    from tracekit.otlp.files import write_trace_file

    path.parent.mkdir(parents=True, exist_ok=True)
    write_trace_file(path, run.recording.spans, spans_per_line=1)


def print_comparison(
    report: DivergenceReport,
    first: Recording,
    second: Recording,
    args: argparse.Namespace,
    print_report: Callable[[DivergenceReport, argparse.Namespace], int],
) -> int:
    """``tracekit diff``'s output: the divergence report, then how the second run moved
    (``--markdown``: that alone, as Markdown; ``--json``: under ``comparison``)."""
    from replay.fork_diff import ForkComparison

    comparison = ForkComparison.from_report(report, first, second)
    code = 0 if report.passed else 1
    if args.markdown:
        sys.stdout.write(comparison.to_markdown())
        return code
    if args.json:
        document = json.loads(report.model_dump_json())
        document["comparison"] = comparison.model_dump(mode="json")
        sys.stdout.write(inert_json(json.dumps(document, indent=2)) + "\n")
        return code
    code = print_report(report, args)
    Console(width=None if sys.stdout.isatty() else PIPE_WIDTH, highlight=False).print(
        comparison.render()
    )
    return code
