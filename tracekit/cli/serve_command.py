"""``tracekit serve``: receive OTLP/HTTP traces from any OpenTelemetry app into the store."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tracekit.cli.arguments import add_store_argument, positive_int
from tracekit.exceptions import ConfigError


def _port(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0–65535, not {number}")
    return number


def register(subparsers: Any) -> None:
    """Add ``serve``."""
    from tracekit.ingest.defaults import (
        DEFAULT_HOST,
        DEFAULT_MAX_BODY_BYTES,
        DEFAULT_MAX_INFLIGHT_BYTES,
        DEFAULT_PORT,
    )

    serve = subparsers.add_parser(
        "serve",
        help="receive OTLP/HTTP traces into the store",
        description="Run an OTLP/HTTP receiver: point any OpenTelemetry exporter at "
        "http://HOST:PORT (POST /v1/traces, protobuf or JSON, gzip or not) and its spans land "
        "in the store, browsable like tracekit's own. Stops cleanly on Ctrl-C or SIGTERM.",
    )
    add_store_argument(serve)
    serve.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to bind, IPv4 or IPv6 (default {DEFAULT_HOST}; 0.0.0.0 or :: expose it "
        "to the network, with a warning: consider --token)",
    )
    serve.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any)"
    )
    serve.add_argument(
        "--forward",
        metavar="URL",
        help="also send what is received to this OTLP/HTTP endpoint (e.g. a Collector at "
        "http://localhost:4318), scrubbed of secrets like the store; never slows or fails ingest",
    )
    serve.add_argument(
        "--forward-raw",
        action="store_true",
        help="with --forward: send request bodies upstream exactly as received, UNSCRUBBED "
        "(API keys, tokens and authorization headers included)",
    )
    serve.add_argument(
        "--max-body-bytes",
        type=positive_int,
        default=DEFAULT_MAX_BODY_BYTES,
        help=f"request size limit, compressed or inflated (default {DEFAULT_MAX_BODY_BYTES})",
    )
    serve.add_argument(
        "--max-inflight-mb",
        metavar="MB",
        type=positive_int,
        default=DEFAULT_MAX_INFLIGHT_BYTES // 2**20,
        help="request bytes held at once across concurrent requests, in MiB, compressed and "
        "inflated; beyond it requests get 503 with Retry-After, which OTLP exporters retry "
        f"(default {DEFAULT_MAX_INFLIGHT_BYTES // 2**20})",
    )
    serve.add_argument(
        "--token",
        default=None,
        help="require `Authorization: Bearer TOKEN` (else 401); default $TRACEKIT_SERVE_TOKEN, "
        "which keeps the token out of the process list",
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes that decode and convert requests (default: one per core; 0: none, "
        "the server process does it all)",
    )
    serve.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM, then fold every accepted span and exit 0."""
    import signal
    import threading
    from types import FrameType

    from tracekit import settings
    from tracekit.ingest.pipeline import default_workers
    from tracekit.ingest.receiver import OtlpReceiver, is_loopback
    from tracekit.otlp.endpoints import traces_url
    from tracekit.store import StorePaths, resolve_store_path

    if args.forward:
        traces_url(args.forward)  # a bad URL is a usage error before anything starts
    elif args.forward_raw:
        # A usage error (exit 2, as argparse's): the flag only qualifies --forward.
        sys.stderr.write("tracekit: error: --forward-raw needs --forward URL\n")
        return 2
    if args.workers is not None and args.workers < 0:
        raise ConfigError(f"--workers must be 0 or more, not {args.workers}")
    store = resolve_store_path(args.store)
    if not store.parent.is_dir():
        raise ConfigError(f"cannot record into {store}: {store.parent} is not an existing folder")
    StorePaths.for_store(store).check_writable()  # a read-only place: one line, not a 500
    try:
        receiver = OtlpReceiver(
            store,
            host=args.host,
            port=args.port,
            max_body_bytes=args.max_body_bytes,
            forward_url=args.forward,
            forward_raw=args.forward_raw,
            workers=default_workers() if args.workers is None else args.workers,
            token=args.token or settings.serve_token(),
            max_inflight_bytes=args.max_inflight_mb * 2**20,
        )
    except OSError as error:
        reason = error.strerror or str(error)
        where = f"[{args.host}]" if ":" in args.host else args.host
        raise ConfigError(f"cannot listen on {where}:{args.port}: {reason}") from None

    if not is_loopback(args.host):
        exposure = (
            "it is reachable from the network (requests need the token)"
            if receiver.token
            else "anyone who can reach it can write spans; set --token or TRACEKIT_SERVE_TOKEN"
        )
        sys.stderr.write(
            f"tracekit serve: warning: {args.host} is not a loopback address: {exposure}\n"
        )

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        receiver.start()
        forward = (
            f", forwarding to {receiver.forwarder.url}"
            + (" (raw, unscrubbed)" if receiver.forwarder.raw else "")
            if receiver.forwarder
            else ""
        )
        sys.stdout.write(
            f"tracekit serve: listening on {receiver.url} (OTLP/HTTP), "
            f"storing into {store}{forward}\n"
        )
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    finally:
        receiver.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    sys.stderr.write(
        f"tracekit serve: stopped; {receiver.accepted_spans} spans accepted"
        + (f", {receiver.rejected_spans} rejected" if receiver.rejected_spans else "")
        + "\n"
    )
    return 0
