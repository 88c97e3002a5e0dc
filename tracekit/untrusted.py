"""Text from traces is untrusted: before it reaches a terminal, its control characters
(escape sequences such as ``\\x1b[2J``) are made visible. Every renderer — the CLI, the TUI and
the replay report — goes through :func:`inert`, then shows the result as ``rich.text.Text``
(never markup).
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_KEEP_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    return _NAMED.get(char, f"\\x{ord(char):02x}")


def inert(value: object, *, multiline: bool = False) -> str:
    """``value`` as a string with control characters shown as escapes (``\\x1b``).

    ``multiline`` keeps newlines and tabs (text shown in full, a prompt or a message).

    >>> inert("ok\\x1b[2J")
    'ok\\\\x1b[2J'
    """
    pattern = _CONTROL_KEEP_LINES if multiline else _CONTROL
    return pattern.sub(_visible, str(value))
