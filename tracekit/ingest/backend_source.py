"""Where ``tracekit import --from URL`` pulls from: the backend named in the URL's scheme.

The backend is part of the URL, as SQLAlchemy spells a database driver: ``jaeger+http://``,
``tempo+https://``, ``phoenix+http://``, followed by the address of its query API (with any
path prefix a proxy puts in front of it). Naming it, rather than probing the server, keeps an
import to the requests it needs and makes a mistaken URL fail with a message about that
backend.

>>> BackendSource.parse("jaeger+http://localhost:16686")
BackendSource(backend='jaeger', base_url='http://localhost:16686')
>>> BackendSource.parse("tempo+https://grafana.example.com/tempo/").base_url
'https://grafana.example.com/tempo'
>>> normalise_trace_id("5B8EFFF798038103")
'00000000000000005b8efff798038103'
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

from tracekit.exceptions import ConfigError
from tracekit.otlp.model import OtlpSpan

Backend = Literal["jaeger", "tempo", "phoenix"]
#: The backends ``--from`` takes, each with its query API's usual port.
BACKENDS: dict[Backend, str] = {
    "jaeger": "Jaeger API v3, e.g. jaeger+http://localhost:16686",
    "tempo": "Grafana Tempo, e.g. tempo+http://localhost:3200",
    "phoenix": "Arize Phoenix, e.g. phoenix+http://localhost:6006",
}
_SCHEME = re.compile(r"^(?P<backend>[a-z]+)\+(?P<scheme>https?)://", re.IGNORECASE)
_HEX = re.compile(r"^[0-9a-fA-F]{1,32}$")


def looks_like_url(value: str) -> bool:
    """Whether ``--from`` names a server (``…+http(s)://`` or ``http(s)://``), not a file.

    >>> looks_like_url("jaeger+http://localhost:16686"), looks_like_url("run.jsonl")
    (True, False)
    """
    return bool(_SCHEME.match(value)) or value.lower().startswith(("http://", "https://"))


@dataclass(frozen=True)
class BackendSource:
    """A backend and the base URL of its query API (no trailing slash)."""

    backend: Backend
    base_url: str

    @classmethod
    def parse(cls, value: str) -> BackendSource:
        """Read ``--from``. Raises ConfigError naming the accepted forms (never echoing the
        URL's credentials)."""
        match = _SCHEME.match(value)
        if match is None:
            raise ConfigError(
                "say which backend the URL is: "
                + ", ".join(f"{name}+http://HOST:PORT" for name in BACKENDS)
            )
        backend = match.group("backend").lower()
        if backend not in BACKENDS:
            raise ConfigError(
                f"unknown backend {backend!r} in --from: use one of {', '.join(BACKENDS)}"
            )
        base_url = value[len(backend) + 1 :]
        parts = urllib.parse.urlsplit(base_url)
        if not parts.hostname:
            raise ConfigError(f"--from {backend}+{parts.scheme}:// needs a host")
        try:
            parts.port  # noqa: B018 - urlsplit checks the port only when asked
        except ValueError:
            raise ConfigError(f"--from {backend}: the port is not a number") from None
        if parts.query or parts.fragment:
            raise ConfigError(f"--from {backend}: give the base URL, without ?query or #fragment")
        return cls(backend=backend, base_url=base_url.rstrip("/"))


def normalise_trace_id(value: str) -> str:
    """A trace id as given (hex, 1-32 digits, any case) as 32 lower-case hex digits, zeros in
    front as Jaeger, Tempo and Phoenix store a 64-bit id. Raises ValueError otherwise."""
    text = value.strip()
    if not _HEX.match(text):
        raise ValueError(f"not a trace id: {value!r} (expected up to 32 hex digits)")
    if not any(digit != "0" for digit in text):
        raise ValueError(f"not a trace id: {value!r} (all zero)")
    return text.lower().rjust(32, "0")


@dataclass(frozen=True)
class SearchHit:
    """A trace a search found: its id, and its spans when the search answered them too
    (Jaeger does; Tempo and Phoenix answer ids, fetched next)."""

    trace_id: str
    spans: tuple[OtlpSpan, ...] | None = None


class TraceBackend(Protocol):
    """What ``import --from`` needs of a backend: one trace by id, and a search by time."""

    name: str
    #: What the backend said of traces it answered only in part, one line each.
    notes: list[str]

    def fetch_trace(self, trace_id: str) -> list[OtlpSpan]:
        """Every span of one trace (32 hex digits). Raises BackendError (``not_found`` when
        the backend has no such trace)."""
        ...

    def search(
        self, since_ns: int, until_ns: int, *, limit: int, service: str | None
    ) -> list[SearchHit]:
        """At most ``limit`` traces that started in ``[since_ns, until_ns)``, newest first
        where the backend orders them; none found is an empty list. Raises BackendError."""
        ...


def group_by_trace(spans: Iterable[OtlpSpan]) -> list[tuple[str, list[OtlpSpan]]]:
    """Spans grouped by trace, the traces in the order their first span came."""
    traces: dict[str, list[OtlpSpan]] = {}
    for span in spans:
        traces.setdefault(span.trace_id, []).append(span)
    return list(traces.items())
