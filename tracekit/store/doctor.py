"""``tracekit doctor``'s checks: can the store be opened, what it holds, what waits in the
spool, which segments were rejected and why, and cheap consistency checks. Read-only: the
doctor folds nothing, migrates nothing and creates no file.

>>> diagnose_store("runs.duckdb").problems  # doctest: +SKIP
[]
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb
from pydantic import BaseModel, ConfigDict

from tracekit.exceptions import StoreError, StoreLockedError
from tracekit.store.db import connect
from tracekit.store.fold import rejected_segments
from tracekit.store.paths import StorePaths, store_lock
from tracekit.store.schema import SCHEMA_VERSION, read_schema_version
from tracekit.store.spool import pending_segments

#: How long the doctor waits for a fold or a reader to let go of the store.
DOCTOR_WAIT_S = 10.0


class RejectedSegmentInfo(BaseModel):
    """A segment set aside in ``<spool>/rejected/``, and why."""

    model_config = ConfigDict(frozen=True)

    path: str
    bytes: int
    reason: str


class StoreDiagnosis(BaseModel):
    """What the doctor found. ``problems`` is empty for a healthy store."""

    model_config = ConfigDict(frozen=True)

    store: str
    exists: bool
    bytes: int
    schema_version: int | None
    current_schema_version: int
    traces: int | None
    spans: int | None
    spans_with_content: int | None
    pending_segments: int
    pending_bytes: int
    rejected: list[RejectedSegmentInfo]
    problems: list[str]
    notes: list[str]


def diagnose_store(
    path: str | os.PathLike[str] | None = None, *, wait_s: float = DOCTOR_WAIT_S
) -> StoreDiagnosis:
    """Check the store at ``path``. Raises StoreLockedError when it stays busy, StoreError when
    neither the database nor its spool exists (nothing to check)."""
    paths = StorePaths.for_store(path)
    pending = pending_segments(paths)
    exists = paths.db.is_file()
    if not exists and not pending and not paths.spool.is_dir():
        raise StoreError(f"no store at {paths.db} (nothing to check)")
    problems: list[str] = []
    notes: list[str] = []
    rejected = [
        RejectedSegmentInfo(path=str(item.path), bytes=_size(item.path), reason=item.reason)
        for item in rejected_segments(paths)
    ]
    if rejected:
        problems.append(
            f"{len(rejected)} segment(s) could not be folded and were set aside in "
            f"{paths.spool / 'rejected'}"
        )
        notes.append(
            f"a rejected segment moved back into {paths.spool} is tried again by the next "
            "fold; one that is not wanted can be deleted with its .reason file"
        )
    facts: dict[str, Any] = {
        "schema_version": None,
        "traces": None,
        "spans": None,
        "spans_with_content": None,
    }
    if paths.db.exists() and not exists:
        problems.append(f"{paths.db} is not a file")
    elif exists:
        _check_database(paths, wait_s, facts, problems, notes)
    else:
        notes.append("no database yet: the next command that reads the store creates it")
    if pending:
        notes.append(f"{len(pending)} segment(s) wait in {paths.spool}; the next read folds them")
    return StoreDiagnosis(
        store=str(paths.db),
        exists=exists,
        bytes=_size(paths.db),
        current_schema_version=SCHEMA_VERSION,
        pending_segments=len(pending),
        pending_bytes=sum(_size(segment) for segment in pending),
        rejected=rejected,
        problems=problems,
        notes=notes,
        **facts,
    )


def _check_database(
    paths: StorePaths, wait_s: float, facts: dict[str, Any], problems: list[str], notes: list[str]
) -> None:
    with store_lock(paths, exclusive=False, timeout_s=wait_s) as held:
        if not held:
            raise StoreLockedError(f"the store {paths.db} stayed busy for {wait_s:g} s")
        try:
            con = connect(paths.db, read_only=True, wait_s=wait_s)
        except StoreLockedError:
            raise
        except StoreError as error:
            problems.append(str(error))
            return
        try:
            _check_tables(con, facts, problems, notes)
        except duckdb.Error as error:
            problems.append(
                f"the store {paths.db} is damaged or unreadable ({_first_line(error)}); move it "
                f"aside (spooled spans in {paths.spool} are kept) and record or import again"
            )
        except StoreError as error:
            problems.append(f"{paths.db}: {error}")
        finally:
            con.close()


def _check_tables(con: Any, facts: dict[str, Any], problems: list[str], notes: list[str]) -> None:
    version = read_schema_version(con)
    facts["schema_version"] = version
    if version is None:
        notes.append("the database is empty: the next fold creates the tables")
        return
    if version > SCHEMA_VERSION:
        problems.append(
            f"schema version {version} is newer than this tracekit understands "
            f"({SCHEMA_VERSION}); upgrade tracekit"
        )
        return
    if version < SCHEMA_VERSION:
        notes.append(f"schema version {version} is migrated to {SCHEMA_VERSION} on next read")
    row = con.execute(
        "SELECT (SELECT count(*) FROM traces), (SELECT count(*) FROM spans), "
        "(SELECT count(*) FROM span_content), "
        "(SELECT coalesce(sum(span_count), 0) FROM traces), "
        "(SELECT count(*) FROM (SELECT 1 FROM spans GROUP BY trace_id, span_id "
        " HAVING count(*) > 1)), "
        "(SELECT count(DISTINCT trace_id) FROM spans)"
    ).fetchone()
    traces, spans, content, summed, duplicated, span_traces = (int(value) for value in row)
    facts.update(traces=traces, spans=spans, spans_with_content=content)
    # The summaries are derived from the spans at each fold: any difference is damage.
    if summed != spans or span_traces != traces:
        problems.append(
            f"the trace summaries disagree with the spans ({traces} summaries for "
            f"{span_traces} traces, {summed} spans counted for {spans} stored)"
        )
    if duplicated:
        problems.append(f"{duplicated} span(s) are stored more than once")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
