"""Each built-in grader, the LLM judge on a scripted judge model, and the process measures."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from tracekit.evals import (
    Case,
    CaseResult,
    LLMJudge,
    called_in_order,
    contains,
    equals,
    expected_tools,
    json_field,
    json_fields,
    schema_valid,
    tool_called,
    tool_not_called,
    within_budget,
)
from tracekit.evals.process import tool_choice
from tracekit.evals.summary import percentile, verdict_of, wilson_interval
from tracekit.models import ScriptContext, ScriptedModel, Turn


class Resolution(BaseModel):
    resolved: bool
    action: str


def result(case: Case, output: object, tools: list[str] | None = None, **kw: object) -> CaseResult:
    return CaseResult(
        case, 0, kw.pop("status", "ok"), output, output, "t1", tools_called=tools or [], **kw
    )


def test_equals_and_contains_compare_with_the_expected_outcome() -> None:
    case = Case("c", "q", expected="Refunded")
    assert equals()(case, result(case, "Refunded")).passed
    grade = equals()(case, result(case, "Denied"))
    assert not grade.passed and "expected 'Refunded'" in grade.reason
    assert contains()(case, result(case, "we have refunded you")).passed
    assert not contains("sorry")(case, result(case, "no")).passed
    assert equals()(Case("no-expected", "q"), result(case, "x")) is None  # does not apply


def test_json_field_and_fields_match_a_structured_output() -> None:
    case = Case("c", "q", expected={"resolved": True, "action": "refunded"})
    out = {"resolved": True, "action": "explained", "items": [{"sku": "a"}]}
    assert json_field("items.0.sku", "a")(case, result(case, out)).passed
    assert json_field("missing", 1)(case, result(case, out)).reason == "no field missing"
    grade = json_fields()(case, result(case, out))
    assert not grade.passed and grade.score == 0.5 and grade.reason == "wrong: action"


def test_schema_valid_names_the_field_that_does_not_validate() -> None:
    case = Case("c", "q")
    assert schema_valid(Resolution)(case, result(case, {"resolved": True, "action": "x"})).passed
    grade = schema_valid(Resolution)(case, result(case, {"resolved": True}))
    assert not grade.passed and grade.reason.startswith("action")


def test_tool_graders_and_tool_choice_precision_recall() -> None:
    case = Case("c", "q", expected_tools=("lookup_order", "issue_refund", "!delete_account"))
    run = result(case, None, ["lookup_order", "check_status_page", "lookup_order"])
    assert tool_called("lookup_order")(case, run).passed
    assert not tool_called("issue_refund")(case, run).passed
    assert tool_not_called("delete_account")(case, run).passed
    assert not tool_not_called("lookup_order")(case, run).passed
    assert called_in_order("lookup_order", "check_status_page")(case, run).passed
    assert not called_in_order("check_status_page", "issue_refund")(case, run).passed
    grade = expected_tools()(case, run)
    assert not grade.passed and grade.reason == "issue_refund not called"
    # 2 distinct tools called, 1 expected: precision 1/2; 1 of 2 expected called: recall 1/2.
    assert tool_choice(case, run.tools_called) == (0.5, 0.5)
    only_forbidden = Case("f", "q", expected_tools=("!issue_refund",))
    assert tool_choice(only_forbidden, ["issue_refund", "lookup_order"]) == (0.5, None)
    assert tool_choice(Case("none", "q"), ["x"]) == (None, None)


def test_within_budget_names_every_budget_overrun() -> None:
    case = Case("c", "q", max_steps=3, max_cost_usd=0.01, max_seconds=1)
    over = result(case, None, steps=5, cost_usd=0.02, latency_s=2.0)
    grade = within_budget()(case, over)
    assert not grade.passed
    assert grade.reason == (
        "5 steps > max_steps=3; $0.0200 > max_cost_usd=0.01; 2.00 s > max_seconds=1"
    )
    assert within_budget()(case, result(case, None, steps=3, cost_usd=0.01)).passed
    assert within_budget()(Case("free", "q"), over) is None


def _judge_script(ctx: ScriptContext) -> Turn:
    polite = "please" in ctx.prompt.lower()
    return Turn(text=f'{{"score": {1 if polite else 0.2}, "reason": "tone checked"}}')


def test_llm_judge_grades_caches_by_input_and_reports_its_own_cost(tmp_path: Path) -> None:
    model = ScriptedModel(script=_judge_script)
    judge = LLMJudge("Is the reply polite?", client=model, cache_dir=tmp_path / "judge")
    case = Case("c", "q")
    first = judge(case, result(case, "Please wait, refunding now."))
    assert first.passed and first.reason == "tone checked"
    assert first.cost_usd is not None and first.cost_usd > 0
    assert not judge(case, result(case, "No.")).passed
    again = judge(case, result(case, "Please wait, refunding now."))
    assert again.passed and again.cost_usd == 0.0  # answered from the cache
    assert (judge.calls, judge.cache_hits) == (2, 1)
    # A new judge with the same cache folder pays nothing for a grade seen before.
    second = LLMJudge("Is the reply polite?", client=model, cache_dir=tmp_path / "judge")
    assert second(case, result(case, "No.")).cost_usd == 0.0 and second.calls == 0


def test_a_judge_answer_that_is_not_a_grade_fails_with_the_text() -> None:
    judge = LLMJudge("r", client=ScriptedModel(script=lambda ctx: Turn(text="I think so")))
    case = Case("c", "q")
    grade = judge(case, result(case, "x"))
    assert not grade.passed and "not a grade" in grade.reason


def test_wilson_interval_percentile_and_verdicts() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)
    low, high = wilson_interval(5, 10)
    assert round(low, 3) == 0.237 and round(high, 3) == 0.763
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5 and percentile([], 95) is None
    same = {"score": 1.0, "base_score": 1.0}
    assert verdict_of(passed=0.5, base_passed=1.0, cost=1, base_cost=1, **same) == "regressed"
    assert verdict_of(passed=1.0, base_passed=0.5, cost=1, base_cost=1, **same) == "improved"
    assert verdict_of(passed=1.0, base_passed=1.0, cost=0.8, base_cost=1, **same) == "cheaper"
    assert verdict_of(passed=1.0, base_passed=1.0, cost=1.02, base_cost=1, **same) == "same"
