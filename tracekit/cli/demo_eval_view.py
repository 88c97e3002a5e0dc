"""The eval part of ``tracekit demo``: run the support-router suite twice and show the
comparison (imported when the demo runs, not at start-up)."""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from tracekit.display import inert
from tracekit.evals.report import EvalReport
from tracekit.evals.summary import relative_change
from tracekit.examples.eval_demo import EvalDemo, run_eval_demo

_VERDICT_STYLES = {"regressed": "bold red", "improved": "green", "costlier": "yellow"}


def run_and_show(store: Path, console: Console) -> EvalDemo:
    """Run the demo's eval into ``store`` and print its comparison table and headline."""
    with console.status(Text("running the support-router eval suite twice…")):
        demo = run_eval_demo(store)
    console.print(comparison_table(demo.candidate))
    console.print(Text(headline(demo.candidate)))
    return demo


def comparison_table(report: EvalReport) -> Table:
    """Per case: the verdict, passed then → now, the cost and its change, the first reason."""
    table = Table(
        title=inert(f"Eval {report.suite}: {report.candidate} vs baseline"), title_justify="left"
    )
    for column in ("case", "verdict", "passed", "cost", "Δ cost", "why"):
        table.add_column(
            column,
            justify="right" if column in ("cost", "Δ cost") else "left",
            no_wrap=column != "why",
        )
    for case in report.sorted_cases():
        change = relative_change(case.cost_usd, case.base_cost_usd)
        table.add_row(
            Text(inert(case.case)),
            Text(case.verdict, style=_VERDICT_STYLES.get(case.verdict, "")),
            f"{_yes(case.base_passed)} → {_yes(case.passed)}",
            _usd(case.cost_usd),
            "" if change is None else f"{change:+.0%}",
            Text(inert(case.reason.split("; ")[0])),
        )
    return table


def headline(report: EvalReport) -> str:
    """``success rate 100% → 50% · mean cost −15% · 2 regressions``."""
    now, base = report.summary, report.baseline_summary
    parts = []
    if base is not None and base.success_rate is not None and now.success_rate is not None:
        parts.append(f"success rate {base.success_rate:.0%} → {now.success_rate:.0%}")
    change = relative_change(now.mean_cost_usd, base.mean_cost_usd if base else None)
    if change is not None:
        parts.append(f"mean cost {change:+.0%}")
    count = len(report.regressions)
    parts.append(f"{count} regression{'s' if count != 1 else ''}")
    return " · ".join(parts)


def shown_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it (shorter to type)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return os.fspath(path)


def _yes(passed: float | None) -> str:
    if passed is None:
        return "—"
    return "pass" if passed >= 1 else ("fail" if passed <= 0 else f"{passed:.0%}")


def _usd(value: float | None) -> str:
    return "—" if value is None else f"${value:.4f}"
