"""Test helper: a real OTLP/HTTP endpoint on 127.0.0.1 that keeps every request it is sent,
decoded with the OTel protobuf classes, so a test can see exactly what went over the wire."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


@dataclass
class CapturedRequest:
    headers: dict[str, str]
    body: bytes
    message: ExportTraceServiceRequest


@dataclass
class CapturingEndpoint:
    base_url: str
    requests: list[CapturedRequest] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    @property
    def traces_url(self) -> str:
        return f"{self.base_url}/v1/traces"

    def wait(self, requests: int = 1, timeout_s: float = 30.0) -> None:
        """Wait (bounded) until at least ``requests`` requests arrived."""
        deadline = threading.Event()
        for _ in range(int(timeout_s * 20)):
            if len(self.requests) >= requests:
                return
            deadline.wait(0.05)
        raise AssertionError(f"{len(self.requests)} of {requests} requests arrived")

    def text(self) -> str:
        """Everything sent, as text: each request decoded (protobuf text format) and its raw
        body (UTF-8 with replacement), so a secret shows whichever way it travelled."""
        return "\n".join(
            f"{request.message}\n{request.body.decode('utf-8', 'replace')}"
            for request in self.requests
        )


@contextmanager
def capturing_endpoint() -> Iterator[CapturingEndpoint]:
    """Serve a capturing OTLP/HTTP endpoint on a free port until the block ends."""
    endpoint: CapturingEndpoint

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            data = gzip.decompress(body) if self.headers.get("Content-Encoding") == "gzip" else body
            message = ExportTraceServiceRequest()
            message.ParseFromString(data)
            endpoint.requests.append(CapturedRequest(dict(self.headers.items()), data, message))
            reply = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    endpoint = CapturingEndpoint(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
