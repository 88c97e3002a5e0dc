"""Guards: telemetry never breaks the user's program.

:func:`handle_internal_errors` is the one place telemetry errors are caught. For users it logs
the error and the program goes on with less telemetry. Under pytest it re-raises, so a
telemetry bug fails the test that hit it instead of hiding in a log.

pytest is recognised by ``PYTEST_CURRENT_TEST`` (see :mod:`tracekit.settings`), which pytest
sets while each test runs, rather than by ``"pytest" in sys.modules``: a program may import
pytest without running tests, and a test that checks the user-facing behaviour can unset the
variable with ``monkeypatch.delenv`` (a module cannot be un-imported as easily). The variable
is inherited by the processes a test starts, so the CLI run from a test re-raises too.

The other guard, :func:`tracekit.otlp.suppress_instrumentation` (tracekit's own sends are not
traced), lives in :mod:`tracekit.otlp.suppress`: ingest and export use it, and they sit below
telemetry. It is not re-exported here because ``import tracekit`` imports this package, and
``tracekit.otlp`` loads the OTLP protobuf codec (~20 ms) that a bare import does not need.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from tracekit import settings

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
