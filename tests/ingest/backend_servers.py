"""Test helper: real HTTP servers on 127.0.0.1 (free ports) that answer as Jaeger, Tempo and
Phoenix do, with the bodies of ``fixtures/backends`` (see its README for where each shape
comes from), and keep every request they get (path, query, headers)."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from google.protobuf import json_format
from opentelemetry.proto.trace.v1.trace_pb2 import TracesData

from tests.recording import REPO_ROOT

BODIES = REPO_ROOT / "fixtures" / "backends"
#: The two traces of the bodies (``fixtures/otlp/genai_current.jsonl``).
FIRST = "26a3f7f021e87f3ba0089624e2714cd9"
SECOND = "4023f5538d9fd441253d568d3a349c64"


def body(name: str) -> bytes:
    """A stored answer, as bytes."""
    return (BODIES / name).read_bytes()


def document(name: str) -> Any:
    """A stored answer, parsed."""
    return json.loads(body(name))


@dataclass(frozen=True)
class Answer:
    """What the server sends back."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    delay_s: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Seen:
    """A request the server got."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class FakeBackend:
    """A running server: its base URL and the requests it got."""

    url: str
    requests: list[Seen] = field(default_factory=list)

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]


Route = Callable[[Seen], Answer]


@contextmanager
def fake_backend(route: Route) -> Iterator[FakeBackend]:
    """Serve ``route`` (called for every GET and POST) on a free port until the block ends."""
    backend: FakeBackend

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self, method: str) -> None:
            parts = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length", "0") or 0)
            seen = Seen(
                method,
                urllib.parse.unquote(parts.path),
                urllib.parse.parse_qs(parts.query),
                {key.lower(): value for key, value in self.headers.items()},
                self.rfile.read(length) if length else b"",
            )
            backend.requests.append(seen)
            answer = route(seen)
            if answer.delay_s:
                time.sleep(answer.delay_s)
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                for name, value in answer.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(answer.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped waiting (a timeout test)

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    backend = FakeBackend(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield backend
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def json_answer(document: Any, status: int = 200) -> Answer:
    return Answer(status=status, body=json.dumps(document).encode())


def tempo_protobuf(v2: bool = True, partial: bool = False) -> bytes:
    """Tempo's protobuf answer for FIRST, made from the stored JSON by protobuf's own parser
    (which reads gogo's base64 ids and enum names): v2 wraps the ``Trace`` (wire-identical to
    ``TracesData``) in a ``TraceByIDResponse`` as field 1, with status PARTIAL as field 3."""
    data = TracesData()
    json_format.ParseDict(document("tempo_v2_trace.json")["trace"], data)
    trace = data.SerializeToString()
    if not v2:
        return trace
    wrapped = b"\x0a" + _varint(len(trace)) + trace
    if partial:
        message = b"not all blocks answered"
        wrapped += b"\x18\x01" + b"\x22" + _varint(len(message)) + message
    return wrapped


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)
