"""The replay scope: context variables that say which agent call the running code belongs to.

The orchestrator sets them around each agent call (:func:`agent_scope`); the enricher stamps
them on spans from code that does not know tracekit (the Anthropic SDK's), and replay answers
each model call by the invocation it runs under.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any

from tracekit.pricing import PriceTable

#: The agent path ("supervisor/billing") of the agent whose code is running; the enricher
#: stamps it on every span started under that agent, including the Anthropic SDK's.
current_agent_path: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "tracekit_agent_path", default=None
)


#: Which agent call is running (``path#sequence``): replay answers model calls by it.
current_invocation: contextvars.ContextVar[str] = contextvars.ContextVar(
    "tracekit_invocation", default=""
)

#: The running agent call's structural key (``supervisor#0/billing#1``): replay answers model
#: calls of recordings that carry structural keys by it.
current_call_key: contextvars.ContextVar[str] = contextvars.ContextVar(
    "tracekit_call_key", default=""
)

#: ``gen_ai.tool.definitions`` of the model call in progress, for the client span a library
#: emits (the Anthropic SDK's span does not record the tools it was offered; replay compares
#: them, so the enricher stamps them on).
pending_tool_definitions: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "tracekit_tool_definitions", default=None
)

#: Attributes to add to the client span a library starts now, when it ends (a streamed call's
#: deltas, known only once the stream is read): the enricher calls it at the span's end.
pending_span_attributes: contextvars.ContextVar[Callable[[], dict[str, Any]] | None] = (
    contextvars.ContextVar("tracekit_span_attributes", default=None)
)

#: The price table of the run in progress; model clients price their LLM spans with it, so the
#: enricher only has to complete spans from code that does not know tracekit (the Anthropic SDK).
active_prices: contextvars.ContextVar[PriceTable | None] = contextvars.ContextVar(
    "tracekit_active_prices", default=None
)


class _AgentScope:
    """What :func:`agent_scope` returns: the three context variables set on entering and
    reset on leaving (a class, not a generator: every agent call enters one)."""

    __slots__ = ("_call_key", "_invocation", "_path", "_tokens")

    def __init__(self, path: str, invocation: str, call_key: str) -> None:
        self._path = path
        self._invocation = invocation
        self._call_key = call_key

    def __enter__(self) -> None:
        self._tokens = (
            current_agent_path.set(self._path),
            current_invocation.set(self._invocation),
            current_call_key.set(self._call_key),
        )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        token, invocation_token, key_token = self._tokens
        current_call_key.reset(key_token)
        current_invocation.reset(invocation_token)
        current_agent_path.reset(token)


def agent_scope(
    path: str, invocation: str = "", call_key: str = ""
) -> AbstractContextManager[None]:
    """Mark the code in the block as running under the agent call ``invocation`` of the
    agent at ``path`` (``call_key``: its structural key).

    >>> with agent_scope("supervisor/billing", "supervisor/billing#1"):
    ...     current_agent_path.get(), current_invocation.get()
    ('supervisor/billing', 'supervisor/billing#1')
    >>> current_agent_path.get() is None
    True
    """
    return _AgentScope(path, invocation, call_key)
