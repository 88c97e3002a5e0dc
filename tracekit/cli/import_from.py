"""``tracekit import --from URL``: the options that pull traces from a backend, and the run.

``import`` itself is registered with the file commands (:mod:`tracekit.cli.file_commands`);
this module adds what only a backend needs and runs that kind of import.
"""

from __future__ import annotations

import argparse
import re
import sys

from tracekit.cli.arguments import EXIT_USAGE, positive_int
from tracekit.exceptions import ConfigError

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_BAD_VALUE = re.compile(r"[\r\n\x00]")
#: The options that only apply to ``--from URL``.
BACKEND_OPTIONS = ("trace", "since", "header", "timeout", "service", "project", "limit")


def header(value: str) -> tuple[str, str]:
    """An argparse type: ``NAME: VALUE``. The value is a credential as often as not, so an
    error never quotes it.

    >>> header("Authorization: Bearer abc")
    ('Authorization', 'Bearer abc')
    """
    name, colon, rest = value.partition(":")
    name = name.strip()
    if not colon or not name:
        raise argparse.ArgumentTypeError("a header is 'NAME: VALUE' (this one has no 'NAME:')")
    if not _TOKEN.match(name):
        raise argparse.ArgumentTypeError(f"not a header name: {name[:40]!r}")
    if _BAD_VALUE.search(rest):
        raise argparse.ArgumentTypeError(
            f"the value of header {name} holds a line break or NUL (not sent)"
        )
    return name, rest.strip()


def trace_id(value: str) -> str:
    """An argparse type: a trace id as the backend shows it (hex, up to 32 digits)."""
    from tracekit.ingest.backend_source import normalise_trace_id

    try:
        return normalise_trace_id(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def seconds(value: str) -> float:
    """An argparse type: a positive number of seconds."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {value!r}") from None
    if not 0 < number < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds: {value}")
    return number


def add_backend_arguments(imp: argparse.ArgumentParser) -> None:
    """The options of ``import --from URL`` (``--since`` is shared with the file form's
    parser, see :func:`tracekit.cli.file_commands.register`)."""
    imp.add_argument(
        "--trace",
        metavar="ID",
        type=trace_id,
        action="append",
        help="with --from URL: the trace to pull (hex id as the backend shows it); repeat "
        "for several",
    )
    imp.add_argument(
        "--header",
        metavar="'NAME: VALUE'",
        type=header,
        action="append",
        help="with --from URL: a header sent with every request, e.g. 'Authorization: Bearer "
        "TOKEN' or 'X-Scope-OrgID: team' (repeatable; never stored or printed)",
    )
    imp.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=seconds,
        default=None,
        help="with --from URL: how long to wait for the connection and each answer (default 30)",
    )
    imp.add_argument(
        "--service",
        metavar="NAME",
        help="with --since: only traces of this service (Jaeger needs it; Tempo filters on it)",
    )
    imp.add_argument(
        "--project",
        metavar="NAME",
        default=None,
        help="with --from phoenix+…: the Phoenix project (default 'default')",
    )
    imp.add_argument(
        "--limit",
        metavar="N",
        type=positive_int,
        default=None,
        help="with --since: import at most N traces (default 20)",
    )


def usage_error(message: str) -> int:
    """One line on stderr, as argparse says a usage error; the exit status of one."""
    from tracekit.display import inert

    sys.stderr.write(f"tracekit import: error: {inert(message)}\n")
    return EXIT_USAGE


def run_backend_import(args: argparse.Namespace, url: str) -> int:
    """Pull the traces ``args`` name from the backend at ``url``; one summary line, then
    each trace id (what ``tracekit replay`` takes)."""
    from tracekit.display import inert
    from tracekit.ingest.backend_import import (
        DEFAULT_SEARCH_LIMIT,
        DEFAULT_TIMEOUT_S,
        import_from_backend,
    )
    from tracekit.ingest.backend_source import BackendSource
    from tracekit.ingest.phoenix_api import DEFAULT_PROJECT
    from tracekit.store import resolve_store_path

    try:
        source = BackendSource.parse(url)
    except ConfigError as error:
        return usage_error(str(error))
    if not args.trace and args.since is None:
        return usage_error("say which traces to pull: --trace ID (repeatable) or --since TIME")
    if args.since is not None and source.backend == "jaeger" and not args.service:
        return usage_error("a Jaeger search needs a service: add --service NAME to --since")
    if args.project is not None and source.backend != "phoenix":
        return usage_error("--project is Phoenix's: use it with --from phoenix+http://…")
    result = import_from_backend(
        source,
        args.store,
        trace_ids=args.trace or (),
        since_ns=args.since,
        limit=args.limit or DEFAULT_SEARCH_LIMIT,
        service=args.service,
        project=args.project or DEFAULT_PROJECT,
        headers=dict(args.header or ()),
        timeout_s=args.timeout or DEFAULT_TIMEOUT_S,
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
    from tracekit.scrub import scrub_text

    origin = f"{source.backend} at {scrub_text(source.base_url)}"
    sys.stdout.write(
        f"Imported {result.spans} spans ({result.traces} {plural}) from {inert(origin)} "
        f"into {inert(store)}{note}.\n"
    )
    for trace in result.trace_ids:
        sys.stdout.write(f"  {trace}\n")
    for line in result.notes:
        sys.stderr.write(f"tracekit import: warning: {inert(line)}\n")
    return 0


def misplaced_backend_options(args: argparse.Namespace) -> list[str]:
    """The ``--from URL`` options given to a file import (which takes the file whole)."""
    return [
        f"--{name}"
        for name in BACKEND_OPTIONS
        if getattr(args, name, None) not in (None, [], False)
    ]
