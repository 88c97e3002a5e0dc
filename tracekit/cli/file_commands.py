"""``tracekit import`` and ``tracekit export``: trace files (OTLP JSON lines) in and out.

``export`` builds the stream of spans to send in one place (:func:`export_stream`) and hands
it to a destination: a file (``--out``) here.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tracekit.cli.arguments import add_store_argument, positive_int
from tracekit.exceptions import ConfigError

if TYPE_CHECKING:
    from tracekit.otlp.model import OtlpSpan

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
FORMATS = ("otlp-json",)


def since_time(value: str, *, now_ns: int | None = None) -> int:
    """An argparse type: ``--since`` as ns since the epoch. Accepts a relative duration
    (``30s``, ``15m``, ``2h``, ``7d``, ``1w``: that long ago) or an ISO 8601 date or time
    (``2026-05-01``, ``2026-05-01T12:00:00Z``; without a zone: local time).

    >>> since_time("2h", now_ns=10 * 3600 * 10**9) == 8 * 3600 * 10**9
    True
    """
    match = _DURATION.match(value)
    if match:
        now = time.time_ns() if now_ns is None else now_ns
        return now - int(float(match.group(1)) * _UNIT_S[match.group(2).lower()] * 10**9)
    text = value.strip()
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a time: {value!r} (use e.g. 15m, 2h, 7d or 2026-05-01T12:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # naive: the user's local time
    return int(moment.timestamp()) * 10**9 + moment.microsecond * 1000


def register(subparsers: Any) -> None:
    """Add ``import`` and ``export``."""
    imp = subparsers.add_parser(
        "import",
        help="import a trace file (OTLP JSON lines) into the store",
        description="Import OTLP JSON lines (the OpenTelemetry Collector file exporter's "
        "format, or a file written by `tracekit export`) into the store. The whole file is "
        "checked first: a malformed or truncated line is reported with its number and nothing "
        "is imported. Spans already in the store are not added twice.",
    )
    imp.add_argument("file", metavar="FILE", help="OTLP JSON lines file")
    imp.add_argument(
        "--max-line-bytes",
        metavar="N",
        type=positive_int,
        default=None,
        help="refuse a line longer than N bytes (default 64 MiB); memory stays bounded by it",
    )
    add_store_argument(imp)
    imp.set_defaults(handler=run_import)

    exp = subparsers.add_parser(
        "export",
        help="export stored traces to a trace file (OTLP JSON lines)",
        description="Export stored traces as OTLP JSON lines, one TracesData per line (one "
        "line per trace). A trace file carries its content (messages, tool arguments and "
        "results, the workflow's entrypoint and input; secrets scrubbed) so `tracekit replay` "
        "and `tracekit import` can use it anywhere.",
    )
    exp.add_argument("--out", metavar="FILE", help="file to write (replaced if it exists)")
    exp.add_argument(
        "--format", choices=FORMATS, default=FORMATS[0], help="file format (default otlp-json)"
    )
    exp.add_argument(
        "--trace",
        metavar="ID",
        action="append",
        help="only this trace (id or unique prefix); repeat for several",
    )
    exp.add_argument(
        "--since",
        metavar="TIME",
        type=since_time,
        help="only traces started since TIME: 15m, 2h, 7d, or an ISO date/time",
    )
    exp.add_argument(
        "--without-content",
        action="store_true",
        help="leave out messages, tool arguments and results (the file cannot be replayed)",
    )
    exp.add_argument(
        "--otlp-endpoint",
        metavar="URL",
        help="send to an OTLP endpoint instead of a file: Jaeger, Tempo or a Collector "
        "(e.g. http://localhost:4318; gRPC: http://localhost:4317 with --protocol grpc)",
    )
    exp.add_argument(
        "--protocol",
        choices=("http/protobuf", "grpc"),
        default="http/protobuf",
        help="OTLP protocol for --otlp-endpoint (default http/protobuf)",
    )
    exp.add_argument(
        "--with-content",
        action="store_true",
        help="with --otlp-endpoint: send messages, tool arguments and results too (left out "
        "by default)",
    )
    add_store_argument(exp)
    exp.set_defaults(handler=run_export)


def run_import(args: argparse.Namespace) -> int:
    """Import a trace file; one summary line."""
    from tracekit.display import inert
    from tracekit.ingest.file_import import import_trace_file
    from tracekit.otlp.files import MAX_LINE_BYTES
    from tracekit.store import resolve_store_path

    result = import_trace_file(
        args.file, args.store, max_line_bytes=args.max_line_bytes or MAX_LINE_BYTES
    )
    store = resolve_store_path(args.store)
    plural = "trace" if result.traces == 1 else "traces"
    note = (
        "; all of them were in the store already"
        if result.new_spans == 0
        else f"; {result.new_spans} new"
        if result.new_spans < result.spans
        else ""
    )
    sys.stdout.write(
        f"Imported {result.spans} spans ({result.traces} {plural}) from {inert(args.file)} "
        f"into {inert(store)}{note}.\n"
    )
    return 0


def export_stream(args: argparse.Namespace, *, with_content: bool) -> Iterator[OtlpSpan]:
    """The scrubbed spans ``export`` sends, per ``--trace``/``--since``/``--store``. Raises
    TraceNotFoundError (before anything is sent) for an unknown trace or an empty selection."""
    from tracekit.export.files import stored_spans
    from tracekit.store import TraceStore

    return stored_spans(
        TraceStore(args.store),
        trace_ids=args.trace,
        since_ns=args.since,
        with_content=with_content,
    )


def run_export(args: argparse.Namespace) -> int:
    """Export to the chosen destination; one summary line."""
    if args.out is not None and args.otlp_endpoint is not None:
        raise ConfigError("choose one destination: --out FILE or --otlp-endpoint URL")
    if args.otlp_endpoint is not None:
        return _export_to_endpoint(args)
    if args.out is not None:
        return _export_to_file(args)
    raise ConfigError("export needs a destination: --out FILE or --otlp-endpoint URL")


def _export_to_endpoint(args: argparse.Namespace) -> int:
    from tracekit.display import inert
    from tracekit.export.otlp_endpoint import send_spans

    spans = export_stream(args, with_content=args.with_content)
    summary = send_spans(
        spans, args.otlp_endpoint, protocol=args.protocol, with_content=args.with_content
    )
    plural = "trace" if summary.traces == 1 else "traces"
    content = "with content" if args.with_content else "without content"
    sys.stdout.write(
        f"Exported {summary.spans} spans ({summary.traces} {plural}) to {inert(summary.endpoint)} "
        f"over OTLP {args.protocol}, {content}.\n"
    )
    return 0


def _export_to_file(args: argparse.Namespace) -> int:
    from tracekit.display import inert
    from tracekit.otlp.files import write_trace_file

    traces: set[str] = set()

    def counted(spans: Iterator[OtlpSpan]) -> Iterator[OtlpSpan]:
        for span in spans:
            traces.add(span.trace_id)
            yield span

    spans = export_stream(args, with_content=not args.without_content)
    written = write_trace_file(args.out, counted(spans))
    plural = "trace" if len(traces) == 1 else "traces"
    sys.stdout.write(f"Exported {written} spans ({len(traces)} {plural}) to {inert(args.out)}.\n")
    return 0
