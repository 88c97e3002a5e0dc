"""Trace filter expressions, as typed in the TUI's filter bar, to parameterised SQL.

A filter is whitespace-separated terms, all of which must hold:

- ``field:value`` / ``field=value`` / ``field!=value`` for text fields — ``agent``,
  ``workflow``, ``model``, ``tool``, ``service``, ``session``, ``status``, ``id`` (``:``
  matches a part of the value, case-insensitively; ``=`` the whole value);
- ``field>N``, ``>=``, ``<``, ``<=``, ``=``, ``!=`` for numbers — ``cost`` (dollars),
  ``duration`` (``2s``, ``150ms``, ``1.5m``; a bare number is seconds), ``tokens`` (``1k``,
  ``2M``), ``steps``, ``spans``, ``errors``;
- ``text:WORDS`` / ``text!=WORDS``: full-text search of the stored content (messages,
  system instructions, tool arguments and results, agent and workflow payloads), a part
  of the text, case-insensitively: ``text:"refund policy"``;
- anything else is free text, matched against the workflow, root span name, agents, stop
  reason and the start of the trace id. Quote a term to keep its spaces: ``"doc pipeline"``.

Search is a scan, not an index: DuckDB's ``fts`` extension is not bundled with the duckdb
wheel and cannot be installed offline, and an index would have to be rebuilt at every fold.
The PyPI package ``duckdb-ext-fts`` is built for one DuckDB release only (1.4.4; DuckDB
refuses it on any other), so it is no way out either. ``text:`` is an ``ILIKE`` over
``span_content`` (only spans with content: about half the spans, and none of the ``spans``
columns), run once per query as a semi-join: on a 1,000,000-span store it takes about the
figure ``tracekit bench`` reports as ``text_search_1m_ms``. Content is JSON, and messages are
JSON inside it, so the pattern is searched in each way the words can be encoded there (plain,
escaped once, escaped twice). Words with digits (an order number, an error code, an id) are
first looked for case-sensitively by their longest run of ASCII characters that are not
letters: no other character lower-cases to one of those, so a text without that run cannot
match, and ``contains`` is three times cheaper than ``ILIKE`` (measured on 1M spans).

>>> parse_filter("agent:planner cost>0.05").params
['%planner%', 0.05]

Values only ever reach SQL as parameters; column names come from the fixed tables below.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from tracekit import semconv as sc
from tracekit.exceptions import ConfigError, FilterError
from tracekit.store.sorting import COST_SHOWN, TOKENS_SHOWN
from tracekit.store.sorting import SORT_COLUMNS as SORT_COLUMNS

_ORDER = re.compile(r"^\s*(\w+)(?:\s+(asc|desc))?\s*$", re.IGNORECASE)
_EQUALITY_COLUMNS = ("workflow", "status")

_TERM = re.compile(r"^(?P<field>[A-Za-z_]+)(?P<op>!=|>=|<=|:|=|>|<)(?P<value>.*)$", re.DOTALL)
_NUMBER = re.compile(r"^\$?(?P<number>\d+(?:\.\d*)?|\.\d+)\s*(?P<unit>[A-Za-z]*)$")
_COMPARISONS = {"=": "=", ":": "=", "!=": "<>", ">": ">", ">=": ">=", "<": "<", "<=": "<="}
_DURATION_UNITS = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
_DURATION_UNITS.update({"": 1_000_000_000, "m": 60_000_000_000, "h": 3_600_000_000_000})
_COUNT_UNITS = {"": 1, "k": 1_000, "K": 1_000, "m": 1_000_000, "M": 1_000_000}
_STATUSES = ("ok", "error", "stopped", "interrupted")
_ESCAPE = " ESCAPE '\\'"

#: The SQL of a root span's session key: ``session.id``, else ``gen_ai.conversation.id``
#: (see :mod:`tracekit.store.sessions`).
SESSION_KEY_SQL = (
    f"coalesce(json_extract_string(attributes, '$.\"{sc.SESSION_ID}\"'), "
    f"json_extract_string(attributes, '$.\"{sc.GEN_AI_CONVERSATION_ID}\"'))"
)
#: Text fields: the SQL that tests one value (``?`` is the pattern or the value).
_TEXT_FIELDS: dict[str, str] = {
    # A semi-join, not EXISTS over unnest(agents): DuckDB runs that correlated subquery as a
    # join per trace (measured on 1M spans: 9x the CPU of this, a third of a text: search).
    "agent": (
        "trace_id IN (SELECT trace_id FROM (SELECT trace_id, unnest(agents) AS name "
        "FROM traces) WHERE name {op} ?{escape})"
    ),
    "workflow": "workflow {op} ?{escape}",
    "service": "coalesce(service_name, '') {op} ?{escape}",
    "model": "trace_id IN (SELECT trace_id FROM spans WHERE model {op} ?{escape})",
    "tool": "trace_id IN (SELECT trace_id FROM spans WHERE tool {op} ?{escape})",
    "session": (
        "trace_id IN (SELECT trace_id FROM spans WHERE parent_span_id IS NULL "
        f"AND {SESSION_KEY_SQL.replace('{', '{{').replace('}', '}}')} {{op}} ?{{escape}})"
    ),
}
#: Numeric fields: (SQL expression, how to read the value).
_NUMERIC_FIELDS: dict[str, tuple[str, Callable[[str, str], float | int]]] = {}
_FIELD_ALIASES = {"agents": "agent", "wf": "workflow", "trace": "id", "dur": "duration"}
_LIKE = f"ILIKE ?{_ESCAPE}"
_FREE_TEXT = (
    f"(workflow {_LIKE} OR root_name {_LIKE} OR coalesce(stop_reason, '') {_LIKE} "
    f"OR array_to_string(agents, ' ') {_LIKE} OR starts_with(trace_id, ?))"
)


_QUOTING = re.compile(r"['\"\\]")
_SHLEX_WHITESPACE = re.compile("[ \t\r\n]+")


class TraceFilter(NamedTuple):
    """A parsed filter: a SQL condition on the ``traces`` table and its parameters.

    ``where`` is empty for an empty filter (everything matches). ``search`` holds the words
    of its ``text:`` terms, for a viewer to highlight. A filter is a value: narrowing it
    (:meth:`and_where`) makes a new one, its ``params`` are never changed in place. (A named
    tuple, not a dataclass: every listing parses one, and ``dataclasses`` costs ~5 ms of
    start-up to import.)
    """

    text: str = ""
    where: str = ""
    params: list[Any] = []  # noqa: RUF012  (shared by filters made without params: never changed)
    search: tuple[str, ...] = ()

    def clause(self) -> str:
        """`` WHERE …`` (with a leading space), or nothing for an empty filter."""
        return f" WHERE {self.where}" if self.where else ""

    def and_where(self, condition: str, *params: Any) -> TraceFilter:
        """This filter narrowed by one more SQL ``condition`` (a fixed string; values only as
        ``params``)."""
        where = f"({self.where}) AND {condition}" if self.where else condition
        return TraceFilter(
            text=self.text, where=where, params=[*self.params, *params], search=self.search
        )


def equality_filter(**fields: str | None) -> TraceFilter:
    """A filter that matches columns of ``traces`` exactly (``workflow=``, ``status=``); a
    ``None`` value matches everything.

    >>> equality_filter(workflow="doc-pipeline", status=None).where
    'workflow = ?'
    """
    matching = TraceFilter()
    for column, value in fields.items():
        if column not in _EQUALITY_COLUMNS:
            raise FilterError(f"cannot filter traces on {column!r}")
        if value is not None:
            matching = matching.and_where(f"{column} = ?", value)
    return matching


def order_clause(order: str) -> str:
    """``"<column> [asc|desc]"`` (a key of :data:`SORT_COLUMNS`) as SQL for ``ORDER BY``;
    ConfigError with the choices otherwise.

    >>> order_clause("duration desc")
    'duration_ns DESC'
    """
    match = _ORDER.match(order)
    column = SORT_COLUMNS.get(match.group(1).lower()) if match else None
    if match is None or column is None:
        raise ConfigError(
            f"cannot sort traces by {order!r} (use one of {', '.join(SORT_COLUMNS)}, "
            "optionally followed by asc or desc)"
        )
    return f"{column} {(match.group(2) or 'asc').upper()}"


def _number(term: str, value: str, units: dict[str, int], what: str) -> float:
    match = _NUMBER.match(value.strip())
    if match is None or match.group("unit") not in units:
        raise FilterError(f"{term!r}: {value!r} is not {what}")
    return float(match.group("number")) * units[match.group("unit")]


def _cost(term: str, value: str) -> float:
    return _number(term, value, {"": 1}, "an amount of dollars (e.g. 0.05)")


def _duration(term: str, value: str) -> int:
    return int(_number(term, value, _DURATION_UNITS, "a duration (e.g. 2s, 150ms, 1.5m)"))


def _count(term: str, value: str) -> int:
    return int(_number(term, value, _COUNT_UNITS, "a count (e.g. 1000 or 1k)"))


_NUMERIC_FIELDS.update(
    {
        "cost": (COST_SHOWN, _cost),
        "duration": ("duration_ns", _duration),
        "tokens": (TOKENS_SHOWN, _count),
        "steps": ("steps", _count),
        "spans": ("span_count", _count),
        "errors": ("error_count", _count),
    }
)

#: Every field name the filter knows, for messages and the help screen.
FILTER_FIELDS: tuple[str, ...] = (*_TEXT_FIELDS, "status", "id", "text", *_NUMERIC_FIELDS)


def content_patterns(words: str) -> list[str]:
    """ILIKE patterns that find ``words`` in stored content, in every encoding it can have
    there: as is, JSON-escaped once (an attribute's string) and twice (a message inside the
    messages JSON), with non-ASCII as is or as ``\\u`` escapes.

    >>> content_patterns("refund")
    ['%refund%']
    >>> len(content_patterns('say "hi"'))  # as is, escaped once, escaped twice
    3
    """
    return [_like_pattern(form, whole=False) for form in _content_forms(words)]


def _content_forms(words: str) -> list[str]:
    forms = [words]
    for ascii_only in (False, True):
        once = json.dumps(words, ensure_ascii=ascii_only)[1:-1]
        forms += [once, json.dumps(once, ensure_ascii=ascii_only)[1:-1]]
    return list(dict.fromkeys(forms))


def _caseless_run(form: str) -> str | None:
    """The longest run of ASCII non-letters in ``form`` that has a digit, when it is at least
    two characters long: a text that holds ``form`` in any case holds this run exactly (no
    character lower-cases to an ASCII digit, space or punctuation but itself), so a
    case-sensitive ``contains`` of it can sift the texts before the ``ILIKE``.

    >>> _caseless_run("summarise 17."), _caseless_run("refund"), _caseless_run("v2")
    (' 17.', None, None)
    """
    runs = [run for run in _CASELESS_RUN.findall(form) if len(run) >= 2 and _DIGIT.search(run)]
    return max(runs, key=len) if runs else None


_CASELESS_RUN = re.compile(r"[\x00-\x40\x5b-\x60\x7b-\x7f]+")
_DIGIT = re.compile(r"[0-9]")


def _text_term(term: str, op: str, value: str) -> tuple[str, list[Any]]:
    if op not in (":", "!="):
        raise FilterError(f"{term!r}: text is searched for; use text:… or text!=…")
    matches: list[str] = []
    params: list[Any] = []
    for form in _content_forms(value):
        run = _caseless_run(form)
        if run is None:
            matches.append(f"attributes {_LIKE}")
        else:
            matches.append(f"(contains(attributes, ?) AND attributes {_LIKE})")
            params.append(run)
        params.append(_like_pattern(form, whole=False))
    condition = f"trace_id IN (SELECT trace_id FROM span_content WHERE {' OR '.join(matches)})"
    return (f"NOT ({condition})" if op == "!=" else condition), params


def _like_pattern(value: str, *, whole: bool) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped if whole else f"%{escaped}%"


def _field_term(term: str, name: str, op: str, value: str) -> tuple[str, list[Any]]:
    if value == "":
        raise FilterError(f"{term!r}: give a value after {name}{op}")
    if name in _NUMERIC_FIELDS:
        column, read = _NUMERIC_FIELDS[name]
        return f"{column} {_COMPARISONS[op]} ?", [read(term, value)]
    if name == "text":
        return _text_term(term, op, value)
    if op not in (":", "=", "!="):
        raise FilterError(f"{term!r}: {name} is text; use {name}:…, {name}=… or {name}!=…")
    if name == "status":
        if value.lower() not in _STATUSES:
            raise FilterError(f"{term!r}: status is one of {', '.join(_STATUSES)}")
        return f"status {'<>' if op == '!=' else '='} ?", [value.lower()]
    if name == "id":
        condition = "starts_with(trace_id, ?)"
        return (f"NOT {condition}" if op == "!=" else condition), [value.lower()]
    condition = _TEXT_FIELDS[name].format(op="ILIKE", escape=_ESCAPE)
    pattern = _like_pattern(value, whole=op != ":")
    return (f"NOT ({condition})" if op == "!=" else condition), [pattern]


def _split(text: str) -> list[str]:
    if not _QUOTING.search(text):
        # Without quotes or backslashes shlex splits on runs of its whitespace, as this does:
        # the common filter (none, or plain terms) skips importing shlex.
        return [word for word in _SHLEX_WHITESPACE.split(text) if word]
    import shlex

    try:
        return shlex.split(text)
    except ValueError as error:
        raise FilterError(f"cannot read the filter: {error}") from None


def parse_filter(text: str) -> TraceFilter:
    """Parse a filter expression; raises FilterError with a one-line reason when it is bad.

    >>> parse_filter("status:error").params
    ['error']
    """
    conditions: list[str] = []
    params: list[Any] = []
    search: list[str] = []
    for term in _split(text):
        match = _TERM.match(term)
        if match is not None:
            name = match.group("field").lower()
            name = _FIELD_ALIASES.get(name, name)
            if name not in FILTER_FIELDS:
                raise FilterError(
                    f"{term!r}: unknown field {match.group('field')!r} "
                    f"(fields: {', '.join(FILTER_FIELDS)}; quote free text that has : or >)"
                )
            condition, values = _field_term(term, name, match.group("op"), match.group("value"))
            if name == "text" and match.group("op") == ":":
                search.append(match.group("value"))
        else:
            pattern = _like_pattern(term, whole=False)
            condition, values = _FREE_TEXT, [pattern] * 4 + [term.lower()]
        conditions.append(f"({condition})")
        params.extend(values)
    return TraceFilter(
        text=text.strip(), where=" AND ".join(conditions), params=params, search=tuple(search)
    )
