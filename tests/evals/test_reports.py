"""The Markdown and JSON reports, pinned by golden files (fixed figures, no clock)."""

from __future__ import annotations

import json
from pathlib import Path

from tracekit.evals import Baseline, CaseRun, Gates, GradeResult
from tracekit.evals.experiment import build_report
from tracekit.evals.process import AgentFigures

GOLDENS = Path(__file__).parent / "goldens"


def run(
    case: str, position: int, passed: bool, cost: float, latency: float, **kw: object
) -> CaseRun:
    return CaseRun(
        case=case,
        position=position,
        repeat=0,
        status="ok",
        passed=passed,
        score=1.0 if passed else 0.5,
        cost_usd=cost,
        latency_s=latency,
        steps=4,
        trace_id=f"{position:032x}",
        **kw,
    )


def report() -> str:
    base = Baseline(
        "exp-base",
        {
            "refund": [run("refund", 0, True, 0.0020, 1.0)],
            "status|page": [run("status|page", 1, True, 0.0010, 0.5)],
            "export": [run("export", 2, True, 0.0010, 0.5)],
        },
    )
    candidate = [
        run(
            "refund",
            0,
            False,
            0.0015,
            0.8,
            wrong_turns=2,
            baseline_trace_id="b" * 32,
            reason="json_fields: wrong: refund_usd",
            diff_summary="traces bbbb and 0000 differ at step 3: system prompt changed",
            grades=[
                GradeResult(
                    grader="json_fields", score=0.5, passed=False, reason="wrong: refund_usd"
                )
            ],
            agents={
                "billing": AgentFigures(
                    calls=1, cost_usd=0.0015, input_tokens=900, output_tokens=80, retries=1
                )
            },
        ),
        run("status|page", 1, True, 0.0013, 0.5, wrong_turns=0, baseline_trace_id="c" * 32),
        run("export", 2, True, 0.0010, 0.5, wrong_turns=0),
    ]
    return build_report(
        "exp-cand",
        "support-router",
        "support-router",
        "instructions(billing)",
        candidate,
        base,
        gates=Gates(fail_under=0.9, max_regressions=0, max_cost_increase=0.1),
    )


def check(name: str, text: str) -> None:
    path = GOLDENS / name
    if not path.exists():
        path.write_text(text)
    assert text == path.read_text()


def test_markdown_report_puts_regressions_first_with_their_diff() -> None:
    text = report().to_markdown()
    check("report.md", text)
    table = [
        line
        for line in text.splitlines()
        if line.startswith("| refund") or line.startswith("| status")
    ]
    assert table[0].startswith("| refund | regressed")
    assert "status\\|page | costlier" in table[1]  # a pipe in a case name cannot break the table


def test_json_report_carries_every_figure_and_the_diff_commands() -> None:
    rendered = report()
    data = json.loads(rendered.to_json())
    data.pop("runs")
    check("report.json", json.dumps(data, indent=2, sort_keys=True) + "\n")
    assert data["regressions"] == 1 and data["gates_passed"] is False
    assert data["cases"][0]["diff_command"] == f"tracekit diff {'b' * 16} {'0' * 16}"
