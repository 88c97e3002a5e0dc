"""Trace ids as users type them: a full id or a unique prefix, resolved on a connection."""

from __future__ import annotations

import re
from typing import Any

from tracekit.exceptions import TraceNotFoundError

_HEX = re.compile(r"^[0-9a-f]{1,32}$")


def resolve_trace_id(con: Any, id_or_prefix: str) -> str:
    """The full id of the one stored trace whose id starts with ``id_or_prefix`` (what a
    user types: a prefix of hex digits, any case). TraceNotFoundError when none or several
    match, saying which."""
    prefix = id_or_prefix.strip().lower()
    if not _HEX.match(prefix):
        raise TraceNotFoundError(f"no trace matches {id_or_prefix!r} (trace ids are hex digits)")
    if len(prefix) == 32:
        row = con.execute("SELECT trace_id FROM traces WHERE trace_id = ?", [prefix]).fetchone()
        if row is None:
            raise TraceNotFoundError(f"no trace matches {id_or_prefix!r}")
        return str(row[0])
    rows = con.execute(
        "SELECT trace_id FROM traces WHERE starts_with(trace_id, ?) LIMIT 2", [prefix]
    ).fetchall()
    if not rows:
        raise TraceNotFoundError(f"no trace matches {id_or_prefix!r}")
    if len(rows) > 1:
        count = con.execute(
            "SELECT count(*) FROM traces WHERE starts_with(trace_id, ?)", [prefix]
        ).fetchone()
        raise TraceNotFoundError(
            f"{count[0] if count else 'several'} traces match {id_or_prefix!r}; give more of the id"
        )
    return str(rows[0][0])
