"""DuckDB's engine for a read-only connection, without the cost of the ``duckdb`` package.

``import duckdb`` takes 100-130 ms on DuckDB 2.x, most of it the Python layer around the C
extension (the relation and expression builders, the Arrow sources, ``importlib.metadata``
for the version); the C extension alone, ``_duckdb``, takes about 30 ms, and it is where
``connect``, ``execute``, ``fetchall`` and every exception class live. A read that only runs
parameterised SQL and fetches rows (``tracekit traces``, ``stats``, ``show``) needs nothing
more, and ``tracekit traces`` is a command a user types and waits for.

Where the extension is not a top-level module (DuckDB before 1.4 keeps it at
``duckdb.duckdb``, which imports the whole package first) this is plain ``import duckdb``. The
classes are the same objects either way (``engine.Error is duckdb.Error``), so an error raised
through one is caught through the other. What the package adds on top (``con.sql``, relations,
reading Arrow objects by name in SQL) is there once anything imports ``duckdb``, which every
writer and the ``sql`` command do: use ``duckdb`` itself for those, never this module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb as engine
else:
    try:
        import _duckdb as engine
    except ImportError:  # DuckDB < 1.4: the extension is duckdb.duckdb, behind the package
        import duckdb as engine

__all__ = ["engine"]
