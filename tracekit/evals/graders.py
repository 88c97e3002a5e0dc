"""Built-in graders. Each factory returns a grader ``(case, result) -> Grade | None`` with a
``name`` for reports; ``None`` means the grader does not apply (the case has no expected value,
no expected tools, no budget).

Values are compared as JSON-ready data, so a pydantic output equals the dict a recorded
baseline holds.

>>> from tracekit.evals.cases import Case, CaseResult
>>> case = Case("c", "hi", expected={"resolved": True})
>>> result = CaseResult(case, 0, "ok", None, {"resolved": True, "action": "x"}, None,
...                     tools_called=["lookup_order"])
>>> json_fields()(case, result).passed, tool_called("issue_refund")(case, result).reason
(True, 'issue_refund was not called (called: lookup_order)')
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import TypeAdapter, ValidationError

from tracekit.evals.cases import Case, CaseResult, Grade, json_ready

_MISSING: Any = object()


class NamedGrader:
    """A grader function with a name (what reports call it)."""

    def __init__(self, name: str, fn: Callable[[Case, CaseResult], Grade | None]) -> None:
        self.name = name
        self._fn = fn

    def __call__(self, case: Case, result: CaseResult) -> Grade | None:
        """Grade ``result``."""
        return self._fn(case, result)

    def __repr__(self) -> str:
        return f"<grader {self.name}>"


def field_value(value: Any, path: str | None) -> Any:
    """The value at a dotted ``path`` (``items.0.name``) of JSON-ready ``value``.

    Raises KeyError when the path is not there.
    """
    if not path:
        return value
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif (
            isinstance(value, list)
            and part.lstrip("-").isdigit()
            and -len(value) <= int(part) < len(value)
        ):
            value = value[int(part)]
        else:
            raise KeyError(path)
    return value


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def equals(expected: Any = _MISSING, *, field: str | None = None) -> NamedGrader:
    """The output (or its ``field``) equals ``expected`` (default: the case's ``expected``)."""

    def grade(case: Case, result: CaseResult) -> Grade | None:
        want = case.expected if expected is _MISSING else expected
        if want is None and expected is _MISSING:
            return None
        try:
            got = field_value(result.output_json, field)
        except KeyError:
            return Grade(0.0, f"no field {field}")
        if got == json_ready(want):
            return Grade(1.0)
        return Grade(0.0, f"{field or 'output'} is {_short(got)}, expected {_short(want)}")

    return NamedGrader(f"equals({field})" if field else "equals", grade)


def contains(text: str | None = None, *, field: str | None = None) -> NamedGrader:
    """The output (or its ``field``), as text, contains ``text`` (default: the case's
    ``expected`` when that is a string), ignoring case."""

    def grade(case: Case, result: CaseResult) -> Grade | None:
        want = text if text is not None else case.expected
        if not isinstance(want, str):
            return None
        try:
            got = field_value(result.output_json, field)
        except KeyError:
            return Grade(0.0, f"no field {field}")
        haystack = got if isinstance(got, str) else repr(got)
        if want.casefold() in haystack.casefold():
            return Grade(1.0)
        return Grade(0.0, f"{field or 'output'} does not contain {want!r}")

    return NamedGrader("contains", grade)


def json_field(path: str, expected: Any) -> NamedGrader:
    """The output's field at dotted ``path`` equals ``expected``."""

    def grade(case: Case, result: CaseResult) -> Grade:
        try:
            got = field_value(result.output_json, path)
        except KeyError:
            return Grade(0.0, f"no field {path}")
        if got == json_ready(expected):
            return Grade(1.0)
        return Grade(0.0, f"{path} is {_short(got)}, expected {_short(expected)}")

    return NamedGrader(f"json_field({path})", grade)


def json_fields() -> NamedGrader:
    """Every field of the case's ``expected`` (a dict) has that value in the output; the score
    is the share of fields that match."""

    def grade(case: Case, result: CaseResult) -> Grade | None:
        want = json_ready(case.expected)
        if not isinstance(want, dict) or not want:
            return None
        wrong = []
        for path, value in want.items():
            try:
                if field_value(result.output_json, path) != value:
                    wrong.append(path)
            except KeyError:
                wrong.append(path)
        score = 1 - len(wrong) / len(want)
        reason = f"wrong: {', '.join(wrong)}" if wrong else ""
        return Grade(score, reason, passed_=not wrong)

    return NamedGrader("json_fields", grade)


def schema_valid(schema: Any) -> NamedGrader:
    """The output validates against ``schema``: a pydantic model or any type pydantic
    validates (``list[Resolution]``). JSON Schema documents are not taken: that would need a
    JSON Schema validator, which tracekit does not depend on."""
    adapter: TypeAdapter[Any] = TypeAdapter(schema)

    def grade(case: Case, result: CaseResult) -> Grade:
        try:
            adapter.validate_python(result.output_json)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(map(str, first["loc"])) or "<root>"
            return Grade(0.0, f"{where}: {first['msg']}")
        return Grade(1.0)

    return NamedGrader(f"schema_valid({getattr(schema, '__name__', 'schema')})", grade)


def _called(result: CaseResult) -> str:
    return ", ".join(result.tools_called) or "none"


def tool_called(name: str) -> NamedGrader:
    """The tool ``name`` was called at least once."""

    def grade(case: Case, result: CaseResult) -> Grade:
        if name in result.tools_called:
            return Grade(1.0)
        return Grade(0.0, f"{name} was not called (called: {_called(result)})")

    return NamedGrader(f"tool_called({name})", grade)


def tool_not_called(name: str) -> NamedGrader:
    """The tool ``name`` was never called."""

    def grade(case: Case, result: CaseResult) -> Grade:
        count = result.tools_called.count(name)
        if not count:
            return Grade(1.0)
        return Grade(0.0, f"{name} was called {count}× but must not be")

    return NamedGrader(f"tool_not_called({name})", grade)


def called_in_order(*names: str) -> NamedGrader:
    """The tools ``names`` were called in this order (others may come between them)."""

    def grade(case: Case, result: CaseResult) -> Grade:
        calls = iter(result.tools_called)
        missing = next((n for n in names if not any(c == n for c in calls)), None)
        if missing is None:
            return Grade(1.0)
        return Grade(0.0, f"not called in order {' → '.join(names)} (called: {_called(result)})")

    return NamedGrader(f"called_in_order({', '.join(names)})", grade)


def expected_tools() -> NamedGrader:
    """Every tool of the case's ``expected_tools`` was called and none of its ``!tools``."""

    def grade(case: Case, result: CaseResult) -> Grade | None:
        if not case.expected_tools:
            return None
        missing = [t for t in case.required_tools if t not in result.tools_called]
        forbidden = [t for t in case.forbidden_tools if t in result.tools_called]
        problems = [f"{t} not called" for t in missing] + [f"{t} called" for t in forbidden]
        checks = len(case.required_tools) + len(case.forbidden_tools)
        return Grade(1 - len(problems) / checks, "; ".join(problems), passed_=not problems)

    return NamedGrader("expected_tools", grade)


def within_budget() -> NamedGrader:
    """The run stayed within the case's ``max_steps``, ``max_cost_usd`` and ``max_seconds``."""

    def grade(case: Case, result: CaseResult) -> Grade | None:
        if not case.has_budget:
            return None
        over = []
        if case.max_steps is not None and result.steps > case.max_steps:
            over.append(f"{result.steps} steps > max_steps={case.max_steps}")
        if (
            case.max_cost_usd is not None
            and result.cost_usd is not None
            and result.cost_usd > case.max_cost_usd
        ):
            over.append(f"${result.cost_usd:.4f} > max_cost_usd={case.max_cost_usd:g}")
        if case.max_seconds is not None and result.latency_s > case.max_seconds:
            over.append(f"{result.latency_s:.2f} s > max_seconds={case.max_seconds:g}")
        if result.stop_reason and result.stop_reason.startswith("limit"):
            over.append(f"stopped: {result.stop_reason}")
        return Grade(0.0 if over else 1.0, "; ".join(over))

    return NamedGrader("within_budget", grade)
