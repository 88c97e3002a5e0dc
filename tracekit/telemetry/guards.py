"""Guards: telemetry never breaks the user's program, and never traces its own plumbing.

:func:`handle_internal_errors` is the one place telemetry errors are caught. For users it logs
the error and the program goes on with less telemetry.

:func:`suppress_instrumentation` lives in :mod:`tracekit.otlp.suppress`, below the layers
that send spans (ingest, export), and is re-exported here with the other guards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from tracekit.otlp.suppress import suppress_instrumentation

__all__ = ["handle_internal_errors", "suppress_instrumentation"]

logger = logging.getLogger("tracekit")

P = ParamSpec("P")
R = TypeVar("R")


def handle_internal_errors(fn: Callable[P, R | None]) -> Callable[P, R | None]:
    """Run a telemetry function so that its failure is logged, never raised into user code
    (the function then returns None).

    >>> @handle_internal_errors
    ... def stamp() -> None:
    ...     raise KeyError("gen_ai.agent.name")
    """

    @wraps(fn)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R | None:
        try:
            return fn(*args, **kwargs)
        except Exception:
            logger.exception("tracekit telemetry error in %s (the program goes on)", fn.__name__)
            return None

    return guarded
