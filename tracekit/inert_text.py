"""Untrusted text made inert for a terminal: controls, escape sequences, bidi controls,
zero-width and tag characters and hidden variation selectors shown as visible escapes
(:func:`inert`), and JSON text made safe to print (:func:`inert_json`).

The part of :mod:`tracekit.display` that needs no Rich (stdlib only), so a command that
prints plain text or JSON (``show --json``, an error line) does not load Rich to be safe.
Use it through :mod:`tracekit.display`, which re-exports it.
"""

from __future__ import annotations

import functools
import re

__all__ = ["LINE_LIMIT", "format_size", "inert", "inert_json"]

# One pattern, compiled once: it runs on every cell. Whole escape sequences are matched first
# (so one shows as one visible unit), then single characters that act on a terminal or on the
# reading order. The sequences' parameters are printable and stay as they are; every control
# in a match becomes a visible escape, so nothing reaches a terminal as a control.
_SEQUENCE = (
    # OSC (window title, clipboard, hyperlink), DCS, SOS, PM, APC, 7- or 8-bit introducer,
    # printable payload, ended by BEL or ST (7- or 8-bit) when there is one.
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x00-\x1f\x7f-\x9f]*(?:\x07|\x1b\\|\x9c)?"
    # CSI (cursor moves, erasing, colours), 7- or 8-bit.
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    # Any other escape (RIS ``\x1bc``, charset designations ``\x1b(0``, ...).
    r"|\x1b[ -/]*[0-~]?"
)
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_ZERO_WIDTH = "\u200b\u200c\u2060\ufeff"
# Lone surrogates cannot be written to a UTF-8 terminal at all.
_SURROGATE = "\ud800-\udfff"
# Tag characters draw nothing, but a model reads them as the ASCII they shadow: text hidden in
# them ("ASCII smuggling") would pass for no text at all.
_TAGS = "\U000e0000-\U000e007f"
# Their one use: a subdivision flag (🏴 + "gbeng" in tags + CANCEL TAG draws England's flag),
# kept whole like a joiner inside an emoji. Only a subdivision id's shape (3 to 7 lowercase
# letters and digits) is kept, so at most 7 hidden characters can pass for a flag.
_FLAG_BASE = "\U0001f3f4"
_TAG_FLAG = f"{_FLAG_BASE}[\U000e0030-\U000e0039\U000e0061-\U000e007a]{{3,7}}\U000e007f"
_UNSAFE = f"{_BIDI}{_ZERO_WIDTH}{_SURROGATE}{_TAGS}"
# Variation selectors (VS1-16, VS17-256) draw nothing either. One after a base character picks
# its glyph (❤ + VS16 the emoji, 1 + VS16 + U+20E3 a keycap, 葛 + VS17 an ideograph's variant),
# but each can also stand for a byte, and a run of them after one letter hides any text from a
# reader, not from a model. Unicode gives a base one selector, so one that follows no base (at
# the start, after a space, a control, an unsafe character, another selector, or a character
# with no variants: see _NO_VARIANTS) is shown, and a run of two or more is shown whole: its
# first selector is no more a glyph's than the rest (it is the payload's first byte), and n
# escapes read as n hidden bytes. VS17-256 are kept after a CJK ideograph only, the one base
# an ideographic variation sequence has.
_SELECTORS = "\ufe00-\ufe0f\U000e0100-\U000e01ef"
_IDEOGRAPHIC_SELECTORS = "\U000e0100-\U000e01ef"
_IDEOGRAPHS = "\u3005-\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
# Characters no variation sequence has for its base, after which a selector picks nothing
# and only hides a byte: ASCII but the keycap and emoji bases (0-9, # and *), the Latin,
# Greek and Cyrillic blocks but the emoji © and ®, and the characters that draw nothing
# themselves (fillers, a braille blank, invisible operators). One selector after each letter
# of a visible text would carry a hidden byte per letter; after these it is shown too.
_NO_VARIANTS = (
    '!-"$-)+-/:-~\u00a0-\u00a8\u00aa-\u00ad\u00af-\u052f'
    "\u115f\u1160\u17b4\u17b5\u180e\u2061-\u2064\u2800\u3164\uffa0"
)
_NOT_BASE = f"\\s\\x00-\\x1f\\x7f-\\x9f\u200d{_UNSAFE}{_SELECTORS}{_NO_VARIANTS}"
# (Each alternative starts with the class, so the alternation tries no lookbehind elsewhere.)
_HIDDEN_SELECTORS = (
    f"[{_SELECTORS}](?:[{_SELECTORS}]+|(?<![^{_NOT_BASE}][{_SELECTORS}])"
    f"|(?<=[{_IDEOGRAPHIC_SELECTORS}])(?<![{_IDEOGRAPHS}][{_IDEOGRAPHIC_SELECTORS}]))"
)
# A zero-width joiner between two emoji draws one glyph (👩 + ZWJ + 💻, ❤ + VS16 + ZWJ + 🔥);
# anywhere else it hides in text like the other zero-width characters. The emoji before it may
# end in a selector kept after its base (one shown as an escape joins nothing).
_EMOJI = "\u2600-\u27bf\U0001f000-\U0001faff"
_JOINS_NOTHING = f"(?:(?<![{_EMOJI}]\u200d)(?<![^{_NOT_BASE}]\ufe0f\u200d)|(?![{_EMOJI}]))"
_LONE_JOINER = f"\u200d{_JOINS_NOTHING}"
_CONTROL = (
    f"{_TAG_FLAG}|{_SEQUENCE}|{_LONE_JOINER}|{_HIDDEN_SELECTORS}|[\\x00-\\x1f\\x7f-\\x9f{_UNSAFE}]"
)
_CONTROL_KEEP_LINES = (
    f"{_TAG_FLAG}|{_SEQUENCE}|{_LONE_JOINER}|{_HIDDEN_SELECTORS}"
    f"|[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_UNSAFE}]"
)
# Tag characters and VS17-256 as one range (U+E0080-E00FF, between them, are unassigned): a
# class is searched about twice as fast with one range past the BMP as with two.
_PLANE_14 = "\U000e0000-\U000e01ef"
_TRIGGERS = f"\u200d{_BIDI}{_ZERO_WIDTH}{_SURROGATE}\ufe00-\ufe0f{_PLANE_14}"
# Any character a match starts with: a pattern that starts with one character class is
# searched far faster than the alternation above, so text with nothing to escape (nearly all
# of it) costs one scan. A selector or a joiner is passed over in that scan, by the
# lookarounds after the class, unless it is one the alternation shows: a kept one (in every
# ❤️ and 👩‍💻) costs no slow path. (A flag starts with no such character, but its tags are
# found, and the alternation keeps it.)
_HIDDEN_IF_SELECTOR_OR_JOINER = (
    f"(?:(?<![{_SELECTORS}\u200d])"
    f"|(?<=[{_SELECTORS}])(?:(?=[{_SELECTORS}])|(?<![^{_NOT_BASE}][{_SELECTORS}])"
    f"|(?<=[{_IDEOGRAPHIC_SELECTORS}])(?<![{_IDEOGRAPHS}][{_IDEOGRAPHIC_SELECTORS}]))"
    f"|(?<=\u200d){_JOINS_NOTHING})"
)
_TRIGGER = f"[\\x00-\\x1f\\x7f-\\x9f{_TRIGGERS}]{_HIDDEN_IF_SELECTOR_OR_JOINER}"
_TRIGGER_KEEP_LINES = (
    f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_TRIGGERS}]{_HIDDEN_IF_SELECTOR_OR_JOINER}"
)
# What JSON output escapes on top of json.dumps (which escapes C0 and DEL is harmless there).
# Every joiner, tag character and selector, inside an emoji or a flag too: the escapes are the
# same document to a parser (so are the unassigned U+E0080-E00FF in _PLANE_14), and one
# character class keeps the scan fast.
_JSON_UNSAFE = f"[\\x7f-\\x9f{_TRIGGERS}]"
# Characters of a match shown as they are: the printable parameters of a sequence.
_PRINTABLE = f"[^\\x00-\\x1f\\x7f-\\x9f\u200d{_UNSAFE}{_SELECTORS}]"


