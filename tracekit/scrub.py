"""Secret scrubbing: API keys, credentials and tokens never leave tracekit unredacted.

One scrubber for every path out: the store and its spool (the segment builder), trace files and
``tracekit export --otlp-endpoint`` (:mod:`tracekit.export`), live export while recording and
``tracekit serve --forward``. Three rules:

- an attribute whose *key* names a secret (``authorization``, ``x-api-key``, ``api_key``,
  ``password``, ``secret``, ``token``, ``cookie``, ``jwt``, ``connection_string``,
  ``aws_secret_access_key``, ...) has its value replaced by :data:`REDACTED`, whatever its
  type: text, bytes, a number, a list or a key-value list. The key's last dotted segment must
  be the secret's name as a whole, so ``gen_ai.usage.input_tokens`` or
  ``gen_ai.request.max_tokens`` stay untouched;
- a value is never kept because of where it is nested: key-value lists and arrays are walked,
  and every key inside them is judged like a top-level one (``{"key": "authorization",
  "value": ...}`` pairs too);
- any text (attribute values, bytes values decoded as UTF-8, content JSON, event attributes,
  span names, status messages) has secret-looking substrings replaced: Anthropic/OpenAI keys
  (``sk-...``), Stripe keys (``sk_live_``, ``rk_live_``, ``sk_test_``), Google API keys
  (``AIza...``), AWS access key ids and secret access keys, GitHub and Slack tokens, JWTs,
  PEM private keys, ``Bearer``/``Basic`` credentials and ``Authorization:`` headers, the
  user and password of ``scheme://user:pass@host`` URLs, and ``api_key=...``-style pairs.
  A key glued to the word before it (text joined without a space) is found too, where its
  shape is one that nothing else has.

Why a hand-kept list and not detect-secrets (Yelp)? Measured here (2026-12-01, Python 3.11,
detect-secrets 1.5.0 from PyPI, its 24 regex plugins, entropy plugins off): it installs
fine, but scanning one short attribute value costs 10-12 µs and a 150-character message
60 µs, against ~1 µs and 4-7 µs for this module uncached, all patterns included (a
repeated value is memoised: a typical 6-attribute span costs ~1 µs). The scrubber runs on
every string of every span on the ingest path, where a whole span has a budget of a few µs
(DESIGN §8: ≥ 250,000 spans/s), so that would be a 5-25x slowdown of ingest. It would not do
the job alone either: it reports findings, not redactions; it has no Anthropic (``sk-ant-``),
Google (``AIza``) or ``aws_secret_access_key=`` rule and misses ``Authorization: Basic ...``;
and its entropy plugins flag model names and span names as secrets. Its last release is from
2024-05. Its plugin list served as a checklist for the patterns below instead.

>>> scrub_text("call with sk-ant-api03-abcdefghijklmnopqrstuvwxyz")
'call with [REDACTED]'
>>> scrub_text("postgres://admin:hunter2@db.internal:5432/app")
'postgres://[REDACTED]@db.internal:5432/app'
>>> scrub_attribute("http.request.header.authorization", "Bearer abc.def")
'[REDACTED]'
>>> scrub_attribute("gen_ai.usage.input_tokens", 1200)
1200
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

REDACTED = "[REDACTED]"

# The last dotted segment of an attribute key that names a credential, with any prefix words
# (``x-api-key``, ``anthropic_api_key``, ``github_token``, ``set-cookie``,
# ``aws_secret_access_key``), optionally followed by array indices (``headers.cookie.0``).
# ``input_tokens`` or ``max_tokens`` do not match: the segment must end with the credential's
# name.
_SECRET_KEY = re.compile(
    r"""(?:^|[.])(?:[a-z0-9]+[-_])*(?:
        authorization | api[-_]?key | apikey | access[-_]?key(?:[-_]?id)?
      | password | passwd | passphrase | pwd | secret | secret[-_]?key | private[-_]?key
      | token | cookie | jwt | credentials? | connection[-_]?string | conn[-_]?str(?:ing)? | dsn
    )(?:[.]\d+)*$""",
    re.IGNORECASE | re.VERBOSE,
)

# Counts named after tokens (``max_token``, ``prompt_token``) are not credentials, although
# their last segment ends with ``token``.
_TOKEN_COUNT_KEY = re.compile(
    r"""(?:^|[.])(?:[a-z0-9]+[-_])*(?:max|min|input|output|prompt|completion|total|num
        |cached?|reasoning|count|used|remaining)[-_]?token$""",
    re.IGNORECASE | re.VERBOSE,
)


@dataclass(frozen=True)
class _Rule:
    """One secret pattern, tried anchored where one of its markers occurs. The match's
    optional groups ``keep`` (before) and ``tail`` (after) stay readable around
    :data:`REDACTED`; ``check`` (when set) must accept the match."""

    pattern: re.Pattern[str]
    check: Callable[[re.Match[str]], bool] | None = None


def _rule(
    pattern: str, flags: int = 0, check: Callable[[re.Match[str]], bool] | None = None
) -> _Rule:
    return _Rule(re.compile(pattern, re.VERBOSE | flags), check)


def _is_basic_credential(match: re.Match[str]) -> bool:
    # ``Basic <base64 of user:password>``: the decoded value must be text with a colon, so
    # prose such as "basic understanding" is not taken for a credential.
    value = match.group("value")
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded and decoded.isascii() and decoded.decode("ascii").isprintable()


# A quote, possibly backslash-escaped (content is JSON inside a JSON string, at any depth).
_Q = r"""(?:\\*["'])?"""
# The characters a credential value is made of in ``key=value`` pairs and auth headers.
_VALUE = r"[A-Za-z0-9\-._~+/=!@#$%^*]"

_PAIR = _rule(
    rf"""
    (?P<keep>(?<![A-Za-z0-9])
        (?i:api[-_]?key|apikey|access[-_]?token|access[-_]?key|auth[-_]?token
           |refresh[-_]?token|session[-_]?token|secret[-_]?key
           |secret[-_]?access[-_]?key|client[-_]?secret|private[-_]?key
           |password|passwd|pwd)
        (?![A-Za-z0-9]) {_Q} \s*[:=]\s* {_Q})
    (?P<value>{_VALUE}{{6,}})
    """
)
# An AWS secret access key: 40 base64 characters after an ``aws_secret_access_key``-like
# name, with ``=``/``:`` or only spaces between (``AWS_SECRET_ACCESS_KEY wJalr...``).
_AWS_SECRET = _rule(
    rf"""
    (?P<keep>(?i:secret[-_ ]?access[-_ ]?key) {_Q} (?:\s*[:=]\s*|\s+) {_Q})
    (?P<value>[A-Za-z0-9/+]{{40}})(?![A-Za-z0-9/+])
    """
)
_AUTHORIZATION = _rule(
    rf"""
    (?P<keep>(?<![A-Za-z0-9])(?i:authorization|authentication) {_Q} \s*[:=]\s* {_Q})
    (?P<value>(?:[A-Za-z][A-Za-z0-9-]*\s+)?{_VALUE}{{4,}})
    """
)
_BEARER = _rule(rf"(?P<keep>(?i:\bbearer)\s+)(?P<value>{_VALUE}{{6,}})")
_BASIC = _rule(
    r"(?P<keep>(?i:\bbasic)\s+)(?P<value>[A-Za-z0-9+/]{6,}={0,2})(?![A-Za-z0-9+/=])",
    check=_is_basic_credential,
)
# ``scheme://user:password@host``: the scheme and the host stay, the userinfo goes. The
# password may hold an unescaped ``@``: the last one before the path ends the userinfo.
_URL_USERINFO = _rule(
    r"""(?P<keep>:(?:\\?/){2})
        (?P<value>[^\s/?#@:"'\\<>]*:[^\s/?#"'\\<>]+)
        (?P<tail>@)"""
)
_PEM = _rule(
    r"""-----BEGIN[A-Z0-9 ]*PRIVATE\ KEY(?:\ BLOCK)?-----
        [\s\S]*?(?:-----END[A-Z0-9 ]*PRIVATE\ KEY(?:\ BLOCK)?-----|\Z)"""
)
# A key glued to the word before it (``lookupsk-ant-...``, ``key_ghp_...``, text joined
# without a space) is still a key: formats distinctive enough on their own need no word
# boundary before them. Generic ones keep it, or prose such as ``risk-adjusted-...`` (``sk-``)
# and identifiers such as ``disk_test_integration`` (``sk_test_``) would be taken for keys;
# glued, a Stripe key must look like one: 20 or more characters, a digit among them.
_JWT = _rule(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_OPENAI_ANTHROPIC = _rule(r"(?:\bsk-|sk-(?=(?:ant|proj|svcacct|admin)-))[A-Za-z0-9_\-]{16,}")
_STRIPE = _rule(
    r"""(?:\b[rs]k_(?:live|test)_[0-9A-Za-z]{10,}
        |[rs]k_(?:live|test)_(?=[A-Za-z]*[0-9])[0-9A-Za-z]{20,})"""
)
_GOOGLE = _rule(r"AIza[0-9A-Za-z_\-]{35}")
_AWS_KEY_ID = _rule(r"(?:AKIA|ASIA)[0-9A-Z]{16}\b")
_GITHUB = _rule(r"gh[pousr]_[A-Za-z0-9]{30,}")
_GITHUB_PAT = _rule(r"github_pat_[A-Za-z0-9_]{22,}")
_SLACK = _rule(r"xox[abposr]-[A-Za-z0-9\-]{10,}")

# Every secret-looking substring starts with one of these (case-folded) fragments, and each
# fragment names the rules that can start there. Python's regex engine scans an alternation
# slowly (~150 ns per character), while ``str.find`` is a C loop: so the fragments are found
# first and only their rules are tried, anchored, where one occurs. Most strings contain none
# and come back untouched after a few ``find`` calls.
_RULES_BY_MARKER: dict[str, tuple[_Rule, ...]] = {
    "sk-": (_OPENAI_ANTHROPIC,),
    "sk_": (_STRIPE,),
    "rk_": (_STRIPE,),
    "aiza": (_GOOGLE,),
    "akia": (_AWS_KEY_ID,),
    "asia": (_AWS_KEY_ID,),
    "gh": (_GITHUB,),
    "github_pat_": (_GITHUB_PAT,),
    "xox": (_SLACK,),
    "eyj": (_JWT,),
    "-----begin": (_PEM,),
    "://": (_URL_USERINFO,),
    ":\\/\\/": (_URL_USERINFO,),
    "bearer": (_BEARER,),
    "basic": (_BASIC,),
    "auth": (_AUTHORIZATION, _PAIR),
    "secret": (_AWS_SECRET, _PAIR),
    "api": (_PAIR,),
    "access": (_PAIR,),
    "refresh": (_PAIR,),
    "session": (_PAIR,),
    "client": (_PAIR,),
    "private": (_PAIR,),
    "passw": (_PAIR,),
    "pwd": (_PAIR,),
}
_MARKERS = tuple(_RULES_BY_MARKER)
# For short strings one search for any marker beats two dozen ``find`` calls (measured: 0.5 µs
# against 2 µs for a 20-character value); past ~100 characters the regex engine's
# per-character cost makes the ``find`` calls cheaper again.
_ANY_MARKER = re.compile("|".join(re.escape(marker) for marker in _MARKERS))
_PREFILTER_MAX_LEN = 64

# No secret pattern matches fewer characters than this (``://:pw@`` is the shortest).
_SHORTEST_SECRET = 6


def _replace(match: re.Match[str]) -> str:
    groups = match.groupdict()
    return f"{groups.get('keep') or ''}{REDACTED}{groups.get('tail') or ''}"


#: Strings up to this long are memoised: names, models and ids repeat across spans.
_MEMO_MAX_LEN = 256


#: Longer strings are memoised too, fewer of them: the texts a run repeats on every model
#: call (tool definitions, system instructions, a conversation's first messages) are scanned
#: once. Hashing a string is one C pass and cached on the string object, far below a scan.
_LONG_MEMO_MAX_LEN = 64 * 1024
_LONG_MEMO_SIZE = 1024
_long_memo: dict[str, str] = {}


def scrub_text(text: str) -> str:
    """``text`` with every secret-looking substring replaced by :data:`REDACTED`."""
    size = len(text)
    if size < _SHORTEST_SECRET:
        return text
    if size <= _MEMO_MAX_LEN:
        return _scrub_short(text)
    if size > _LONG_MEMO_MAX_LEN:
        return _scrub(text)
    clean = _long_memo.get(text)
    if clean is None:
        clean = _scrub(text)
        if len(_long_memo) >= _LONG_MEMO_SIZE:
            # Dropping everything at once is cheaper than tracking recency, and the texts
            # that matter come back on the next call.
            _long_memo.clear()
        _long_memo[text] = clean
    return clean


def _scrub(text: str) -> str:
    folded = text.lower()
    if len(folded) != len(text):
        # A few non-ASCII characters change length when lowered (``İ``); the markers are
        # ASCII, so those characters can stay as they are and the offsets line up again.
        folded = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    if len(folded) <= _PREFILTER_MAX_LEN and _ANY_MARKER.search(folded) is None:
        return text
    starts: list[tuple[int, str]] = []
    for marker in _MARKERS:
        at = folded.find(marker)
        while at != -1:
            starts.append((at, marker))
            at = folded.find(marker, at + 1)
    if not starts:
        return text
    starts.sort()
    pieces: list[str] = []
    done = 0
    for at, marker in starts:
        if at < done:
            continue
        for rule in _RULES_BY_MARKER[marker]:
            match = rule.pattern.match(text, at)
            if match is not None and (rule.check is None or rule.check(match)):
                pieces.append(text[done:at])
                pieces.append(_replace(match))
                done = match.end()
                break
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


#: Short texts scrubbed so far. A plain dict, dropped whole when full like the long memo: a
#: lookup is a quarter of an lru_cache call, which keeps recency on every hit.
_short_memo: dict[str, str] = {}
_SHORT_MEMO_SIZE = 16384


def _scrub_short(text: str) -> str:
    clean = _short_memo.get(text)
    if clean is None:
        clean = _scrub(text)
        if len(_short_memo) >= _SHORT_MEMO_SIZE:
            _short_memo.clear()
        _short_memo[text] = clean
    return clean


#: Texts that scrubbing is known to leave as they are, with the characters they hold in all
#: (both bounded like the memos: dropped whole when full). One set test for a span's texts
#: is a C loop; a lookup per text in the memos is a Python one.
#: Callers may test membership here first (read only: it is filled by texts_unchanged).
UNCHANGED_TEXTS: set[str] = set()
_unchanged = UNCHANGED_TEXTS
_UNCHANGED_SIZE = _SHORT_MEMO_SIZE + _LONG_MEMO_SIZE
_UNCHANGED_CHARS = 16 * 1024 * 1024
_unchanged_chars = 0


def texts_unchanged(texts: tuple[Any, ...]) -> bool:
    """Whether every value of ``texts`` is a ``str`` that :func:`scrub_text` leaves as it is
    (so a caller may keep the values themselves as their scrubbed form).

    >>> texts_unchanged(("claude-haiku-4-5", "ok"))
    True
    >>> texts_unchanged(("ok", "key sk_live_4eC39HqLyjWDarjtT1zdp7dc"))
    False
    """
    try:
        if _unchanged.issuperset(texts):
            return True
    except TypeError:  # an unhashable value (a list in a list): not a text
        return False
    global _unchanged_chars
    for text in texts:
        if type(text) is not str:
            return False
        if text in _unchanged:
            continue
        if scrub_text(text) != text:
            return False
        size = len(text)
        if size > _LONG_MEMO_MAX_LEN:
            continue  # never remembered: scrubbed on every sight, as scrub_text does
        if len(_unchanged) >= _UNCHANGED_SIZE or _unchanged_chars + size > _UNCHANGED_CHARS:
            _unchanged.clear()
            _unchanged_chars = 0
        _unchanged.add(text)
        _unchanged_chars += size
    return True


def scrub_bytes(value: bytes | bytearray) -> bytes | str:
    """A bytes value scrubbed as the UTF-8 text it holds: the scrubbed text when a secret was
    found (a secret is never kept because it came as bytes), else the bytes unchanged (so
    binary data that holds no secret is not mangled by decoding).

    >>> scrub_bytes(b"key sk_live_4eC39HqLyjWDarjtT1zdp7dc")
    'key [REDACTED]'
    >>> scrub_bytes(b"\\x89PNG")
    b'\\x89PNG'
    """
    text = bytes(value).decode("utf-8", "replace")
    clean = scrub_text(text)
    return bytes(value) if clean == text else clean


#: HTTP headers whose value is never written, whatever it looks like: credentials (also caught
#: by the key pattern) and headers that identify the account or the session.
SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "cookie",
        "set-cookie",
        "anthropic-organization-id",
        "openai-organization",
        "openai-project",
        "x-amz-security-token",
    }
)

#: Attribute keys that are redacted although no credential pattern matches them: the
#: sensitive headers, and the account id the Anthropic SDK puts on its own span.
SENSITIVE_KEYS = SENSITIVE_HEADERS | {"anthropic.organization.id"}


@lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """Whether an attribute key names a credential (its last dotted segment, as a whole), or
    is one of :data:`SENSITIVE_KEYS`.

    >>> is_secret_key("db.connection_string"), is_secret_key("gen_ai.request.max_tokens")
    (True, False)
    """
    if key.lower() in SENSITIVE_KEYS:
        return True
    return _SECRET_KEY.search(key) is not None and _TOKEN_COUNT_KEY.search(key) is None


def redact_value(value: Any) -> Any:
    """What a secret-named key keeps of its value: nothing but :data:`REDACTED`, whatever the
    value is (text, bytes, a number, a list, a key-value list); only ``None`` and booleans
    stay, as they carry no secret."""
    if value is None or isinstance(value, bool):
        return value
    return REDACTED


def scrub_value(value: Any) -> Any:
    """Scrub secret-looking substrings in a string, a bytes value (see :func:`scrub_bytes`)
    or a sequence of them; other values are returned as they are."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, bytes | bytearray):
        return scrub_bytes(value)
    if isinstance(value, list | tuple):
        return [
            scrub_text(v)
            if isinstance(v, str)
            else scrub_bytes(v)
            if isinstance(v, bytes | bytearray)
            else v
            for v in value
        ]
    return value


def scrub_attribute(key: str, value: Any) -> Any:
    """The value to keep for attribute ``key``: :data:`REDACTED` when the key names a secret
    (see :func:`redact_value`), else with secret-looking substrings replaced."""
    if is_secret_key(key):
        return redact_value(value)
    return scrub_value(value)


def scrub_attributes(attributes: Any) -> dict[str, Any]:
    """A scrubbed copy of an attribute mapping (see :func:`scrub_attribute`)."""
    return {key: scrub_attribute(key, value) for key, value in attributes.items()}


def scrub_headers(headers: Any) -> dict[str, str]:
    """HTTP headers (a mapping or ``(name, value)`` pairs) as a dict with lower-case names,
    sensitive values replaced by :data:`REDACTED` and the rest scrubbed like any text.

    >>> scrub_headers({"X-Api-Key": "sk-ant-xyz", "content-type": "application/json"})
    {'x-api-key': '[REDACTED]', 'content-type': 'application/json'}
    """
    pairs = headers.items() if hasattr(headers, "items") else headers
    clean: dict[str, str] = {}
    for name, value in pairs:
        key = str(name).lower()
        clean[key] = REDACTED if is_secret_key(key) else scrub_text(str(value))
    return clean


#: The names a key-value pair object uses for its key (``{"key": "authorization",
#: "value": ...}``, as OTLP/JSON and HTTP header lists spell it).
_PAIR_NAME_FIELDS = ("key", "name")


def _is_secret_pair(value: Mapping[Any, Any]) -> bool:
    if "value" not in value:
        return False
    for field in _PAIR_NAME_FIELDS:
        name = value.get(field)
        if isinstance(name, str) and is_secret_key(name):
            return True
    return False


def scrub_json(value: Any) -> Any:
    """A scrubbed copy of a parsed JSON value: values under keys that name a secret
    (``api_key``, ``authorization_token``) become :data:`REDACTED` (see
    :func:`redact_value`), ``{"key": <secret name>, "value": ...}`` pairs lose their value,
    other strings lose their secret-looking substrings."""
    if isinstance(value, dict):
        clean = {
            key: redact_value(item) if is_secret_key(str(key)) else scrub_json(item)
            for key, item in value.items()
        }
        if _is_secret_pair(clean):
            clean["value"] = redact_value(clean["value"])
        return clean
    if isinstance(value, list):
        return [scrub_json(item) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


#: Attribute keys judged by :func:`is_secret_key` so far, and the verdicts (bounded: keys
#: from elsewhere may be unbounded).
_secret_key_memo: dict[str, bool] = {}
_SECRET_KEY_MEMO_SIZE = 8192

#: Values that no scrubbing rule changes, unless their key names a secret.
_PLAIN_TYPES = frozenset({int, float, bool, type(None)})


def clean_attributes(attributes: Mapping[str, Any], nested: bool) -> dict[str, Any]:
    """:func:`scrub_attributes` (``nested``: :func:`scrub_nested_attributes`) in one pass, with
    the common cases (a text value, a number) decided without a call per rule."""
    clean: dict[str, Any] = {}
    secret_keys = _secret_key_memo
    for key, value in attributes.items():
        kind = type(value)
        # Keys repeat on every span: each is judged once (a regex search), then looked up.
        secret = secret_keys.get(key)
        if secret is None:
            secret = is_secret_key(key)
            if len(secret_keys) < _SECRET_KEY_MEMO_SIZE:
                secret_keys[key] = secret
        if kind is str:
            if secret:
                value = REDACTED
            else:
                # scrub_text's own dispatch, without its call for the short texts most are.
                size = len(value)
                if size >= _SHORTEST_SECRET:
                    if size <= _MEMO_MAX_LEN:
                        clean_text = _short_memo.get(value)
                        value = clean_text if clean_text is not None else _scrub_short(value)
                    else:
                        value = scrub_text(value)
        elif kind in _PLAIN_TYPES:
            if secret:
                value = redact_value(value)
        elif secret:
            value = redact_value(value)
        elif nested and (isinstance(value, Mapping) or _holds_containers(value)):
            value = _scrub_deep(key, value)
        else:
            value = scrub_value(value)
        clean[key] = value
    return clean


def clean_values(attributes: Mapping[str, Any], nested: bool) -> dict[str, Any]:
    """:func:`clean_attributes` of attributes none of whose keys names a secret (the caller
    has judged every key with :func:`is_secret_key`): each value scrubbed like any text, no
    key judged again."""
    clean: dict[str, Any] = {}
    for key, value in attributes.items():
        kind = type(value)
        if kind is str:
            size = len(value)
            if size >= _SHORTEST_SECRET:
                if size <= _MEMO_MAX_LEN:
                    clean_text = _short_memo.get(value)
                    value = clean_text if clean_text is not None else _scrub_short(value)
                else:
                    value = scrub_text(value)
        elif kind not in _PLAIN_TYPES:
            if nested and (isinstance(value, Mapping) or _holds_containers(value)):
                value = _scrub_deep(key, value)
            else:
                value = scrub_value(value)
        clean[key] = value
    return clean


def _holds_containers(value: Any) -> bool:
    return isinstance(value, list | tuple) and any(
        isinstance(item, Mapping | list | tuple) for item in value
    )


def scrub_nested_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`scrub_attributes`, reaching into key-value lists and nested arrays too: every
    key inside them is judged like a top-level one."""
    return clean_attributes(attributes, True)


def _scrub_deep(key: str, value: Any) -> Any:
    if is_secret_key(key):
        return redact_value(value)
    if isinstance(value, Mapping):
        clean = {str(k): _scrub_deep(str(k), v) for k, v in value.items()}
        if _is_secret_pair(clean):
            clean["value"] = redact_value(clean["value"])
        return clean
    if isinstance(value, list | tuple):
        return [_scrub_deep(key, item) for item in value]
    return scrub_value(value)
