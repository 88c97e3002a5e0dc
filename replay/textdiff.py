"""Show two versions of a text (a prompt, a message) so that every difference can be seen.

Only the changed lines are shown, with one line of context. Where a changed line differs from
its counterpart in whitespace, its whitespace is made visible — ``·`` for a space, ``→`` for a
tab, ``⍽`` for other spaces (a no-break space), ``⏎`` at the line end, ``\\r`` for a carriage
return — so a whitespace-only change never shows as two identical lines. The characters that
differ are also highlighted (reverse video) for a terminal. Trace text is untrusted: control
characters are made inert (:func:`tracekit.display.inert`) and nothing is parsed as markup.

>>> [line.plain for line in text_diff("Plan the work.", "Plan  the work.")]
['@@ -1 +1 @@', '-Plan·the·work.', '+Plan··the·work.']
"""

from __future__ import annotations

import difflib
import json
from typing import Any

from rich.text import Text

from tracekit.display import inert

_SPACES = {" ": "·", "\t": "→"}
_LINE_END = "⏎"
_MAX_VALUE_CHARS = 2000
_WINDOW = 300


def visible_whitespace(text: str) -> str:
    """``text`` with its whitespace drawn (newlines are kept, each marked with ``⏎``)."""
    return "".join(_visible_char(char) for char in text)


def _visible_char(char: str) -> str:
    if char in _SPACES:
        return _SPACES[char]
    if char == "\n":
        return _LINE_END + "\n"
    if char.isspace() and char not in "\r\x0b\x0c\x1c\x1d\x1e\x1f\x85":
        return "⍽"
    return char


def whitespace_differs(old: str, new: str) -> bool:
    """Whether the texts differ somewhere in whitespace alone (a doubled space, a tab for
    spaces, a trailing space, a no-break space, a line end)."""
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    return any(
        tag != "equal" and not (old[i1:i2] + new[j1:j2]).strip()
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    )


def text_diff(old: str, new: str, *, indent: str = "") -> list[Text]:
    """The changed lines of ``old`` → ``new`` (``-``/``+``, one line of context around them)."""
    # Line ends are kept: a line that lost or gained its newline (or a \r) is a changed line.
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    lines: list[Text] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for group in matcher.get_grouped_opcodes(1):
        first = group[0]
        lines.append(Text(f"{indent}@@ -{first[1] + 1} +{first[3] + 1} @@", style="cyan"))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(_plain(indent, " ", line, "") for line in a[i1:i2])
                continue
            removed, added = a[i1:i2], b[j1:j2]
            for k in range(max(len(removed), len(added))):
                before = removed[k] if k < len(removed) else None
                after = added[k] if k < len(added) else None
                if before is not None and after is not None:
                    lines.extend(_pair(indent, before, after))
                elif before is not None:
                    lines.append(_plain(indent, "-", before, "red", visible=not before.strip()))
                elif after is not None:
                    lines.append(_plain(indent, "+", after, "green", visible=not after.strip()))
    return lines


def _plain(indent: str, sign: str, line: str, style: str, *, visible: bool = False) -> Text:
    shown = visible_whitespace(line) if visible else line
    return Text(indent + sign + inert(shown.rstrip("\n")), style=style)


def _pair(indent: str, before: str, after: str) -> list[Text]:
    visible = whitespace_differs(before, after)
    old_text = Text(indent + "-", style="red")
    new_text = Text(indent + "+", style="green")
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for text, piece, style in (
            (old_text, before[i1:i2], "red"),
            (new_text, after[j1:j2], "green"),
        ):
            shown = visible_whitespace(piece) if visible else piece
            text.append(
                inert(shown.replace("\n", "")), style if tag == "equal" else f"{style} reverse"
            )
    return [old_text, new_text]


def value_text(value: Any) -> str:
    """A value as one line of JSON (strings quoted), control characters made inert."""
    return inert(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str))


def value_pair(recorded: Any, replayed: Any) -> tuple[str, str]:
    """Both values as JSON; long ones cut to a window around their first difference, so two
    different values never show as the same text."""
    old, new = value_text(recorded), value_text(replayed)
    if (
        isinstance(recorded, str)
        and isinstance(replayed, str)
        and whitespace_differs(recorded, replayed)
    ):
        old, new = (
            inert(json.dumps(visible_whitespace(v), ensure_ascii=False))
            for v in (recorded, replayed)
        )
    if len(old) <= _MAX_VALUE_CHARS and len(new) <= _MAX_VALUE_CHARS:
        return old, new
    prefix = len(_common_prefix(old, new))
    start = max(0, prefix - _WINDOW)
    return _window(old, start), _window(new, start)


def _common_prefix(a: str, b: str) -> str:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return a[:i]
    return a[: min(len(a), len(b))]


def _window(text: str, start: int) -> str:
    end = start + _MAX_VALUE_CHARS
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
