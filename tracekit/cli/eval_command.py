"""``tracekit eval SUITE`` and ``tracekit experiments [compare A B]``.

Exit status of ``eval``: 0 every gate held, 1 a gate failed, 2 the suite could not run (does
not import, no cases, a grader raised on every case, a bad baseline or flag), 130 interrupted
(the finished cases are stored as a partial experiment).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tracekit.cli.arguments import EXIT_USAGE, add_store_argument, positive_int
from tracekit.display import inert
from tracekit.exceptions import ConfigError, TracekitError

EXIT_GATE = 1
EXIT_INTERRUPTED = 130


def percentage(value: str) -> float:
    """An argparse type: ``10%`` or ``0.1`` → 0.1."""
    text = value.strip()
    try:
        number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a percentage: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value}")
    return number


def fraction(value: str) -> float:
    """An argparse type: a success rate in [0, 1] (``0.9`` or ``90%``)."""
    number = percentage(value)
    if number > 1:
        raise argparse.ArgumentTypeError(f"a success rate is at most 1 (100%): {value}")
    return number


def register(subparsers: Any) -> None:
    """Add ``eval`` and ``experiments``."""
    ev = subparsers.add_parser(
        "eval",
        help="run an eval suite: outcome and process of every case, against a baseline",
        description="Run every case of SUITE (a Python file or module) live, grade the "
        "outcome and the process, compare with a baseline, store the experiment. Exit 0 when "
        "every gate holds, 1 when one fails, 2 when the suite cannot run, 130 on Ctrl-C.",
    )
    ev.add_argument("suite", metavar="SUITE", help="suite file (evals/x.py), module or module:attr")
    add_store_argument(ev)
    ev.add_argument("--concurrency", type=positive_int, default=4, help="cases at once (4)")
    ev.add_argument("--repeat", type=positive_int, default=1, help="runs per case (1)")
    ev.add_argument("--model", action="append", default=[], metavar="AGENT=MODEL")
    ev.add_argument("--instructions", action="append", default=[], metavar="AGENT=@FILE")
    ev.add_argument("--models", metavar="MODULE:ATTR", help="a ModelRouter (or factory) to run on")
    ev.add_argument("--candidate", default="", help="a name for this candidate in reports")
    ev.add_argument("--baseline", metavar="ID|latest|recorded:FOLDER", help="compare with")
    ev.add_argument("--timeout", type=float, default=None, metavar="S", help="per run, seconds")
    ev.add_argument("--fail-under", type=fraction, metavar="RATE", help="min success rate")
    ev.add_argument("--max-regressions", type=int, metavar="N", help="max regressed cases")
    ev.add_argument("--max-cost-increase", type=percentage, metavar="PCT", help="e.g. 10%%")
    ev.add_argument("--max-latency-increase", type=percentage, metavar="PCT", help="e.g. 20%%")
    ev.add_argument("--markdown", metavar="FILE", help="write a pull-request report")
    ev.add_argument("--json", action="store_true", help="print the report as JSON")
    ev.set_defaults(handler=run_eval)

    ex = subparsers.add_parser(
        "experiments",
        help="list stored eval experiments, or compare two",
        description="List eval experiments, newest first; `experiments compare A B` compares "
        "B (candidate) with A (baseline).",
    )
    add_store_argument(ex)
    ex.add_argument("--suite", help="only this suite's experiments")
    ex.add_argument("--limit", type=positive_int, default=50)
    ex.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ex_sub = ex.add_subparsers(dest="experiments_command", metavar="COMMAND")
    compare = ex_sub.add_parser("compare", help="compare experiment B with experiment A")
    compare.add_argument("first", metavar="A", help="baseline experiment id or prefix")
    compare.add_argument("second", metavar="B", help="candidate experiment id or prefix")
    add_store_argument(compare)
    compare.add_argument("--json", action="store_true", help="print the comparison as JSON")
    compare.add_argument("--markdown", metavar="FILE", help="write a pull-request report")
    ex.set_defaults(handler=run_experiments)


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
