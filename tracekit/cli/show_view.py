"""What ``tracekit show`` runs (its arguments are in :mod:`tracekit.cli.query_commands`).

``--json`` loads neither Rich nor a model per span: the document comes from
:meth:`TraceStore.get_trace_document` and is written by :func:`indented_json`. The tree
reads the trace's lean outline and draws it with :mod:`tracekit.cli.trace_view`.
"""

from __future__ import annotations

import argparse
import sys

from tracekit.store.queries import TraceStore


def run_show(args: argparse.Namespace) -> int:
    """Show one trace as a tree, or as JSON."""
    store = TraceStore(args.store)
    if args.json:
        from tracekit.cli.json_text import indented_json
        from tracekit.inert_text import inert_json

        document = store.get_trace_document(args.trace_id)
        sys.stdout.write(inert_json(indented_json(document)) + "\n")
        return 0
    from tracekit.cli.query_views import _console, trace_tree
    from tracekit.cli.trace_view import print_span_tree

    outline = store.get_trace_outline(args.trace_id)
    print_span_tree(outline.summary, outline.spans, _console(), lambda: trace_tree(outline))
    return 0
