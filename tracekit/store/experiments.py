"""Eval experiments in the store: one row per experiment, one per case × repeat.

Tables (schema version 3, created by the migration from 2):

- ``experiments``: the suite, the candidate and its overrides, the git commit, when it ran,
  whether it is ``partial`` (interrupted: only the finished cases are stored), the baseline it
  was compared with, and its headline figures; ``summary`` holds the whole summary as JSON.
- ``experiment_cases``: one row per case and repeat, linking to the run's trace
  (``trace_id``) and to the baseline trace it was compared with; its outcome, process figures
  and verdict; ``detail`` holds the grades, tools called and per-agent figures as JSON.

An experiment is written once, at the end of ``tracekit eval``, in one short transaction under
the store's exclusive lock (DESIGN §4: writers never hold the database long): two Arrow
tables, two ``INSERT … SELECT``, commit, close. Reads go through :class:`TraceStore`'s
read-only rounds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from tracekit.exceptions import StoreError, StoreLockedError
from tracekit.store.db import connect
from tracekit.store.experiment_schema import CASE_COLUMNS, EXPERIMENT_COLUMNS
from tracekit.store.paths import StorePaths, store_lock

_JSON_COLUMNS = frozenset({"overrides", "summary", "detail"})


class ExperimentRow(BaseModel):
    """One stored experiment (the ``experiments`` table's columns)."""

    experiment_id: str
    suite: str
    workflow: str
    candidate: str
    overrides: dict[str, Any] = {}
    git_commit: str | None = None
    started_ns: int
    finished_ns: int
    partial: bool = False
    repeat: int = 1
    baseline: str | None = None
    cases: int = 0
    runs: int = 0
    passed: int = 0
    success_rate: float | None = None
    mean_cost_usd: float | None = None
    mean_latency_s: float | None = None
    judge_cost_usd: float | None = None
    summary: dict[str, Any] = {}


class ExperimentCaseRow(BaseModel):
    """One case × repeat of a stored experiment (the ``experiment_cases`` table's columns)."""

    experiment_id: str
    case_name: str
    position: int = 0
    """The case's place in the suite."""
    repeat: int = 0
    trace_id: str | None = None
    status: str
    passed: bool
    score: float | None = None
    reason: str | None = None
    steps: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    latency_s: float = 0.0
    tool_precision: float | None = None
    tool_recall: float | None = None
    wrong_turns: int | None = None
    judge_cost_usd: float | None = None
    verdict: str | None = None
    baseline_trace_id: str | None = None
    detail: dict[str, Any] = {}


def _table(rows: list[BaseModel], columns: tuple[tuple[str, str, str], ...]) -> Any:
    import pyarrow as pa  # only a writer needs Arrow (readers stay light)

    data = [row.model_dump() for row in rows]
    arrays = {}
    for name, _, arrow in columns:
        values = [row[name] for row in data]
        if name in _JSON_COLUMNS:
            values = [json.dumps(v, sort_keys=True, default=str) for v in values]
        arrays[name] = pa.array(values, type=getattr(pa, arrow)())
    return pa.table(arrays)


def write_experiment(
    store: Path, experiment: ExperimentRow, cases: list[ExperimentCaseRow], *, wait_s: float = 10.0
) -> None:
    """Store ``experiment`` and its case rows in one transaction.

    Raises StoreLockedError when the store stays busy for ``wait_s`` seconds, StoreError when
    it cannot be written.
    """
    from tracekit.store.schema import ensure_schema  # Arrow: a writer's import, not a reader's

    paths = StorePaths.for_store(store)
    paths.check_writable()
    experiments = _table([experiment], EXPERIMENT_COLUMNS)
    case_rows = _table(list(cases), CASE_COLUMNS)
    with store_lock(paths, exclusive=True, timeout_s=wait_s) as held:
        if not held:
            raise StoreLockedError(f"the store {paths.db} stayed busy for {wait_s:g} s")
        con = connect(paths.db, read_only=False, wait_s=wait_s)
        try:
            ensure_schema(con)
            con.execute("BEGIN TRANSACTION")
            try:
                con.register("_experiment_batch", experiments)
                con.register("_experiment_case_batch", case_rows)
                # DuckDB 2.0 wants each INSERT's result fetched before the next statement.
                con.execute(
                    "INSERT INTO experiments BY NAME SELECT * FROM _experiment_batch"
                ).fetchall()
                con.execute(
                    "INSERT INTO experiment_cases BY NAME SELECT * FROM _experiment_case_batch"
                ).fetchall()
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(f"cannot store the experiment in {paths.db}: {exc}") from None
        finally:
            con.close()


_EXPERIMENT_SELECT = ", ".join(name for name, _, _ in EXPERIMENT_COLUMNS)
_CASE_SELECT = ", ".join(name for name, _, _ in CASE_COLUMNS)


def _decode(names: list[str], row: tuple[Any, ...]) -> dict[str, Any]:
    values = dict(zip(names, row, strict=True))
    for key in _JSON_COLUMNS & values.keys():
        raw = values[key]
        values[key] = json.loads(raw) if isinstance(raw, str) else (raw or {})
    return values


def list_experiments(con: Any, *, suite: str | None = None, limit: int = 50) -> list[ExperimentRow]:
    """The newest experiments first (of ``suite`` when given)."""
    names = [name for name, _, _ in EXPERIMENT_COLUMNS]
    rows = con.execute(
        f"SELECT {_EXPERIMENT_SELECT} FROM experiments "
        "WHERE ($suite IS NULL OR suite = $suite) "
        "ORDER BY started_ns DESC, experiment_id DESC LIMIT $limit",
        {"suite": suite, "limit": limit},
    ).fetchall()
    return [ExperimentRow.model_validate(_decode(names, row)) for row in rows]


def resolve_experiment(con: Any, id_or_prefix: str) -> ExperimentRow:
    """The one experiment whose id starts with ``id_or_prefix``.

    Raises StoreError when none or several match.
    """
    names = [name for name, _, _ in EXPERIMENT_COLUMNS]
    rows = con.execute(
        f"SELECT {_EXPERIMENT_SELECT} FROM experiments WHERE starts_with(experiment_id, ?) "
        "ORDER BY started_ns DESC LIMIT 3",
        [id_or_prefix],
    ).fetchall()
    if not rows:
        raise StoreError(f"no experiment {id_or_prefix!r} (list them: `tracekit experiments`)")
    if len(rows) > 1:
        raise StoreError(f"the experiment id prefix {id_or_prefix!r} is ambiguous")
    return ExperimentRow.model_validate(_decode(names, rows[0]))


def experiment_cases(con: Any, experiment_id: str) -> list[ExperimentCaseRow]:
    """The case rows of one experiment, in case then repeat order."""
    names = [name for name, _, _ in CASE_COLUMNS]
    rows = con.execute(
        f"SELECT {_CASE_SELECT} FROM experiment_cases WHERE experiment_id = ? "
        "ORDER BY position, case_name, repeat",
        [experiment_id],
    ).fetchall()
    return [ExperimentCaseRow.model_validate(_decode(names, row)) for row in rows]
