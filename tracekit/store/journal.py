"""The run journal: how a recording process makes a finished run durable in one ``write``.

When ``Workflow.run()`` returns, its spans must be on disk (a ``kill -9`` right after loses
nothing). A segment per run costs a file creation, an Arrow table, an IPC writer and a rename
(~2.4 ms, more than the run). Instead the processor keeps one journal file open per process,
``<spool>/.<time>-<pid>-<uuid>.journal``, and appends each finished run's rows (already
converted and scrubbed) to it as one JSON line in one ``os.write``: the kernel keeps a killed
process's writes. The writer thread turns the rows into a real, fsynced segment on its next
round, then retires the journal (a power cut costs at most that round, as it did before).

The journal's owner holds an exclusive ``flock`` on it for as long as it writes there. A fold
that finds a journal it can lock has found one whose writer died before its round: it turns
the complete lines into a segment (a torn last line is a run in flight, which a crash may
lose) and removes the journal. Spans that reach both a segment and a journal (a crash between
the two steps) are stored once: folds leave out spans the store already has.

Each line is a JSON array of rows, each an array of the segment's column values. A JSON
column's text is embedded in the line as the JSON it is (an object or an array) when a parse
gives it back byte for byte (orjson's own text: see ``SegmentBuilder.own_json_since``), and as a
JSON string otherwise; escaping a span's JSON into a string was two thirds of encoding a line.
Recovery tells the two apart by type: a JSON column's text is never itself a string, a number
or a boolean. Lines written before embedding (every JSON column a string) read as they always
have.

Journal files start with a dot, so listings of segments never see them.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import logging
import os
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from tracekit.store.convert import Row, rows_to_table
from tracekit.store.paths import StorePaths
from tracekit.store.pending import JOURNAL_PREFIX as _PREFIX
from tracekit.store.pending import JOURNAL_SUFFIX as JOURNAL_SUFFIX
from tracekit.store.pending import TEMP_PREFIX, TEMP_SUFFIX
from tracekit.store.pending import journal_files as journal_files
from tracekit.store.schema import SEGMENT_SCHEMA
from tracekit.store.spool import write_segment

logger = logging.getLogger("tracekit")

_sequence = itertools.count()
_sequence_lock = threading.Lock()


class JournalEncodingError(ValueError):
    """Rows that have no JSON form (a lone surrogate, an integer past 64 bits, a cost that is
    NaN or infinite): the caller writes them as a segment instead."""


_ATTRIBUTES = SEGMENT_SCHEMA.get_field_index("attributes")
_RESOURCE = SEGMENT_SCHEMA.get_field_index("resource")
_CONTENT = SEGMENT_SCHEMA.get_field_index("content")
_COST = SEGMENT_SCHEMA.get_field_index("cost_usd")
#: Every JSON column: recovery turns any of them embedded as JSON back into its text.
_JSON_COLUMNS = tuple(
    SEGMENT_SCHEMA.get_field_index(name)
    for name in ("attributes", "resource", "events", "links", "content")
)
_ROW_LENGTH = len(SEGMENT_SCHEMA)
#: Resource JSON texts seen, and whether each one is orjson's own (few: one per provider).
_resource_texts: dict[str, bool] = {}
_RESOURCE_TEXTS_SIZE = 256


def encode_rows(rows: Sequence[Row], own_json: Sequence[bool] | None = None) -> bytes:
    """One journal line: ``rows`` as a JSON array of arrays, newline-terminated.

    ``own_json`` (one flag per row, see ``SegmentBuilder.own_json_since``) says which rows'
    attribute and content JSON may be embedded as JSON; without it every JSON column is
    written as a string."""
    for row in rows:
        cost = row[_COST]
        # NaN and the infinities have no JSON number: orjson writes null, which recovery
        # would store as a cost unknown.
        if cost is not None and cost - cost != 0:
            raise JournalEncodingError(f"a cost of {cost!r} has no JSON form")
    line: Sequence[Row | list[Any]] = rows
    if own_json is not None:
        line = [_embedded(row, own) for row, own in zip(rows, own_json, strict=True)]
    try:
        return orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE)
    except (TypeError, orjson.JSONEncodeError) as error:
        raise JournalEncodingError(str(error)) from None


def _embedded(row: Row, own: bool) -> Row | list[Any]:
    resource = row[_RESOURCE]
    resource_own = _resource_texts.get(resource) if resource is not None else False
    if resource_own is None:
        resource_own = _own_text(resource)
        if len(_resource_texts) >= _RESOURCE_TEXTS_SIZE:
            _resource_texts.clear()
        _resource_texts[resource] = resource_own
    if not (own or resource_own):
        return row
    values = list(row)
    if own:
        values[_ATTRIBUTES] = orjson.Fragment(values[_ATTRIBUTES])
        if values[_CONTENT] is not None:
            values[_CONTENT] = orjson.Fragment(values[_CONTENT])
    if resource_own:
        values[_RESOURCE] = orjson.Fragment(resource)
    return values


def _own_text(text: str) -> bool:
    """Whether ``text`` is JSON that a parse and orjson give back byte for byte."""
    try:
        return orjson.dumps(orjson.loads(text)) == text.encode()
    except (TypeError, ValueError):  # not JSON, or not UTF-8 (orjson's errors are both)
        return False


class RunJournal:
    """The append-only journal of one recording process (opened on the first append)."""

    def __init__(self, paths: StorePaths) -> None:
        self.paths = paths
        self._fd: int | None = None
        self._path: Path | None = None
        # Journals left with a torn line that could not be cut off (see _append_rest), still
        # locked: their complete lines are rows the buffer holds, retired with the current.
        self._torn: list[tuple[int, Path]] = []

    def append(self, line: bytes) -> None:
        """Append one encoded line (see :func:`encode_rows`); raises OSError."""
        if self._fd is None:
            self._open()
        assert self._fd is not None
        fd = self._fd
        written = os.write(fd, line)
        if written < len(line):  # a short write (rare: a signal, a full disk): the rest
            self._append_rest(fd, line, written)

    def _append_rest(self, fd: int, line: bytes, written: int) -> None:
        view = memoryview(line)[written:]
        try:
            while view:
                count = os.write(fd, view)
                written += count
                view = view[count:]
        except BaseException:
            # A half line left here would join the next line into one that is not JSON, and
            # recovery would set the whole journal aside (a torn *last* line is only a run in
            # flight). Cut it off: this descriptor is the only writer (under the processor's
            # lock, and the flock), so the line's start is the size less what it wrote.
            # Measured here, not with an fstat before every append: this path is rare.
            try:
                os.ftruncate(fd, os.fstat(fd).st_size - written)
            except OSError as error:
                # Then the half line must stay the journal's last: no line is appended after
                # it (recovery drops a torn last line as a run in flight, and keeps the rest).
                # The next append opens a new journal.
                logger.error("tracekit: journal %s keeps a torn line: %s", self._path, error)
                if self._path is not None:
                    self._torn.append((fd, self._path))
                self._fd, self._path = None, None
            raise

    def _open(self) -> None:
        with _sequence_lock:
            seq = next(_sequence)
        name = f"{_PREFIX}{time.time_ns():020d}-{os.getpid()}-{seq:08d}-{uuid.uuid4().hex[:8]}"
        path = self.paths.spool / f"{name}{JOURNAL_SUFFIX}"
        # Made and locked under a temporary name, then renamed: a reader must never find a
        # journal its writer has not locked yet, which it would take for a dead writer's
        # (recovering and removing it, or holding its lock so that the writer's fails).
        temp = self.paths.spool / f"{TEMP_PREFIX}{name}{JOURNAL_SUFFIX}{TEMP_SUFFIX}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND
        try:
            fd = os.open(temp, flags, 0o644)
        except FileNotFoundError:  # no spool yet (made only then: a mkdir first costs a stat)
            self.paths.spool.mkdir(parents=True, exist_ok=True)
            fd = os.open(temp, flags, 0o644)
        try:
            # Never contended: nobody opens a temporary file. Held until retired, so folds
            # leave the journal alone.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.rename(temp, path)
        except OSError:
            os.close(fd)
            with contextlib.suppress(OSError):
                temp.unlink()
            raise
        self._fd, self._path = fd, path

    def detach(self) -> RetiredJournal | None:
        """Stop appending here: the next append opens a new journal. The returned handle
        removes the old one once its rows are in a segment."""
        files, self._torn = self._torn, []
        if self._fd is not None and self._path is not None:
            files.append((self._fd, self._path))
        self._fd, self._path = None, None
        return RetiredJournal(files) if files else None

    def forget_after_fork(self) -> None:
        """In a forked child: drop the parent's journal without touching it (closing the
        inherited descriptor keeps the parent's lock, which the parent still holds)."""
        inherited = [fd for fd, _ in self._torn]
        if self._fd is not None:
            inherited.append(self._fd)
        for fd in inherited:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fd, self._path, self._torn = None, None, []


