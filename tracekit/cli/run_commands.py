"""``tracekit demo`` and ``tracekit bench``: commands that run workflows."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tracekit import settings
from tracekit.cli.arguments import add_store_argument, positive_int
from tracekit.exceptions import ConfigError, StoreError


def register(subparsers: Any) -> None:
    """Add ``demo`` and ``bench``."""
    demo = subparsers.add_parser(
        "demo",
        help="run the example workflows and record them",
        description="Run the four example workflows several times each and record every run "
        "into the store. Offline by default (a seeded scripted model: no API key, no network); "
        "--live uses Claude (needs ANTHROPIC_API_KEY).",
    )
    add_store_argument(demo)
    demo.add_argument("--live", action="store_true", help="answer with Claude instead of offline")
    demo.add_argument("--runs", type=positive_int, default=None, help="runs per example")
    demo.set_defaults(handler=run_demo)

    bench = subparsers.add_parser(
        "bench",
        help="measure instrumentation overhead and store ingest",
        description="Measure tracekit on this machine; each figure is a ratio against a "
        "baseline measured in the same run, or a throughput.",
    )
    bench.add_argument("--json", action="store_true", help="print the figures as JSON")
    bench.add_argument("--quick", action="store_true", help="smaller workloads (noisier figures)")
    bench.set_defaults(handler=run_bench)


def _command_prefix() -> str:
    """How the user should type tracekit again: the same executable they ran."""
    argv0 = sys.argv[0]
    if os.path.basename(argv0) == "tracekit" and shutil.which("tracekit") != os.path.abspath(argv0):
        return os.path.relpath(argv0)
    return "tracekit"


def _check_stored(store: Path) -> None:
    """Raise StoreError unless everything recorded into ``store`` is in its tables: a store
    that cannot take the runs is an error, never a success line."""
    from tracekit.store import TraceStore, pending_segments

    reader = TraceStore(store)
    try:
        reader.count_traces()  # folds what the runs left in the spool
    except StoreError as error:
        named = str(error) if str(store) in str(error) else f"{store}: {error}"
        raise StoreError(f"the runs could not be stored: {named}") from None
    left = pending_segments(reader.paths)
    if left:
        raise StoreError(
            f"{len(left)} batches of spans could not be stored into {store} and wait in "
            f"{reader.paths.spool}; run `tracekit doctor --store {store}`"
        )


def run_demo(args: argparse.Namespace) -> int:
    """Run every example workflow and print what was recorded."""
    from tracekit.examples import DEMOS, DemoRuntime
    from tracekit.store import resolve_store_path
    from tracekit.telemetry import Telemetry

    if args.live and not settings.anthropic_api_key_set():
        raise ConfigError("--live needs ANTHROPIC_API_KEY in the environment")
    store = resolve_store_path(args.store)
    from tracekit.store import StorePaths, TraceStore

    if store.exists():
        TraceStore(store).change_marker()  # not a tracekit store: one line, nothing recorded
    StorePaths.for_store(store).check_writable()  # tried for real: os.access says yes to root
    console = Console()
    telemetry = Telemetry.recording_to(store, service_name="tracekit-demo")
    runtime = DemoRuntime(telemetry, live=args.live)
    mode = "live (Claude)" if args.live else "offline (scripted model, no API key)"
    console.print(Text(f"Recording demo runs into {store} — {mode}"))
    outcomes = []
    try:
        for name, (demo, default_runs) in DEMOS.items():
            with console.status(Text(f"running {name}…")):
                outcomes.extend(demo(runtime, args.runs or default_runs))
    finally:
        telemetry.shutdown()
    _check_stored(store)

    table = Table(title="Demo runs")
    for column in ("workflow", "runs", "ok", "stopped", "error", "steps", "cost"):
        table.add_column(column, justify="left" if column == "workflow" else "right")
    by_example: dict[str, list[Any]] = defaultdict(list)
    for outcome in outcomes:
        by_example[outcome.example].append(outcome)
    for example, runs in by_example.items():
        status = [o.status for o in runs]
        table.add_row(
            Text(example),
            str(len(runs)),
            str(status.count("ok")),
            str(status.count("stopped")),
            str(status.count("error")),
            f"{min(o.steps for o in runs)}–{max(o.steps for o in runs)}",
            f"${sum(o.cost_usd for o in runs):.4f}",
        )
    console.print(table)
    prefix = _command_prefix()
    store_flag = f" --store {args.store}" if args.store else ""
    console.print(Text(f"Recorded {len(outcomes)} runs into {store}.\n"))
    console.print(Text("Next, try:"))
    for command in ("ui", "traces", "show <trace-id>", "stats --by agent"):
        console.print(Text(f"  {prefix} {command}{store_flag}"), soft_wrap=True)
    return 0


def run_bench(args: argparse.Namespace) -> int:
    """Measure and print the figures."""
    from tracekit.benchmarks.analytics_bench import measure_analytics
    from tracekit.benchmarks.anthropic_replay_bench import measure_anthropic_replay
    from tracekit.benchmarks.async_bench import measure_async
    from tracekit.benchmarks.instrumentation import measure_instrumentation
    from tracekit.benchmarks.otlp_bench import measure_otlp_ingest
    from tracekit.benchmarks.replay_bench import measure_replay
    from tracekit.benchmarks.scripted_bench import measure_scripted_model
    from tracekit.benchmarks.store_bench import measure_ingest
    from tracekit.benchmarks.tui_bench import measure_tui

    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="tracekit-bench-") as tmp:
        figures.update(measure_instrumentation(Path(tmp), runs=100 if args.quick else 400))
        figures.update(measure_async(Path(tmp), runs=100 if args.quick else 400))
        figures.update(measure_scripted_model(500 if args.quick else 2000))
        figures.update(measure_ingest(50_000 if args.quick else 200_000, Path(tmp)))
        figures.update(measure_otlp_ingest(20_480 if args.quick else 102_400, Path(tmp)))
        figures.update(measure_replay(20 if args.quick else 100))
        figures.update(measure_anthropic_replay(100 if args.quick else 400))
        figures.update(measure_tui(100_000 if args.quick else 1_000_000, Path(tmp)))
        figures.update(measure_analytics(100_000 if args.quick else 1_000_000, Path(tmp)))
    if args.json:
        sys.stdout.write(json.dumps(figures, indent=2, sort_keys=True) + "\n")
        return 0
    table = Table(title="tracekit bench")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("target", justify="right")
    targets = {
        "async_recorded_step_us": "≈ recorded_step_us",
        "async_amap_steps_per_s": "",
        "recording_overhead_ratio": "≤ 1.30×",
        "orchestrated_step_vs_bare_otel_ratio": "≤ 2.5×",
        "scripted_model_call_us": "≤ 10",
        "scripted_model_new_request_us": "",
        "ingest_spans_per_s": "≥ 250,000",
        "otlp_receiver_spans_per_s": "≥ 100,000",
        "replay_steps_per_s": "≥ 2,000",
        "anthropic_replay_calls_per_s": "",
        "tui_first_screen_s": "≤ 1.5 s",
        "tui_first_screen_rss_mb": "< 300",
        "tui_open_trace_ms": "≤ 200",
        "stats_by_agent_ms": "≤ 200",
        "stats_every_1h_30d_ms": "≤ 300",
    }
    for key, value in sorted(figures.items()):
        shown = f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
        table.add_row(key, shown, targets.get(key, ""))
    Console().print(table)
    return 0
