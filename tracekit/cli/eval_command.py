"""``tracekit eval SUITE`` and ``tracekit experiments [compare A B]``.

Exit status of ``eval``: 0 every gate held, 1 a gate failed, 2 the suite could not run (does
not import, no cases, a grader raised on every case, a bad baseline or flag), 130 interrupted
(the finished cases are stored as a partial experiment).

Only argparse here (start-up stays light); the handlers are in :mod:`tracekit.cli.eval_views`.
"""

from __future__ import annotations

import argparse
from typing import Any

from tracekit.cli.arguments import add_store_argument, lazy_handler, positive_int


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
    ev.set_defaults(handler=lazy_handler("tracekit.cli.eval_views:run_eval"))

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
    ex.set_defaults(handler=lazy_handler("tracekit.cli.eval_views:run_experiments"))
