"""What ``tracekit show`` runs (its arguments are in :mod:`tracekit.cli.query_commands`).

``--json`` loads neither Rich nor a model per span (nor pydantic, for a trace of plain
spans of tracekit's own): the document comes from
:meth:`TraceStore.get_trace_document_with_content` (one read round), each model call's
``messages`` are added by :mod:`tracekit.cli.trace_messages`, and it is written by
:func:`indented_json`. The tree reads only what its lines show
(:meth:`TraceStore.get_trace_lines`, plain tuples: no pydantic) and draws it with
:mod:`tracekit.cli.trace_view`, or on a pipe, where every label fits its line, writes it as
plain text without loading Rich (:mod:`tracekit.cli.tree_text`); ``--messages`` reads whole
spans and draws their conversations (:mod:`tracekit.cli.conversation_view`).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from tracekit.cli.piped_text import PIPE_WIDTH, writes_plain_text
from tracekit.figure_text import unpriced_note
from tracekit.store.gc_pause import gc_paused
from tracekit.store.queries import TraceStore

if TYPE_CHECKING:
    from tracekit.store.tree_lines import TraceLines


def run_show(args: argparse.Namespace) -> int:
    """Show one trace as a tree, as JSON, or with every model call's conversation."""
    store = TraceStore(args.store)
    if args.json:
        # The cyclic GC stays paused until the trace is written and freed: once the read's
        # own pause ended, the tens of thousands of objects it built were traversed by each
        # collection the drawing's or the writer's allocations set off (~4% of show
        # --json's instructions), and none of them can be part of a cycle.
        with gc_paused():
            _print_json(store, args.trace_id)
        return 0
    if args.messages:
        from tracekit.cli.conversation_view import conversation_tree, normalised_spans
        from tracekit.cli.query_views import _console, span_label

        detail = store.get_trace(args.trace_id)
        normal = normalised_spans(store, detail)
        _console().print(conversation_tree(detail, normal, span_label))
        return 0
    # The tree needs neither query_views' Rich Tree nor the models (pydantic), and written
    # to a pipe, where Rich would write plain text, not Rich either (tracekit.cli.tree_text).
    with gc_paused():  # as for --json above
        trace = store.get_trace_lines(args.trace_id)
        text = _piped_tree(trace) if writes_plain_text() else None
        if text is not None:
            sys.stdout.write(text)
        else:
            from tracekit.cli.trace_view import print_span_tree
            from tracekit.cli.traces_view import print_note, stdout_console

            console = stdout_console()
            print_span_tree(trace.summary, trace.spans, console)
            print_note(console, trace.summary.unpriced_spans)
        del trace
    return 0


def _piped_tree(trace: TraceLines) -> str | None:
    """The tree and its note as Rich writes them to stdout, a pipe (see
    :func:`tracekit.cli.traces_view.stdout_console`), or None where Rich must draw them."""
    from tracekit.cli.tree_text import plain_tree_text

    encoding = (getattr(sys.stdout, "encoding", None) or "utf-8").lower()
    if sys.platform == "win32":  # Rich's legacy Windows console draws its own guides
        return None
    return plain_tree_text(
        trace.summary,
        trace.spans,
        width=PIPE_WIDTH,
        # As Rich's console: guides of ASCII where its file cannot encode others.
        ascii_only=not encoding.startswith("utf"),
        note=unpriced_note(trace.summary.unpriced_spans),
    )


def _print_json(store: TraceStore, trace_id: str) -> None:
    from tracekit.cli.json_text import indented_json_data
    from tracekit.cli.trace_messages import add_messages, float_checks
    from tracekit.inert_text import inert_json

    document, content, plain_numbers = store.get_trace_document_with_content(trace_id)
    add_messages(document, content)
    finite, plain_costs = float_checks(document)
    data = indented_json_data(document, finite=finite, respell=not (plain_numbers and plain_costs))
    if isinstance(data, bytes) and data.isascii() and b"\x7f" not in data:
        # Nothing to make inert (inert_json's own first test), so the bytes are written as
        # they are where stdout would write the same bytes for the text.
        _write_ascii(data)
    else:
        text = data.decode() if isinstance(data, bytes) else data
        sys.stdout.write(inert_json(text) + "\n")


def _write_ascii(data: bytes) -> None:
    # ASCII text (and a line break): straight to stdout's binary buffer where it has one
    # and writes "\n" as it is (decoding 10 MB to text and encoding it again cost more
    # than orjson's writing it); else as text.
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None or os.linesep != "\n":
        sys.stdout.write(data.decode() + "\n")
        return
    sys.stdout.flush()
    buffer.write(data)
    buffer.write(b"\n")
