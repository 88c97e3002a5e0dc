"""``tracekit doctor``: check a store and list the segments its folds rejected, and why.

Exit status: 0 healthy, 1 problems found, 2 the check could not run (no store, busy).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from tracekit.cli.arguments import add_store_argument
from tracekit.exceptions import StoreError

EXIT_HEALTHY = 0
EXIT_PROBLEMS = 1
EXIT_COULD_NOT_RUN = 2


def register(subparsers: Any) -> None:
    """Add ``doctor``."""
    doctor = subparsers.add_parser(
        "doctor",
        help="check the store and list rejected segments",
        description="Check the store without changing it: that it opens, its schema version, "
        "what it holds, the segments waiting in its spool, and the segments folds rejected "
        "(with the reason for each). Exit status 0 healthy, 1 problems found, 2 could not run.",
    )
    add_store_argument(doctor)
    doctor.add_argument("--json", action="store_true", help="print the findings as JSON")
    doctor.set_defaults(handler=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    """Print the diagnosis; the exit status says whether the store is healthy."""
    from tracekit.store.doctor import diagnose_store

    try:
        diagnosis = diagnose_store(args.store)
    except StoreError as error:
        sys.stderr.write(f"tracekit: error: {error}\n")
        return EXIT_COULD_NOT_RUN
    if args.json:
        sys.stdout.write(diagnosis.model_dump_json(indent=2) + "\n")
    else:
        sys.stdout.write(_report(diagnosis))
    return EXIT_PROBLEMS if diagnosis.problems else EXIT_HEALTHY


def _report(diagnosis: Any) -> str:
    from tracekit.display import inert

    lines = [f"store      {inert(diagnosis.store)} ({_size(diagnosis.bytes)})"]
    if diagnosis.schema_version is not None:
        lines.append(
            f"schema     version {diagnosis.schema_version} "
            f"(this tracekit writes {diagnosis.current_schema_version})"
        )
    if diagnosis.spans is not None:
        lines.append(
            f"contents   {diagnosis.traces} traces, {diagnosis.spans} spans "
            f"({diagnosis.spans_with_content} with content)"
        )
    lines.append(
        f"spool      {diagnosis.pending_segments} segment(s) pending "
        f"({_size(diagnosis.pending_bytes)})"
    )
    lines.append(f"rejected   {len(diagnosis.rejected)} segment(s)")
    for item in diagnosis.rejected:
        lines.append(f"  {inert(item.path)}: {inert(item.reason)}")
    lines.extend(f"note       {inert(note)}" for note in diagnosis.notes)
    lines.extend(f"problem    {inert(problem)}" for problem in diagnosis.problems)
    count = len(diagnosis.problems)
    lines.append("healthy" if not count else f"{count} problem(s) found")
    return "\n".join(lines) + "\n"


def _size(count: int) -> str:
    size = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} B"