def _compiled_on_first_use(source: str) -> functools.cached_property[re.Pattern[str]]:
    return functools.cached_property(lambda _: re.compile(source))


class _Patterns:
    """The patterns above, each compiled on its first use: compiling them all takes ~10 ms,
    which every command's start-up paid, though most of what a command shows is printable
    ASCII, which needs none of them (see :func:`inert`)."""

    control = _compiled_on_first_use(_CONTROL)
    control_keep_lines = _compiled_on_first_use(_CONTROL_KEEP_LINES)
    trigger = _compiled_on_first_use(_TRIGGER)
    trigger_keep_lines = _compiled_on_first_use(_TRIGGER_KEEP_LINES)
    json_unsafe = _compiled_on_first_use(_JSON_UNSAFE)
    printable = _compiled_on_first_use(_PRINTABLE)

    def triggers(self, *, multiline: bool) -> re.Pattern[str]:
        """What any text to change holds somewhere (one character class: a fast scan)."""
        return self.trigger_keep_lines if multiline else self.trigger

    def controls(self, *, multiline: bool) -> re.Pattern[str]:
        """Each run of characters to show as escapes (or to keep: see :func:`_kept`)."""
        return self.control_keep_lines if multiline else self.control


PATTERNS = _Patterns()
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}
#: Characters of one line shown (a name, a cell, a title); the rest is said, not laid out:
#: no line is read that wide, and laying out megabytes in one cell would freeze a screen.
LINE_LIMIT = 4096


