"""``tracekit demo`` and ``tracekit bench``: commands that run workflows."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from tracekit.cli.arguments import add_store_argument, positive_int
from tracekit.exceptions import ConfigError, StoreError

if TYPE_CHECKING:
    from pathlib import Path

    from tracekit.benchmarks.figures import BenchReport


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
        description="Measure tracekit on this machine. Each figure is the median of several "
        "runs, shown with its min and max; a ratio is against a baseline measured in the same "
        "run; wall times are of the command a user types. The load average is printed beside "
        "them. --json prints {figures: {name: {median, min, max, runs, unit, target, note}}, "
        "load_average: {start, end}, python, platform, cpus, quick, runs}.",
    )
    bench.add_argument("--json", action="store_true", help="print the figures as JSON")
    bench.add_argument("--quick", action="store_true", help="smaller workloads (noisier figures)")
    bench.add_argument(
        "--runs", type=_at_least_five, default=5, help="runs per figure (at least 5; default 5)"
    )
    bench.add_argument(
        "--scale",
        choices=tuple(_STORE_SPANS),
        default="1m",
        help="spans in the store the TUI and the commands are timed on (default 1m; "
        "--quick uses 100,000)",
    )
    bench.set_defaults(handler=run_bench)


#: ``bench --scale``: spans in the store that the TUI and the typed commands are timed on.
_STORE_SPANS = {"1m": 1_000_000, "5m": 5_000_000}


def _at_least_five(value: str) -> int:
    runs = positive_int(value)
    if runs < 5:
        raise argparse.ArgumentTypeError(f"a median needs at least 5 runs, not {runs}")
    return runs


def _command_prefix() -> str:
    """How the user should type tracekit again: the same executable they ran."""
    import shutil

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
    from collections import defaultdict

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from tracekit import settings
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
    from tracekit.cli.demo_eval_view import run_and_show, shown_path

    # The eval suite runs offline, baseline then candidate, also in a live demo.
    evals = run_and_show(store, console)
    prefix = _command_prefix()
    store_flag = f" --store {args.store}" if args.store else ""
    console.print(Text(f"Recorded {len(outcomes)} runs and 2 eval experiments into {store}.\n"))
    console.print(Text("Next, try:"))
    suite, prompt = shown_path(evals.suite_file), shown_path(evals.prompt_file)
    compare = f"experiments compare {evals.baseline.experiment_id} {evals.candidate.experiment_id}"
    for command in (
        "ui",
        "traces",
        "show <trace-id>",
        "stats --by agent",
        compare,
        f"eval {suite} --baseline {evals.baseline.experiment_id} "
        f"--instructions billing=@{prompt} --max-regressions 0",
    ):
        console.print(Text(f"  {prefix} {command}{store_flag}"), soft_wrap=True)
    console.print(
        Text("In the ui, press 3 for the eval experiments: Enter opens one, d diffs a case.")
    )
    return 0


def run_bench(args: argparse.Namespace) -> int:
    """Measure and print the figures: each the median of ``--runs`` runs, with min and max."""
    import json
    import tempfile
    from pathlib import Path

    from tracekit.benchmarks.analytics_bench import (
        MONTH_FIGURES,
        SEARCH_NOTE,
        build_month_store,
        measure_month_queries,
    )
    from tracekit.benchmarks.anthropic_replay_bench import measure_anthropic_replay
    from tracekit.benchmarks.async_bench import measure_async
    from tracekit.benchmarks.cli_bench import (
        compile_bytecode,
        measure_cli,
        measure_show_in_process,
    )
    from tracekit.benchmarks.eval_bench import measure_eval_overhead
    from tracekit.benchmarks.figures import BenchReport, load_average, repeat, summarise
    from tracekit.benchmarks.fork_bench import measure_fork
    from tracekit.benchmarks.instrumentation import measure_instrumentation
    from tracekit.benchmarks.otlp_bench import measure_otlp_ingest
    from tracekit.benchmarks.pytest_plugin_bench import measure_pytest_plugin
    from tracekit.benchmarks.replay_bench import measure_replay
    from tracekit.benchmarks.scripted_bench import measure_scripted_model
    from tracekit.benchmarks.store_bench import measure_ingest
    from tracekit.benchmarks.tui_bench import build_store, measure_tui_app
    from tracekit.cli import main as cli_main

    quick, runs = args.quick, args.runs
    compile_bytecode()  # fresh processes read .pyc files, as an installed tracekit's do
    start_load = load_average()
    samples: dict[str, list[float]] = {}
    notes: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="tracekit-bench-") as tmp:
        base = Path(tmp)

        def measured(name: str) -> Path:  # a fresh folder per run: no run reuses a store
            return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=base))

        def replay_and_fork() -> dict[str, float]:
            # The fork's prefix against a plain replay of the same recording, side by side.
            figures = measure_replay(20 if quick else 100)
            figures.update(measure_fork(20 if quick else 100))
            figures["fork_prefix_vs_replay_ratio"] = (
                figures["replay_steps_per_s"] / figures["fork_prefix_steps_per_s"]
            )
            return figures

        # Each measure does one run (its ratios from a baseline measured in that same run).
        measures = [
            lambda: measure_instrumentation(
                measured("rec"), runs=100 if quick else 400, sustained_blocks=1 if quick else 3
            ),
            lambda: measure_async(measured("async"), runs=100 if quick else 400),
            lambda: measure_scripted_model(500 if quick else 2000),
            lambda: measure_ingest(50_000 if quick else 200_000, measured("ingest")),
            lambda: measure_otlp_ingest(20_480 if quick else 102_400, measured("otlp")),
            replay_and_fork,
            lambda: measure_pytest_plugin(2 if quick else 3, rounds=1),
            lambda: measure_anthropic_replay(100 if quick else 400),
            lambda: measure_eval_overhead(5 if quick else 10),
        ]
        for measure in measures:
            samples.update(repeat(measure, runs))
        # One big store (built once, not a figure) for the app and the commands a user types.
        store_spans = 100_000 if quick else _STORE_SPANS[args.scale]
        store = measured("store") / "bench.duckdb"
        big_trace = build_store(store, store_spans)
        size = store.stat().st_size
        samples.update(repeat(lambda: {"store_bytes_per_span": size / store_spans}, runs))
        samples.update(repeat(lambda: measure_tui_app(store), runs))
        samples.update(repeat(lambda: measure_cli(store, big_trace), runs))
        samples.update(repeat(lambda: measure_show_in_process(cli_main, store, big_trace), runs))
        # Another (built once): the same kind of runs spread over 30 days, for stats buckets.
        month_spans = 100_000 if quick else _STORE_SPANS[args.scale]
        month = measured("month") / "month.duckdb"
        build_month_store(month, month_spans)
        samples.update(repeat(lambda: measure_month_queries(month), runs))
        why = "--quick" if quick else f"--scale {args.scale}"
        if store_spans != 1_000_000:
            for name in samples:
                if name.startswith(("cli_", "tui_", "store_", "show_")) and name != "cli_help_ms":
                    notes[name] = f"on {store_spans:,} spans ({why})"
        if month_spans != 1_000_000:
            for name in MONTH_FIGURES:
                notes[name] = f"on {month_spans:,} spans over 30 days ({why})"
        for name in ("text_search_1m_ms", "text_search_words_1m_ms"):
            notes[name] = "; ".join(filter(None, (notes.get(name), SEARCH_NOTE)))
    targets = {
        "async_recorded_step_us": "≈ recorded_step_us",
        "async_amap_steps_per_s": "",
        "recording_overhead_ratio": "≤ 1.30×",
        "recording_sustained_overhead_ratio": "≤ 1.30×",
        "orchestrated_step_vs_bare_otel_ratio": "≤ 2.5×",
        "scripted_model_call_us": "≤ 10",
        "scripted_model_new_request_us": "",
        "ingest_spans_per_s": "≥ 250,000",
        "otlp_receiver_spans_per_s": "≥ 100,000",
        "replay_steps_per_s": "≥ 5,000",
        "pytest_plugin_overhead_ms_per_trace": "≤ 2",
        "fork_prefix_steps_per_s": "≥ replay ÷ 2",
        "fork_prefix_vs_replay_ratio": "≤ 2×",
        "anthropic_replay_calls_per_s": "",
        "eval_overhead_ms_per_case": "< 5",
        "tui_first_screen_s": "≤ 1.5 s",
        "tui_first_screen_rss_mb": "< 300",
        "tui_open_trace_ms": "≤ 200",
        "cli_help_ms": "≤ 60",
        "cli_traces_1m_ms": "≤ 120",
        "cli_stats_by_agent_1m_ms": "≤ 200",
        "cli_show_10k_ms": "≤ 250",
        "cli_show_10k_json_ms": "≤ 250",
        "show_10k_in_process_ms": "≤ 150",
        "show_10k_json_in_process_ms": "≤ 150",
        "stats_by_agent_ms": "≤ 200",
        "stats_every_1h_30d_ms": "≤ 300",
        "anomalies_1m_ms": "≤ 1000",
        "text_search_1m_ms": "≤ 1000",
        "text_search_words_1m_ms": "≤ 1000",
    }
    report = BenchReport.of(summarise(samples, targets, notes), start_load, quick=quick, runs=runs)
    if args.json:
        sys.stdout.write(json.dumps(report.model_dump(mode="json"), indent=2) + "\n")
        return 0
    _print_bench(report)
    return 0


def _print_bench(report: BenchReport) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from tracekit.benchmarks.figures import report_rows

    loads = report.load_average
    table = Table(
        title="tracekit bench",
        caption=f"median of {report.runs} runs each · load average {loads.start} at the "
        f"start, {loads.end} at the end · Python {report.python} · {report.cpus} CPUs"
        + (" · --quick: smaller workloads" if report.quick else ""),
    )
    for column in ("figure", "median", "min", "max", "unit", "target", "note"):
        table.add_column(column, justify="right" if column in ("median", "min", "max") else "left")
    for row in report_rows(report):
        table.add_row(*(Text(cell) for cell in row))
    console = Console()
    if not console.is_terminal:
        # Written to a file or a pipe, the table would be cut to 80 columns, and with it the
        # figure names; a file has no width to keep to, so every row is printed whole.
        unbounded = console.options.update_width(10_000)
        console.width = max(console.width, console.measure(table, options=unbounded).maximum)
    console.print(table)