class RetiredJournal:
    """A journal no longer appended to (with any left torn before it, see
    :meth:`RunJournal.append`), still locked until its rows are safe elsewhere."""

    def __init__(self, files: list[tuple[int, Path]]) -> None:
        self._files = files

    @property
    def path(self) -> Path:
        """The journal's file (the last appended to)."""
        return self._files[-1][1]

    def discard(self) -> None:
        """Its rows are in a segment: remove the files, then let go of their locks."""
        for _, path in self._files:
            with contextlib.suppress(OSError):
                path.unlink()
        self.release()

    def release(self) -> None:
        """Its rows could not be written elsewhere: keep the files for a fold to recover."""
        for fd, _ in self._files:
            with contextlib.suppress(OSError):
                os.close(fd)


def has_orphaned_journals(paths: StorePaths) -> bool:
    """Whether some journal's writer died before its rows reached a segment."""
    for path in journal_files(paths):
        fd = _lock_orphan(path)
        if fd is not None:
            os.close(fd)
            return True
    return False


def recover_orphaned_journals(paths: StorePaths) -> list[tuple[Path, Exception]]:
    """Turn the journals of dead writers into segments and remove them. Returns the
    journals that could not be read as rows, with why (the caller sets them aside)."""
    failed: list[tuple[Path, Exception]] = []
    for path in journal_files(paths):
        fd = _lock_orphan(path)
        if fd is None:
            continue
        try:
            rows = _read_rows(fd, path)
            if rows:
                write_segment(paths, rows_to_table(rows))
            path.unlink()
        except (ValueError, TypeError, OverflowError) as error:
            # Not rows a segment holds (OverflowError: a number past its int64 column): set
            # aside, or every fold would fail on it again.
            failed.append((path, error))
        except OSError as error:
            logger.error("tracekit: journal %s could not be recovered: %s", path.name, error)
        finally:
            os.close(fd)
    return failed


