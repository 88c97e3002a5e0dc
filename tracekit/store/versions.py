"""The store's schema version: read from a database and checked, without loading Arrow
(the schema's Arrow types live in :mod:`tracekit.store.schema`)."""

from __future__ import annotations

from typing import Any

from tracekit.exceptions import StoreError
from tracekit.store.engine import engine

__all__ = ["SCHEMA_VERSION", "check_readable", "read_schema_version"]

#: The schema version this tracekit writes. Bump it and add a migration step in
#: :mod:`tracekit.store.schema`.
SCHEMA_VERSION = 4


def read_schema_version(con: Any) -> int | None:
    """The store's schema version, or ``None`` for an empty database.

    Raises StoreError when the database holds tables but is not a tracekit store.
    """
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except (engine.CatalogException, engine.BinderException):
        # No (usable) meta table: either a brand-new database or someone else's.
        tables = con.execute(
            "SELECT count(*) FROM duckdb_tables() "
            "WHERE database_name = current_database() AND schema_name = 'main'"
        ).fetchone()
        if tables is None or tables[0] == 0:
            return None
        raise StoreError(
            "the database is not a tracekit store (it has no tracekit tables)"
        ) from None
    if row is None:
        raise StoreError("the database is not a tracekit store (no schema version)")
    try:
        return int(row[0])
    except ValueError:
        raise StoreError(f"the store has an unreadable schema version {row[0]!r}") from None


def check_readable(version: int | None) -> None:
    """Raise StoreError when this tracekit cannot read a store of ``version``."""
    if version is None:
        raise StoreError("the database is not a tracekit store (it is empty)")
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the store has schema version {version}, newer than this tracekit understands "
            f"({SCHEMA_VERSION}); upgrade tracekit"
        )
