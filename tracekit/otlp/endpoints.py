"""OTLP endpoint URLs, as every sender (export, live export, ``serve --forward``) spells them.

The OTLP/HTTP exporter specification appends the signal path to a base endpoint
(``http://host:4318`` → ``http://host:4318/v1/traces``) and takes a URL that already has a path
as it is; gRPC takes only the authority.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit, urlunsplit

from tracekit.exceptions import ConfigError

TRACES_PATH = "/v1/traces"


def http_url(url: str, *, example: str = "http://localhost:4318") -> SplitResult:
    """``url`` split into its parts; ConfigError unless it is an http(s) URL with a host.

    >>> http_url("http://collector:4317").netloc
    'collector:4317'
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"not an http(s) URL: {url!r} (example: {example})")
    return parts


def traces_url(url: str) -> str:
    """An OTLP/HTTP traces URL: ``http://host:4318`` gains ``/v1/traces``; a URL with a path
    is used as it is. Raises ConfigError for anything that is not an http(s) URL.

    >>> traces_url("http://localhost:4318")
    'http://localhost:4318/v1/traces'
    """
    parts = http_url(url)
    path = parts.path if parts.path not in ("", "/") else TRACES_PATH
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
