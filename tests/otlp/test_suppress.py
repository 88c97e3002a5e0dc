"""tracekit's own sends run with OpenTelemetry instrumentation suppressed."""

from __future__ import annotations

import pytest
from opentelemetry import context

from tracekit.otlp import suppress_instrumentation


def _suppressed() -> bool:
    return bool(context.get_value(context._SUPPRESS_INSTRUMENTATION_KEY))


def test_suppression_holds_in_the_block_and_ends_with_it() -> None:
    assert not _suppressed()
    with suppress_instrumentation():
        assert _suppressed()
        with suppress_instrumentation():
            assert _suppressed()
        assert _suppressed()
    assert not _suppressed()


def test_suppression_ends_when_the_block_raises() -> None:
    with pytest.raises(OSError), suppress_instrumentation():
        raise OSError("connection refused")
    assert not _suppressed()
