"""What ``tracekit show`` runs (its arguments are in :mod:`tracekit.cli.query_commands`).

``--json`` loads neither Rich nor a model per span: the document comes from
:meth:`TraceStore.get_trace_document`, each model call's ``messages`` are added by
:mod:`tracekit.cli.trace_messages`, and it is written by :func:`indented_json`. The tree
reads the trace's lean outline and draws it with :mod:`tracekit.cli.trace_view`;
``--messages`` reads whole spans and draws their conversations
(:mod:`tracekit.cli.conversation_view`).
"""

from __future__ import annotations

import argparse
import sys

from tracekit.store.queries import TraceStore


def run_show(args: argparse.Namespace) -> int:
    """Show one trace as a tree, as JSON, or with every model call's conversation."""
    store = TraceStore(args.store)
    if args.json:
        from tracekit.cli.json_text import indented_json
        from tracekit.cli.trace_messages import add_messages
        from tracekit.inert_text import inert_json

        document = store.get_trace_document(args.trace_id)
        add_messages(document, store.get_trace_content(document["summary"]["trace_id"]))
        sys.stdout.write(inert_json(indented_json(document)) + "\n")
        return 0
    from tracekit.cli.query_views import _console, print_note, span_label, trace_tree

    if args.messages:
        from tracekit.cli.conversation_view import conversation_tree, normalised_spans

        detail = store.get_trace(args.trace_id)
        normal = normalised_spans(store, detail)
        _console().print(conversation_tree(detail, normal, span_label))
        return 0
    from tracekit.cli.trace_view import print_span_tree

    outline = store.get_trace_outline(args.trace_id)
    console = _console()
    print_span_tree(outline.summary, outline.spans, console, lambda: trace_tree(outline))
    print_note(console, outline.summary.unpriced_spans)
    return 0
