"""Secret scrubbing: API keys, authorization headers and tokens never reach a file.

Two rules, applied to every span before the store writes it:

- an attribute whose *key* names a secret (``authorization``, ``x-api-key``, ``api_key``,
  ``password``, ``secret``, ``token``, ...) has its string value replaced by
  :data:`REDACTED`. The key's last dotted segment must be the secret's name as a whole, so
  ``gen_ai.usage.input_tokens`` or ``gen_ai.request.max_tokens`` stay untouched;
- any string (attribute values, content JSON, event attributes, status messages) has
  secret-looking substrings replaced: Anthropic/OpenAI keys (``sk-...``), ``Bearer ...``
  credentials, AWS access key ids, GitHub and Slack tokens, and ``api_key=...`` style pairs.

>>> scrub_text("call with sk-ant-api03-abcdefghijklmnopqrstuvwxyz")
'call with [REDACTED]'
>>> scrub_attribute("http.request.header.authorization", "Bearer abc.def")
'[REDACTED]'
>>> scrub_attribute("gen_ai.usage.input_tokens", 1200)
1200
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

REDACTED = "[REDACTED]"

# The last dotted segment of an attribute key that names a credential, with any prefix words
# (``x-api-key``, ``anthropic_api_key``, ``github_token``, ``set-cookie``). ``input_tokens``
# or ``max_tokens`` do not match: the segment must end with the credential's name.
_SECRET_KEY = re.compile(
    r"""(?:^|[.])(?:[a-z0-9]+[-_])*(?:
        authorization | api[-_]?key | apikey | access[-_]?key[-_]?id
      | password | passwd | passphrase | secret | secret[-_]?key | private[-_]?key
      | token | cookie
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

# No secret pattern matches fewer characters than this (``bearer`` plus a 6-char value).
_SHORTEST_SECRET = 13

# Every secret-looking substring starts with one of these (case-folded) fragments. Python's
# regex engine scans an alternation slowly (~150 ns per character), while ``str.find`` is a
# C loop: so the fragments are found first and the full pattern is only tried, anchored, where
# one occurs. Most strings contain none and come back untouched after a few ``find`` calls.
_MARKERS = (
    "sk-",
    "akia",
    "asia",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "xox",
    "bearer",
    "api",
    "access",
    "auth",
    "secret",
    "client",
    "passw",
)

# Group ``keep`` holds the part that stays readable (``api_key=`` or ``Bearer ``) in front of
# the redacted value. Quotes may be backslash-escaped: content is JSON inside a JSON string.
_SECRET_TEXT = re.compile(
    r"""
    (?P<keep>
        (?i:\b(?:api[-_]?key|apikey|access[-_]?token|auth[-_]?token|secret[-_]?key
              |client[-_]?secret|password|passwd)\b)
        (?:\\?["'])?\s*[:=]\s*(?:\\?["'])?
      | (?i:\bbearer)\s+
    )
    (?P<value>[A-Za-z0-9\-._~+/=!@#$%^*]{6,})
  | \bsk-[A-Za-z0-9_\-]{16,}
  | \b(?:AKIA|ASIA)[0-9A-Z]{16}\b
  | \bgh[pousr]_[A-Za-z0-9]{30,}
  | \bgithub_pat_[A-Za-z0-9_]{22,}
  | \bxox[abposr]-[A-Za-z0-9\-]{10,}
    """,
    re.VERBOSE,
)


def _replace(match: re.Match[str]) -> str:
    keep = match.group("keep")
    return f"{keep}{REDACTED}" if keep is not None else REDACTED


#: Strings up to this long are memoised: names, models and ids repeat across spans.
_MEMO_MAX_LEN = 256


def scrub_text(text: str) -> str:
    """``text`` with every secret-looking substring replaced by :data:`REDACTED`."""
    if len(text) < _SHORTEST_SECRET:
        return text
    if len(text) <= _MEMO_MAX_LEN:
        return _scrub_short(text)
    return _scrub(text)


def _scrub(text: str) -> str:
    folded = text.lower()
    if len(folded) != len(text):
        # A few non-ASCII characters change length when lowered; offsets would not line up.
        return _SECRET_TEXT.sub(_replace, text)
    starts: list[int] = []
    for marker in _MARKERS:
        at = folded.find(marker)
        while at != -1:
            starts.append(at)
            at = folded.find(marker, at + 1)
    if not starts:
        return text
    starts.sort()
    pieces: list[str] = []
    done = 0
    for at in starts:
        if at < done:
            continue
        match = _SECRET_TEXT.match(text, at)
        if match is not None:
            pieces.append(text[done:at])
            pieces.append(_replace(match))
            done = match.end()
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


_scrub_short = lru_cache(maxsize=16384)(_scrub)


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
    is one of :data:`SENSITIVE_KEYS`."""
    return key.lower() in SENSITIVE_KEYS or _SECRET_KEY.search(key) is not None


def scrub_value(value: Any) -> Any:
    """Scrub secret-looking substrings in a string or a sequence of strings; other values
    are returned as they are."""
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, list | tuple):
        return [scrub_text(v) if isinstance(v, str) else v for v in value]
    return value


def scrub_attribute(key: str, value: Any) -> Any:
    """The value to store for attribute ``key``: redacted whole when the key names a secret
    and the value is text, else with secret-looking substrings replaced."""
    if is_secret_key(key):
        if isinstance(value, str):
            return REDACTED
        if isinstance(value, list | tuple) and any(isinstance(v, str) for v in value):
            return [REDACTED if isinstance(v, str) else v for v in value]
        return value
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


def scrub_json(value: Any) -> Any:
    """A scrubbed copy of a parsed JSON value: values under keys that name a secret
    (``api_key``, ``authorization_token``) become :data:`REDACTED`, other strings lose their
    secret-looking substrings."""
    if isinstance(value, dict):
        return {
            key: REDACTED if isinstance(item, str) and is_secret_key(str(key)) else scrub_json(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [scrub_json(item) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value


#: Values that no scrubbing rule changes.
_PLAIN_TYPES = frozenset({int, float, bool, type(None)})


def clean_attributes(attributes: Mapping[str, Any], nested: bool) -> dict[str, Any]:
    """:func:`scrub_attributes` (``nested``: :func:`scrub_nested_attributes`) in one pass, with
    the common cases (a text value, a number) decided without a call per rule."""
    clean: dict[str, Any] = {}
    for key, value in attributes.items():
        kind = type(value)
        if kind is str:
            value = REDACTED if is_secret_key(key) else scrub_text(value)
        elif kind not in _PLAIN_TYPES:
            value = scrub_attribute(key, value)
            if nested and (
                isinstance(value, Mapping)
                or (
                    isinstance(value, list)
                    and any(isinstance(item, Mapping | list) for item in value)
                )
            ):
                value = _scrub_deep(key, value)
        clean[key] = value
    return clean


def scrub_nested_attributes(attributes: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`scrub_attributes`, reaching into key-value lists and nested arrays too."""
    clean = scrub_attributes(attributes)
    for key, value in clean.items():
        if isinstance(value, Mapping) or (
            isinstance(value, list) and any(isinstance(item, Mapping | list) for item in value)
        ):
            clean[key] = _scrub_deep(key, value)
    return clean


def _scrub_deep(key: str, value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _scrub_deep(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_deep(key, item) for item in value]
    return scrub_attribute(key, value)
