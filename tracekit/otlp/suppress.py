"""Keep tracekit's own plumbing out of the traces: one way to suppress instrumentation.

The OpenTelemetry SDK sets a context key while it exports, and instrumentations (of httpx,
urllib, requests, …) start no span while the key is set. tracekit sends spans over HTTP itself
(``tracekit export``, ``serve --forward``), so it sets the same key around those sends: without
it, an instrumented process would trace its own exporting, and export those spans in turn.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import context as otel_context


@contextmanager
def suppress_instrumentation() -> Iterator[None]:
    """Run the block with OpenTelemetry instrumentation suppressed: instrumented libraries
    start no spans for the calls made in it.

    >>> from opentelemetry import context
    >>> with suppress_instrumentation():
    ...     bool(context.get_value(context._SUPPRESS_INSTRUMENTATION_KEY))
    True
    """
    token = otel_context.attach(
        otel_context.set_value(otel_context._SUPPRESS_INSTRUMENTATION_KEY, True)
    )
    try:
        yield
    finally:
        otel_context.detach(token)