def _lock_orphan(path: Path) -> int | None:
    """A descriptor holding the lock of ``path`` when its writer is gone, else None."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # Retired and removed between our open and our lock: nothing left to recover.
        if os.fstat(fd).st_ino != os.stat(path).st_ino:
            raise FileNotFoundError(path)
    except OSError:
        os.close(fd)
        return None
    return fd


def _read_rows(fd: int, path: Path) -> list[Any]:
    with os.fdopen(os.dup(fd), "rb") as handle:
        data = handle.read()
    rows: list[Any] = []
    lines = data.split(b"\n")
    # Everything after the last newline is a line torn by the crash: a run in flight.
    for number, line in enumerate(lines[:-1], start=1):
        if not line:
            continue
        try:
            batch = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            raise ValueError(f"{path.name} line {number}: {error}") from None
        if not isinstance(batch, list):
            raise ValueError(f"{path.name} line {number}: not a list of rows")
        for row in batch:
            if not isinstance(row, list) or len(row) != _ROW_LENGTH:
                raise ValueError(f"{path.name} line {number}: not a list of rows")
            for index in _JSON_COLUMNS:
                value = row[index]
                if value is not None and type(value) is not str:
                    # Embedded as JSON (see encode_rows): its text is orjson's, given back.
                    row[index] = orjson.dumps(value).decode()
            rows.append(tuple(row))
    return rows
