"""Guards: telemetry never breaks the user's program, and never traces its own plumbing.

:func:`handle_internal_errors` is the one place telemetry errors are caught. For users it logs
the error and the program goes on with less telemetry. Under pytest it re-raises, so a
telemetry bug fails the test that hit it instead of hiding in a log.

pytest is recognised by ``PYTEST_CURRENT_TEST`` (see :mod:`tracekit.settings`), which pytest
sets while each test runs, rather than by ``"pytest" in sys.modules``: a program may import
pytest without running tests, and a test that checks the user-facing behaviour can unset the
variable with ``monkeypatch.delenv`` (a module cannot be un-imported as easily). The variable
is inherited by the processes a test starts, so the CLI run from a test re-raises too.

:func:`suppress_instrumentation` lives in :mod:`tracekit.otlp.suppress`, below the layers
that send spans (ingest, export), and is re-exported here with the other guards.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from tracekit import settings
from tracekit.otlp.suppress import suppress_instrumentation

__all__ = ["handle_internal_errors", "suppress_instrumentation"]

logger = logging.getLogger("tracekit")

P = ParamSpec("P")
R = TypeVar("R")


def handle_internal_errors(fn: Callable[P, R | None]) -> Callable[P, R | None]:
    """Run a telemetry function so that its failure is logged, never raised into user code
    (the function then returns None). Under pytest the failure is raised.

    >>> @handle_internal_errors
    ... def stamp() -> None:
    ...     raise KeyError("gen_ai.agent.name")
    """

    @wraps(fn)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R | None:
        try:
            return fn(*args, **kwargs)
        except Exception:
            if settings.under_pytest():
                raise
            logger.exception("tracekit telemetry error in %s (the program goes on)", fn.__name__)
            return None

    return guarded
