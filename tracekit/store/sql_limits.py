"""The limits of a user's SQL statement (see :mod:`tracekit.store.sql`): constants a
command's ``--help`` and a read round name without loading the SQL runner and Arrow."""

from __future__ import annotations

__all__ = ["DEFAULT_TIMEOUT_S"]

#: Default time limit of one statement, in seconds.
DEFAULT_TIMEOUT_S = 30.0
