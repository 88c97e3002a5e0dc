"""The handlers of ``tracekit eval`` and ``tracekit experiments``, imported when they run
(their arguments are in :mod:`tracekit.cli.eval_command`)."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tracekit.cli.arguments import EXIT_USAGE
from tracekit.display import inert
from tracekit.exceptions import ConfigError, TracekitError

EXIT_GATE = 1
EXIT_INTERRUPTED = 130


def _usage(message: str) -> int:
    sys.stderr.write(f"tracekit eval: error: {inert(message)}\n")
    return EXIT_USAGE


def _import_models(spec: str) -> Any:
    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise ConfigError(f"--models {spec!r}: expected MODULE:ATTR")
    try:
        target: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
    except Exception as exc:
        raise ConfigError(f"--models {spec}: {type(exc).__name__}: {exc}") from None
    return target


def run_eval(args: argparse.Namespace) -> int:
    """Run the suite, print the report, apply the gates."""
    from tracekit.evals.experiment import run_experiment
    from tracekit.evals.harness import EvalOptions
    from tracekit.evals.progress import SuiteProgress
    from tracekit.evals.suite import load_suite
    from tracekit.evals.summary import Gates
    from tracekit.orchestrator.overrides import AgentOverrides
    from tracekit.store import resolve_store_path

    try:
        suite = load_suite(args.suite)
        overrides = AgentOverrides.parse(models=args.model, instructions=args.instructions)
        models = _import_models(args.models) if args.models else None
        store = resolve_store_path(args.store)
        options = EvalOptions(
            concurrency=args.concurrency,
            repeat=args.repeat,
            overrides=overrides,
            models=models,
            timeout_s=args.timeout,
        )
        gates = Gates(
            fail_under=args.fail_under,
            max_regressions=args.max_regressions,
            max_cost_increase=args.max_cost_increase,
            max_latency_increase=args.max_latency_increase,
        )
        total = len(suite.cases) * args.repeat
        with SuiteProgress(suite.name, total, sys.stderr) as progress:
            outcome = run_experiment(
                suite,
                store=store,
                options=options,
                candidate=args.candidate,
                baseline=args.baseline,
                gates=gates,
                on_run=progress.update,
            )
    except ConfigError as exc:  # SuiteError included: the suite could not run
        return _usage(str(exc))
    report = outcome.report
    if args.markdown:
        Path(args.markdown).write_text(report.to_markdown(), encoding="utf-8")
    if args.json:
        sys.stdout.write(report.to_json())
    else:
        console = Console()
        console.print(report.render())
        store_flag = f" --store {args.store}" if args.store else ""
        console.print(
            Text(
                f"Stored experiment {report.experiment_id}; list: tracekit experiments{store_flag}"
            )
        )
    if outcome.interrupted:
        sys.stderr.write(
            f"tracekit eval: interrupted; {len(report.runs)} finished runs stored as partial "
            f"experiment {report.experiment_id}\n"
        )
        return EXIT_INTERRUPTED
    return 0 if report.gates_passed else EXIT_GATE


def run_experiments(args: argparse.Namespace) -> int:
    """List experiments, or compare two."""
    from tracekit.store import TraceStore, resolve_store_path

    store = resolve_store_path(args.store)
    if args.experiments_command == "compare":
        from tracekit.evals.experiment import compare_experiments

        try:
            report = compare_experiments(store, args.first, args.second)
        except TracekitError as exc:
            sys.stderr.write(f"tracekit experiments: error: {inert(exc)}\n")
            return EXIT_USAGE
        if args.markdown:
            Path(args.markdown).write_text(report.to_markdown(), encoding="utf-8")
        if args.json:
            sys.stdout.write(report.to_json())
        else:
            Console().print(report.render())
        return 0
    rows = TraceStore(store).list_experiments(suite=args.suite, limit=args.limit)
    if args.json:
        import json

        sys.stdout.write(
            json.dumps([r.model_dump(mode="json", exclude={"summary"}) for r in rows], indent=2)
            + "\n"
        )
        return 0
    table = Table(title="experiments")
    for column in ("experiment", "suite", "candidate", "runs", "success", "mean cost", "note"):
        table.add_column(column, justify="right" if column in ("runs", "success") else "left")
    for r in rows:
        table.add_row(
            r.experiment_id,
            Text(inert(r.suite)),
            Text(inert(r.candidate)),
            str(r.runs),
            "—" if r.success_rate is None else f"{r.success_rate:.0%}",
            "—" if r.mean_cost_usd is None else f"${r.mean_cost_usd:.4f}",
            "partial" if r.partial else (f"vs {r.baseline}" if r.baseline else ""),
        )
    Console().print(table)
    return 0
