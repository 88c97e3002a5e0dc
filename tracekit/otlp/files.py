"""Trace files: OTLP JSON lines, the OTel Collector file exporter's format (one ``TracesData``
object per line; hex ids, integer enums, 64-bit integers as strings).

A trace file written by tracekit is self-contained: content attributes included (after secret
scrubbing), and the root span carries ``tracekit.workflow.entrypoint`` and
``tracekit.workflow.input``, which is all replay needs.

>>> write_trace_file("run.jsonl", TraceStore("runs.duckdb").trace_spans("5b8e"))  # doctest: +SKIP
>>> spans = read_trace_file("run.jsonl")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from tracekit.exceptions import OtlpFormatError, TraceFileError
from tracekit.otlp.encode import spans_to_json_line
from tracekit.otlp.json_decode import ResourceMemo, spans_from_json
from tracekit.otlp.model import OtlpSpan

#: Spans per line at most: a very large trace is written as several ``TracesData`` lines.
MAX_SPANS_PER_LINE = 1_000
#: The longest line a reader takes by default (a line is one ``TracesData``, so a trace).
MAX_LINE_BYTES = 64 * 1024 * 1024
_READ_BUFFER = 64 * 1024


def iter_trace_file(
    path: str | os.PathLike[str], *, max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, list[OtlpSpan]]]:
    """``(line number, spans)`` for each non-blank line of an OTLP JSON lines file.

    The file is read one line at a time, and a line longer than ``max_line_bytes`` is refused
    before it is read whole, so memory stays bounded by the limit. Raises TraceFileError
    naming the file and line for a line that is not valid OTLP JSON (a truncated last line
    included), one over the limit, and for a file that cannot be read.
    """
    file = Path(path)
    try:
        # A buffer larger than the default 8 KiB: lines of a few KiB each (a span per line)
        # cost a read call each and a copy out of the buffer; this halves readline's time.
        handle = file.open("rb", buffering=_READ_BUFFER)
    except OSError as error:
        raise TraceFileError(f"cannot read {file}: {error.strerror or error}") from None
    with handle:
        line_number = 0
        memo = ResourceMemo()
        try:
            while True:
                raw = handle.readline(max_line_bytes + 1)
                if not raw:
                    break
                line_number += 1
                if len(raw) > max_line_bytes:
                    raise TraceFileError(
                        f"{file}, line {line_number}: longer than {max_line_bytes:,} bytes "
                        "(raise the limit with --max-line-bytes)"
                    )
                if not raw.strip():
                    continue
                try:
                    spans = spans_from_json(raw, memo)
                except (OtlpFormatError, RecursionError) as error:
                    detail = (
                        str(error)
                        if isinstance(error, OtlpFormatError)
                        else "not an OTLP TracesData object: nested too deeply"
                    )
                    truncated = "" if raw.endswith(b"\n") else " (the file looks truncated)"
                    raise TraceFileError(
                        f"{file}, line {line_number}: {detail}{truncated}"
                    ) from None
                yield line_number, spans
        except OSError as error:
            raise TraceFileError(
                f"cannot read {file} after line {line_number}: {error.strerror or error}"
            ) from None


def read_trace_file(
    path: str | os.PathLike[str], *, max_line_bytes: int = MAX_LINE_BYTES
) -> list[OtlpSpan]:
    """Every span of an OTLP JSON lines file, validated as a whole before anything is returned.

    Raises TraceFileError (with the line number) for a malformed or truncated line, a file
    that cannot be read, or a file without any span.
    """
    spans: list[OtlpSpan] = []
    for _, line_spans in iter_trace_file(path, max_line_bytes=max_line_bytes):
        spans.extend(line_spans)
    if not spans:
        raise TraceFileError(f"{path} holds no spans (expected OTLP JSON lines)")
    return spans


def write_trace_file(
    path: str | os.PathLike[str],
    spans: Iterable[OtlpSpan],
    *,
    with_content: bool = True,
    spans_per_line: int = MAX_SPANS_PER_LINE,
) -> int:
    """Write ``spans`` as OTLP JSON lines; return how many were written.

    Consecutive spans of one trace share a line (at most ``spans_per_line``), so a stream of
    traces becomes one line per trace. ``spans_per_line=1`` writes one ``TracesData`` per
    span instead: a file kept in git (a replay recording) then diffs span by span, and reads
    back the same, since a reader takes the spans of every line. The file appears whole or not
    at all: it is written under a temporary name beside ``path`` and renamed into place.
    """
    if spans_per_line < 1:
        raise ValueError(f"spans_per_line must be at least 1, not {spans_per_line}")
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise TraceFileError(f"cannot write {target}: {folder} is not an existing folder")
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise TraceFileError(f"cannot write {target}: {error.strerror or error}") from None
    temp = Path(temp_name)
    written = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            for line in _lines(spans, with_content, spans_per_line):
                handle.write(line[0])
                handle.write("\n")
                written += line[1]
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise TraceFileError(f"cannot write {target}: {error.strerror or error}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return written


def _lines(
    spans: Iterable[OtlpSpan], with_content: bool, spans_per_line: int
) -> Iterator[tuple[str, int]]:
    group: list[OtlpSpan] = []
    for span in spans:
        if group and (span.trace_id != group[0].trace_id or len(group) >= spans_per_line):
            yield spans_to_json_line(group, with_content=with_content), len(group)
            group = []
        group.append(span)
    if group:
        yield spans_to_json_line(group, with_content=with_content), len(group)
