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
from typing import TYPE_CHECKING, Any

from tracekit.cli.arguments import add_store_argument, positive_int
from tracekit.cli.import_from import (
    add_backend_arguments,
    misplaced_backend_options,
    run_backend_import,
    usage_error,
)
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
    from datetime import datetime  # only when a date is given: not for `tracekit --help`

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
        help="import a trace file, or pull traces from Jaeger, Tempo or Phoenix",
        description="Import OTLP JSON lines (the OpenTelemetry Collector file exporter's "
        "format, or a file written by `tracekit export`) into the store. The whole file is "
        "checked first: a malformed or truncated line is reported with its number and nothing "
        "is imported. Spans already in the store are not added twice. "
        "With --from URL, pull traces from a backend instead, named in the URL's scheme: "
        "jaeger+http://HOST:16686 (Jaeger API v3), tempo+http://HOST:3200 (Grafana Tempo), "
        "phoenix+http://HOST:6006 (Arize Phoenix); by id (--trace) or by time (--since). "
        "A trace exported with its content replays offline: tracekit replay TRACE_ID.",
    )
    imp.add_argument("file", metavar="FILE", nargs="?", help="OTLP JSON lines file")
    imp.add_argument(
        "--from",
        dest="source",
        metavar="FILE|URL",
        help="a trace file, or a backend URL: jaeger+http://…, tempo+http://…, phoenix+http://…",
    )
    add_backend_arguments(imp)
    imp.add_argument(
        "--since",
        metavar="TIME",
        type=since_time,
        help="with --from URL: traces started since TIME (15m, 2h, 7d, or an ISO date/time)",
    )
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
        help="leave out messages, tool arguments and results (a trace file keeps them by "
        "default so it can be replayed; an OTLP endpoint never gets them without --with-content)",
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
        help="keep messages, tool arguments and results: what a trace file (--out) always does, "
        "and what --otlp-endpoint leaves out by default (Jaeger and Tempo are shared backends)",
    )
    add_store_argument(exp)
    exp.set_defaults(handler=run_export)


def run_import(args: argparse.Namespace) -> int:
    """Import a trace file, or pull traces from a backend (``--from URL``); one summary
    line."""
    from tracekit.display import inert
    from tracekit.ingest.backend_source import looks_like_url
    from tracekit.ingest.file_import import import_trace_file
    from tracekit.otlp.files import MAX_LINE_BYTES
    from tracekit.store import resolve_store_path

    if args.file is not None and args.source is not None:
        return usage_error("give the file once: FILE or --from FILE")
    source = args.source if args.source is not None else args.file
    if source is None:
        return usage_error("import what? give a trace file, or --from URL (see --help)")
    if looks_like_url(source):
        if args.max_line_bytes is not None:
            return usage_error("--max-line-bytes is for trace files, not --from URL")
        return run_backend_import(args, source)
    misplaced = misplaced_backend_options(args)
    if misplaced:
        return usage_error(
            f"{', '.join(misplaced)} apply to --from URL; a trace file is imported whole"
        )
    args.file = source
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
    """Export to the chosen destination; one summary line that says whether content went."""
    if args.with_content and args.without_content:
        raise ConfigError("choose one: --with-content or --without-content")
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

    # A trace file is the replay artefact: it keeps content unless told not to.
    with_content = not args.without_content
    spans = export_stream(args, with_content=with_content)
    written = write_trace_file(args.out, counted(spans))
    plural = "trace" if len(traces) == 1 else "traces"
    content = "with content" if with_content else "without content"
    sys.stdout.write(
        f"Exported {written} spans ({len(traces)} {plural}) to {inert(args.out)}, {content}.\n"
    )
    return 0
