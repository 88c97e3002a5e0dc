"""What a suite is made of: cases, the result a grader sees, and a grade.

A :class:`Case` names an input, the expected outcome, the tools that should (and, prefixed
with ``!``, should not) be called, and budgets. A grader is a plain function
``(case, result) -> bool | float | Grade | None`` (``None``: does not apply to this case).

>>> case = Case("refund", {"order_id": "A-1"}, expected={"resolved": True},
...             expected_tools=("lookup_order", "!issue_refund"), max_steps=8)
>>> case.required_tools, case.forbidden_tools
(('lookup_order',), ('issue_refund',))
>>> Grade(0.25, "one of four facts").passed
False
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

#: A grade at or above this score passes (unless the grade says otherwise).
PASS_SCORE = 0.5


@dataclass(frozen=True)
class Case:
    """One task of a suite.

    ``expected_tools`` lists tool names that should be called; a name starting with ``!`` must
    not be called. ``max_steps``/``max_cost_usd``/``max_seconds`` tighten the workflow's own
    limits for this case (the run stops when it goes over them) and are checked again by the
    ``within_budget`` grader. ``seed`` seeds the run (and a scripted model) for offline suites.
    """

    name: str
    input: Any = None
    expected: Any = None
    expected_tools: tuple[str, ...] = ()
    max_steps: int | None = None
    max_cost_usd: float | None = None
    max_seconds: float | None = None
    seed: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a case needs a name")
        object.__setattr__(self, "expected_tools", tuple(self.expected_tools))
        for budget in ("max_steps", "max_cost_usd", "max_seconds"):
            value = getattr(self, budget)
            if value is not None and value <= 0:
                raise ValueError(f"case {self.name!r}: {budget} must be positive")

    @property
    def required_tools(self) -> tuple[str, ...]:
        """Tools that should be called."""
        return tuple(t for t in self.expected_tools if not t.startswith("!"))

    @property
    def forbidden_tools(self) -> tuple[str, ...]:
        """Tools that must not be called."""
        return tuple(t[1:] for t in self.expected_tools if t.startswith("!"))

    @property
    def has_budget(self) -> bool:
        """Whether the case sets any budget."""
        return any(b is not None for b in (self.max_steps, self.max_cost_usd, self.max_seconds))


@dataclass(frozen=True)
class Grade:
    """A grader's verdict: a score in [0, 1], why, and whether it passes (by default: the
    score is at least :data:`PASS_SCORE`). ``cost_usd`` is what grading cost (an LLM judge)."""

    score: float
    reason: str = ""
    passed_: bool | None = None
    cost_usd: float | None = None

    @property
    def passed(self) -> bool:
        """Whether this grade passes."""
        return self.passed_ if self.passed_ is not None else self.score >= PASS_SCORE

    @classmethod
    def of(cls, value: bool | float | Grade) -> Grade:
        """A grade from what a grader returned (``True`` → 1.0, a float → that score)."""
        if isinstance(value, Grade):
            return value
        if isinstance(value, bool):
            return cls(1.0 if value else 0.0, "" if value else "returned False")
        if isinstance(value, int | float):
            return cls(float(value))
        raise TypeError(f"a grader returned {type(value).__name__}; expected bool, float or Grade")


@dataclass
class CaseResult:
    """One run of a case, as graders see it.

    ``output`` is what the workflow returned (a pydantic model, say); ``output_json`` is the
    same as JSON-ready data (a recorded baseline only has this). ``tools_called`` is every tool
    call in run order (``final_result`` left out). ``cost_usd`` is None when unpriced.
    """

    case: Case
    repeat: int
    status: str
    output: Any
    output_json: Any
    trace_id: str | None
    steps: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = 0.0
    latency_s: float = 0.0
    error: str | None = None
    stop_reason: str | None = None
    tools_called: list[str] = field(default_factory=list)
    trajectory: Any = None
    """The run's :class:`replay.Trajectory` (steps with their spans)."""

    @property
    def ok(self) -> bool:
        """Whether the run finished (not stopped by a limit, not failed, not timed out)."""
        return self.status == "ok"


GraderFn = Callable[[Case, CaseResult], bool | float | Grade | None]
"""A grader: ``(case, result) -> bool | float | Grade | None``."""


def grader_name(grader: Any) -> str:
    """How reports name a grader: its ``name`` attribute, else its function name."""
    name = getattr(grader, "name", None) or getattr(grader, "__name__", None)
    return str(name or type(grader).__name__)


class GradeResult(BaseModel):
    """One grader's grade of one run, as stored and reported."""

    grader: str
    score: float
    passed: bool
    reason: str = ""
    error: str | None = None
    """The exception the grader raised (then the grade fails)."""
    cost_usd: float | None = None


def run_graders(graders: Sequence[GraderFn], case: Case, result: CaseResult) -> list[GradeResult]:
    """Every grader's grade of ``result``; a grader that raises fails with the error named."""
    grades: list[GradeResult] = []
    for grader in graders:
        name = grader_name(grader)
        try:
            value = grader(case, result)
            if value is None:
                continue
            grade = Grade.of(value)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            grades.append(
                GradeResult(grader=name, score=0.0, passed=False, reason=error, error=error)
            )
            continue
        grades.append(
            GradeResult(
                grader=name,
                score=max(0.0, min(1.0, float(grade.score))),
                passed=grade.passed,
                reason=grade.reason,
                cost_usd=grade.cost_usd,
            )
        )
    return grades


def json_ready(value: Any) -> Any:
    """``value`` as JSON-ready data (pydantic models dumped in JSON mode)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    return value