def _escape(char: str) -> str:
    if PATTERNS.printable.match(char):
        return char
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _visible(match: re.Match[str]) -> str:
    found = match.group(0)
    if len(found) == 1:
        return _escape(found)
    if found[0] == _FLAG_BASE:  # a subdivision flag (see _TAG_FLAG): one glyph, kept
        return found
    return "".join(_escape(char) for char in found)


def _kept(match: re.Match[str]) -> bool:
    """Whether a match of ``PATTERNS.controls()`` is text shown as it is (a subdivision
    flag)."""
    return match.group(0)[0] == _FLAG_BASE


def inert(value: object, *, multiline: bool = False) -> str:
    """``value`` as a string that cannot act on a terminal, shown with visible escapes.

    Controls (C0, C1, DEL) become ``\\x1b``-style escapes, whole escape sequences (CSI, OSC,
    DCS, in 7- and 8-bit forms) are shown as one escaped unit, and bidi controls, zero-width
    characters and tag characters become ``\\u202e``- or ``\\U000e0041``-style escapes (a
    zero-width joiner inside an emoji sequence, and the tags of a subdivision flag such as
    England's, are kept: they draw one glyph). So do variation selectors, but for one right
    after a base character, kept (it picks a glyph: ``❤️``, a keycap, an ideograph's variant);
    a run of them, which can hide any bytes after one letter, is shown whole. ``multiline``
    keeps newlines and tabs (text shown in full, a prompt or a message); a single line is cut
    at ``LINE_LIMIT`` characters, saying how much more there is. Text with none of these is
    returned unchanged.

    >>> inert("ok\\x1b[2J")
    'ok\\\\x1b[2J'
    >>> inert("\\u202eevil")
    '\\\\u202eevil'
    >>> inert("A\\ufe00\\ufe01")
    'A\\\\ufe00\\\\ufe01'
    """
    text = str(value)
    cut = ""
    if not multiline and len(text) > LINE_LIMIT:
        text, cut = _cut_line(text)
    if is_plain_line(text) or PATTERNS.triggers(multiline=multiline).search(text) is None:
        return text + cut  # the common case: nothing to do
    return PATTERNS.controls(multiline=multiline).sub(_visible, text) + cut


def is_plain_line(text: str) -> bool:
    """Whether ``text`` is printable ASCII only, which :func:`inert` returns as it is (one
    C scan, and no pattern to compile: the ASCII a trigger holds is a C0 control or DEL, and
    ``isprintable`` is false for those).

    >>> is_plain_line("chat claude-haiku-4-5"), is_plain_line("a\\tb"), is_plain_line("é")
    (True, False, False)
    """
    return text.isascii() and text.isprintable()


def _cut_line(text: str) -> tuple[str, str]:
    rest = text[LINE_LIMIT:]
    return text[:LINE_LIMIT], f"… ({format_size(_utf8_size(rest))} more)"


def inert_json(document: str) -> str:
    """JSON text with every character that could act on a terminal (C1 controls, bidi
    controls, zero-width characters, lone surrogates) or hide text (tag characters and
    variation selectors, those past the BMP written as a surrogate pair) written as a
    ``\\uXXXX`` escape: the same document to any JSON parser, and safe to print.
    ``json.dumps`` escapes C0 itself.

    >>> inert_json('{"name": "\u202eevil"}')
    '{"name": "\\\\u202eevil"}'
    """
    if document.isascii() and "\x7f" not in document:
        return document  # the common case, checked far faster than the pattern's scan
    unsafe = PATTERNS.json_unsafe
    if unsafe.search(document) is None:
        return document
    return unsafe.sub(_json_escape, document)


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # past the BMP, JSON spells a character as its UTF-16 surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def _utf8_size(value: str) -> int:
    return len(value.encode("utf-8", "surrogatepass"))


def format_size(count: int) -> str:
    """A count of characters as a size: ``950 B``, ``12.3 KB``, ``9.8 MB``.

    >>> format_size(950), format_size(12_345), format_size(9_800_000)
    ('950 B', '12.3 KB', '9.8 MB')
    """
    if count < 1000:
        return f"{count} B"
    if count < 1_000_000:
        return f"{count / 1000:.1f} KB"
    return f"{count / 1_000_000:.1f} MB"
