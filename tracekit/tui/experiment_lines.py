"""An experiment's cases as the experiment screen shows them: each case × repeat with its
figures, its deltas against the baseline's runs of the same case, its verdict; and the
screen's sort keys and filter (no Textual here, so it is tested on its own).

The filter takes words, all of which must hold: ``field:text`` (contains), ``field=text``
(equals), ``field!=text``, numbers with ``> >= < <= =`` (``cost>0.002``, ``turns>=1``), and free
text matched against the case name, verdict, status and reason. Text fields: case, verdict,
status, outcome (``pass``/``fail``), reason; numbers: cost, latency, steps, turns, score.
"""

from __future__ import annotations

import operator
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tracekit.evals.summary import verdict_of
from tracekit.exceptions import FilterError
from tracekit.store import ExperimentCaseRow


@dataclass(frozen=True)
class CaseLine:
    """One case × repeat, with the baseline's figures for the same case (None: unknown)."""

    row: ExperimentCaseRow
    verdict: str
    base_cost_usd: float | None = None
    base_latency_s: float | None = None
    base_steps: float | None = None

    @property
    def key(self) -> str:
        """The table's row key: the case and its repeat."""
        return f"{self.row.case_name}#{self.row.repeat}"

    @property
    def outcome(self) -> str:
        """``pass`` or ``fail``."""
        return "pass" if self.row.passed else "fail"

    @property
    def cost_change(self) -> float | None:
        """The cost against the baseline's, as a fraction (+0.1: 10% costlier)."""
        return _relative(self.row.cost_usd, self.base_cost_usd)

    @property
    def latency_change(self) -> float | None:
        """The latency against the baseline's, as a fraction."""
        return _relative(self.row.latency_s, self.base_latency_s)

    @property
    def steps_change(self) -> float | None:
        """Steps more (or fewer) than the baseline's."""
        return None if self.base_steps is None else self.row.steps - self.base_steps


def _relative(now: float | None, then: float | None) -> float | None:
    if now is None or then is None or then == 0:
        return None
    return (now - then) / then


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.fmean(known) if known else None


def case_lines(
    rows: Sequence[ExperimentCaseRow],
    baseline: Sequence[ExperimentCaseRow] | None,
    *,
    stored_verdicts: bool,
) -> list[CaseLine]:
    """Each row with the baseline's figures for its case (the mean over its repeats).

    ``stored_verdicts``: show the verdict ``tracekit eval`` stored (the experiment is seen
    against its own baseline); else each case's verdict against ``baseline`` is worked out
    here, as ``tracekit experiments compare`` does.
    """
    by_case: dict[str, list[ExperimentCaseRow]] = {}
    for row in baseline or ():
        by_case.setdefault(row.case_name, []).append(row)
    mine: dict[str, list[ExperimentCaseRow]] = {}
    for row in rows:
        mine.setdefault(row.case_name, []).append(row)
    lines = []
    for row in rows:
        base = by_case.get(row.case_name)
        verdict = row.verdict or ("new" if baseline is not None else "")
        if not stored_verdicts:
            verdict = "new"
            if base:
                now = mine[row.case_name]
                verdict = verdict_of(
                    passed=statistics.fmean(float(r.passed) for r in now),
                    base_passed=statistics.fmean(float(r.passed) for r in base),
                    score=_mean([r.score for r in now]),
                    base_score=_mean([r.score for r in base]),
                    cost=_mean([r.cost_usd for r in now]),
                    base_cost=_mean([r.cost_usd for r in base]),
                )
        lines.append(
            CaseLine(
                row=row,
                verdict=verdict,
                base_cost_usd=_mean([r.cost_usd for r in base]) if base else None,
                base_latency_s=_mean([r.latency_s for r in base]) if base else None,
                base_steps=_mean([float(r.steps) for r in base]) if base else None,
            )
        )
    return lines


_VERDICT_ORDER = {"regressed": 0, "costlier": 1, "improved": 2, "cheaper": 3, "new": 4, "same": 5}


def _unknown_last(value: float | None) -> tuple[bool, float]:
    return (value is None, value or 0.0)


#: Sort keys, in the order ``s`` cycles through them.
SORT_KEYS: dict[str, Callable[[CaseLine], Any]] = {
    "case": lambda line: (line.row.position, line.row.repeat),
    "verdict": lambda line: (_VERDICT_ORDER.get(line.verdict, 9), line.row.position),
    "outcome": lambda line: (line.row.passed, line.row.position),
    "cost": lambda line: _unknown_last(line.row.cost_usd),
    "Δ cost": lambda line: _unknown_last(line.cost_change),
    "latency": lambda line: line.row.latency_s,
    "steps": lambda line: line.row.steps,
    "turns": lambda line: _unknown_last(
        None if line.row.wrong_turns is None else float(line.row.wrong_turns)
    ),
}


def sorted_lines(lines: Sequence[CaseLine], column: str, *, descending: bool) -> list[CaseLine]:
    """``lines`` sorted by ``column`` (one of :data:`SORT_KEYS`)."""
    return sorted(lines, key=SORT_KEYS[column], reverse=descending)


_TERM = re.compile(r"^(?P<field>[a-z]+)(?P<op>!=|>=|<=|:|=|>|<)(?P<value>.+)$")
_NUMBERS: dict[str, Callable[[CaseLine], float | None]] = {
    "cost": lambda line: line.row.cost_usd,
    "latency": lambda line: line.row.latency_s,
    "steps": lambda line: float(line.row.steps),
    "turns": lambda line: None if line.row.wrong_turns is None else float(line.row.wrong_turns),
    "score": lambda line: line.row.score,
}
_TEXTS: dict[str, Callable[[CaseLine], str]] = {
    "case": lambda line: line.row.case_name,
    "verdict": lambda line: line.verdict,
    "status": lambda line: line.row.status,
    "outcome": lambda line: line.outcome,
    "reason": lambda line: line.row.reason or "",
}
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
    "!=": operator.ne,
}

LineFilter = Callable[[CaseLine], bool]


def parse_filter(query: str) -> LineFilter:
    """A predicate for ``query`` (see the module docstring). Raises FilterError, naming the
    word that is wrong."""
    tests = [_term(word) for word in query.split()]
    return lambda line: all(test(line) for test in tests)


def _term(word: str) -> LineFilter:
    match = _TERM.match(word)
    if match is None:
        needle = word.lower()
        return lambda line: any(needle in get(line).lower() for get in _TEXTS.values())
    field, op, value = match["field"], match["op"], match["value"]
    if field in _NUMBERS:
        if op == ":":
            raise FilterError(f"{word!r}: compare {field} with > >= < <= = !=")
        try:
            number = float(value.removeprefix("$").rstrip("s"))
        except ValueError:
            raise FilterError(f"{word!r}: {value!r} is not a number") from None
        get_number, compare = _NUMBERS[field], _COMPARE[op]

        def numeric(line: CaseLine) -> bool:
            found = get_number(line)
            return found is not None and compare(found, number)

        return numeric
    if field in _TEXTS:
        if op not in (":", "=", "!="):
            raise FilterError(f"{word!r}: {field} is text: use : = or !=")
        get_text, wanted = _TEXTS[field], value.lower()
        if op == ":":
            return lambda line: wanted in get_text(line).lower()
        if op == "=":
            return lambda line: get_text(line).lower() == wanted
        return lambda line: get_text(line).lower() != wanted
    known = ", ".join(sorted({*_TEXTS, *_NUMBERS}))
    raise FilterError(f"{word!r}: no field {field!r} (fields: {known})")
