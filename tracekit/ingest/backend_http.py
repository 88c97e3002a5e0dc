"""GET requests to a trace backend's query API, each failure one :class:`BackendError` line.

Why the standard library's ``urllib.request`` and not an HTTP client package: an import makes
a handful of GETs, one after the other, and urllib does that (timeouts, proxies from the usual
variables, TLS) with nothing to install and nothing to import until ``import --from`` runs.
The only client already installed, httpx2, comes in through the Anthropic SDK; the ingest
layer does not take a dependency on it for this.

Credentials: the headers given (``Authorization``, ``X-Scope-OrgID``, ...) go on each request
and nowhere else. They are not logged, not stored and never part of a message; URLs in
messages are scrubbed (a ``user:password@`` or ``?api_key=`` in them is redacted); a
``user:password@`` in the URL is sent as basic auth, as curl does. A redirect
is followed only within the same scheme, host and port, so the headers never reach another
host.
"""

from __future__ import annotations

import base64
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from tracekit.exceptions import BackendError
from tracekit.scrub import scrub_text

#: The largest answer read: a trace bigger than this is refused rather than held in memory.
MAX_ANSWER_BYTES = 256 * 1024 * 1024
#: How much of an error answer's body is read to quote the backend's own message.
_ERROR_BODY_BYTES = 4096
_USER_AGENT = "tracekit-import"


@dataclass(frozen=True)
class BackendAnswer:
    """A successful (2xx) answer: its status, media type (lower case, no parameters) and
    body."""

    status: int
    content_type: str
    body: bytes


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port of ``url`` (the port as given, or the scheme's default).

    >>> origin("http://Jaeger:16686/api/v3")
    ('http', 'jaeger', 16686)
    >>> origin("https://tempo.example.com/") == origin("https://tempo.example.com:443/x")
    True
    """
    parts = urllib.parse.urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to the same scheme, host and port: the credentials given with
    ``--header`` must not be sent to a host the user did not name."""

    def __init__(self, label: str) -> None:
        self._label = label

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if origin(newurl) != origin(req.full_url):
            raise BackendError(
                "error",
                f"{self._label} redirected to another host ({scrub_text(newurl)}); the headers "
                "are not sent there: give that URL with --from if you trust it",
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class BackendHttp:
    """GETs under one base URL, with the same headers and timeout each time.

    ``label`` names the backend in messages (``jaeger at http://localhost:16686``); ``timeout_s``
    bounds the connection and each read of the answer.
    """

    def __init__(
        self,
        backend: str,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = 30.0,
        max_bytes: int = MAX_ANSWER_BYTES,
    ) -> None:
        self.base_url, basic = _without_userinfo(base_url.rstrip("/"))
        self.label = f"{backend} at {scrub_text(base_url.rstrip('/'))}"
        self._headers = {"User-Agent": _USER_AGENT, **(headers or {})}
        if basic and not any(name.lower() == "authorization" for name in self._headers):
            # ``https://user:password@host`` means HTTP basic auth, as curl reads it.
            self._headers["Authorization"] = basic
        self._timeout_s = timeout_s
        self._max_bytes = max_bytes
        self._opener = urllib.request.build_opener(_SameOriginRedirects(self.label))

    def get(
        self,
        path: str,
        query: Sequence[tuple[str, str]] = (),
        *,
        what: str,
        accept: str = "application/json",
    ) -> BackendAnswer:
        """GET ``base_url + path`` (``path`` percent-encoded by the caller) with ``query``.

        ``what`` names what is asked for in messages (``trace 5b8e…``). Raises BackendError:
        ``not_found`` for 404, ``auth`` for 401/403, ``unreachable`` when no connection is made
        or no answer comes within the timeout, ``malformed`` for an answer over the size
        limit, ``error`` for any other status that is not 2xx.
        """
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        request = urllib.request.Request(url, headers={**self._headers, "Accept": accept})
        try:
            with self._opener.open(request, timeout=self._timeout_s) as response:
                body = response.read(self._max_bytes + 1)
                status = int(response.status)
                content_type = response.headers.get_content_type()
        except urllib.error.HTTPError as error:
            raise self._status_error(error, what) from None
        except urllib.error.URLError as error:
            raise self._unreachable(error.reason) from None
        except (OSError, http.client.HTTPException) as error:  # TimeoutError is an OSError
            raise self._unreachable(error) from None
        if len(body) > self._max_bytes:
            raise BackendError(
                "malformed",
                f"{self.label}: the answer for {what} is larger than {self._max_bytes:,} bytes",
            )
        return BackendAnswer(status=status, content_type=content_type, body=body)

    def _status_error(self, error: urllib.error.HTTPError, what: str) -> BackendError:
        status = error.code
        try:
            detail = _error_detail(error.read(_ERROR_BODY_BYTES))
        except (OSError, http.client.HTTPException):
            detail = ""
        finally:
            error.close()
        said = f": {detail}" if detail else ""
        if status in (401, 403):
            return BackendError(
                "auth",
                f"{self.label} refused the request for {what} (HTTP {status}{said}); give "
                "credentials with --header, e.g. --header 'Authorization: Bearer TOKEN'",
            )
        if status == 404:
            return BackendError("not_found", f"{self.label}: {what} not found (HTTP 404{said})")
        return BackendError("error", f"{self.label} answered HTTP {status} for {what}{said}")

    def _unreachable(self, reason: object) -> BackendError:
        if isinstance(reason, TimeoutError):
            return BackendError(
                "unreachable", f"{self.label} did not answer within {self._timeout_s:g} s"
            )
        text = getattr(reason, "strerror", None) or str(reason) or type(reason).__name__
        return BackendError("unreachable", f"cannot reach {self.label}: {text}")


def _without_userinfo(url: str) -> tuple[str, str | None]:
    """``url`` without a ``user:password@`` part, and that part as a basic ``Authorization``
    value (None when there is none).

    >>> _without_userinfo("http://ann:pw@tempo:3200/x")
    ('http://tempo:3200/x', 'Basic YW5uOnB3')
    """
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, None
    host = parts.netloc.rsplit("@", 1)[1]
    user = urllib.parse.unquote(parts.username)
    password = urllib.parse.unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return urllib.parse.urlunsplit(parts._replace(netloc=host)), f"Basic {token}"


def _error_detail(body: bytes) -> str:
    """The backend's own message from an error body (Jaeger's ``{"error": {"message"}}``,
    Phoenix's ``{"detail"}``, Tempo's plain text), one line, scrubbed, at most 200
    characters."""
    text = body.decode("utf-8", "replace").strip()
    try:
        document: Any = json.loads(text)
    except ValueError:
        document = None
    if isinstance(document, dict):
        inner = document.get("error")
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            text = inner["message"]
        elif isinstance(document.get("detail"), str):
            text = document["detail"]
        elif isinstance(document.get("message"), str):
            text = document["message"]
    line = " ".join(text.split())
    return scrub_text(line[:200] + ("…" if len(line) > 200 else ""))
