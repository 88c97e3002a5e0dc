"""The run context an entrypoint (and a tool that asks for it) gets: handoffs, fan-out, state."""

from __future__ import annotations

import contextvars
import functools
import os
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from opentelemetry import trace
from pydantic import BaseModel

from tracekit import semconv as sc
from tracekit.orchestrator.fanout import run_parallel
from tracekit.orchestrator.run_state import RunState, canonical_json

if TYPE_CHECKING:
    # For typing only: agent imports tools, whose Context parameters need this module.
    from tracekit.orchestrator.agent import Agent

StateT = TypeVar("StateT", bound=BaseModel | None)
T = TypeVar("T")


def _call_site(depth: int) -> str:
    # file:line of the caller: a hint for the reader of a report. Replay never compares it
    # (calls are keyed by their place in the run tree), so moving a call does not diverge.
    frame = sys._getframe(depth + 1)
    return f"{_short_path(frame.f_code.co_filename)}:{frame.f_lineno}"


@functools.lru_cache(maxsize=256)
def _short_path(filename: str) -> str:
    try:
        relative = os.path.relpath(filename)
    except ValueError:  # another drive (Windows)
        return filename
    return filename if relative.startswith("..") else relative


class Context(Generic[StateT]):
    """Handed to the entrypoint. ``call`` hands off to an agent, ``map`` fans out, ``state``
    is the run's typed shared state (changes are recorded on the agent span that made them).
    """

    def __init__(
        self,
        run: RunState,
        *,
        state: StateT,
        default_model: str,
        agent_path: str | None = None,
        agent: Agent | None = None,
        invocation: str = "",
        call_key: str = "",
    ) -> None:
        self.run = run
        self.state: StateT = state
        self.default_model = default_model
        self.agent_path = agent_path
        self.agent = agent
        self.invocation = invocation
        """Which agent call this is (``path#sequence``; empty for the entrypoint)."""
        self.call_key = call_key
        """The agent call's structural key (``parent#0/agent#1``; empty for the entrypoint)."""

    def child(
        self, agent_path: str, agent: Agent, sequence: int, call_key: str = ""
    ) -> Context[StateT]:
        """The context one call of the agent at ``agent_path`` (and its tools) sees."""
        return Context(
            self.run,
            state=self.state,
            default_model=self.default_model,
            agent_path=agent_path,
            agent=agent,
            invocation=f"{agent_path}#{sequence}",
            call_key=call_key,
        )

    def call(self, agent: Agent, payload: Any) -> Any:
        """Hand ``payload`` to ``agent`` and return its validated output."""
        from tracekit.orchestrator.runner import run_agent

        return run_agent(
            self,
            agent,
            payload,
            handoff_from=self.agent.name if self.agent else self.run.workflow,
            call_site=_call_site(1),
        )

    def map(
        self,
        agent: Agent,
        payloads: Sequence[Any],
        *,
        max_concurrency: int = 4,
    ) -> list[Any]:
        """Run ``agent`` on every payload in parallel (at most ``max_concurrency`` at once).

        Results come back in the order of ``payloads``, and each call's sequence number is its
        payload's position, whatever the threads' timing. If a call fails, the others still
        finish (their spans are complete), then the first failure is raised. The parallel
        calls share ``state``: guard read-modify-write updates with ``state_lock``; what they
        changed together is recorded as one ``tracekit.state.changed`` event on the caller's span.
        """
        from tracekit.orchestrator.runner import agent_path_of, run_agent

        if not payloads:
            return []
        site = _call_site(1)
        handoff_from = self.agent.name if self.agent else self.run.workflow
        path = agent_path_of(self, agent)
        sequences = [self.run.next_sequence(path) for _ in payloads]
        # Structural keys by payload position, reserved before any thread starts.
        calls = [self.run.reserve_call(self.call_key, agent.name) for _ in payloads]
        before = self.state_snapshot()

        def one(payload: Any, sequence: int, call: tuple[str, int]) -> Any:
            return run_agent(
                self,
                agent,
                payload,
                handoff_from=handoff_from,
                call_site=site,
                sequence=sequence,
                call=call,
                record_state=False,
            )

        # Each call runs in a copy of this context (taken here, in the caller's thread), so
        # its spans nest under the current span.
        tasks = [
            functools.partial(contextvars.copy_context().run, one, payload, sequence, call)
            for payload, sequence, call in zip(payloads, sequences, calls, strict=True)
        ]
        outcomes = run_parallel(tasks, max_concurrency)
        changes = self.state_changes(before)
        if changes:
            trace.get_current_span().add_event(
                sc.EVENT_STATE_CHANGED,
                {sc.TRACEKIT_STATE_CHANGES: changes, sc.TRACEKIT_AGENT_PATH: path},
            )
        for _, error in outcomes:
            if error is not None:
                raise error
        return [value for value, _ in outcomes]

    def state_snapshot(self) -> dict[str, Any] | None:
        """The state as JSON-ready data, to diff against later."""
        state = self.state
        return state.model_dump(mode="json") if isinstance(state, BaseModel) else None

    @property
    def state_lock(self) -> threading.Lock:
        """Hold this while updating ``state`` from parallel agents' tools."""
        return self.run.state_lock

    def state_changes(self, before: dict[str, Any] | None) -> str | None:
        """JSON ``{field: [old, new]}`` of what changed since ``before``, or None."""
        after = self.state_snapshot()
        if before is None or after is None:
            return None
        changed = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
        return canonical_json(changed) if changed else None
