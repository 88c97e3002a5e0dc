"""The run context an entrypoint (and a tool that asks for it) gets: handoffs, fan-out, state."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import os
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from opentelemetry import trace
from pydantic import BaseModel

from tracekit import semconv as sc
from tracekit.exceptions import WorkflowStopped
from tracekit.orchestrator.fanout import run_parallel
from tracekit.orchestrator.run_state import RunState, canonical_json

if TYPE_CHECKING:
    # For typing only: agent imports tools, whose Context parameters need this module.
    from tracekit.orchestrator.agent import Agent
    from tracekit.orchestrator.streaming import AgentStream

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
        self.in_fan_out = False
        """Whether this call runs beside siblings (a fan-out item, or a call nested in one):
        a state diff taken around it would hold their writes too, so the fan-out records the
        state changes as a whole instead."""

    def child(
        self, agent_path: str, agent: Agent, sequence: int, call_key: str = ""
    ) -> Context[StateT]:
        """The context one call of the agent at ``agent_path`` (and its tools) sees."""
        child: Context[StateT] = Context(
            self.run,
            state=self.state,
            default_model=self.default_model,
            agent_path=agent_path,
            agent=agent,
            invocation=f"{agent_path}#{sequence}",
            call_key=call_key,
        )
        child.in_fan_out = self.in_fan_out
        return child

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

    async def acall(self, agent: Agent, payload: Any) -> Any:
        """``await`` form of :meth:`call`, for ``async def`` entrypoints and tools."""
        from tracekit.orchestrator.runner import arun_agent

        self.run.track_task()
        return await arun_agent(
            self,
            agent,
            payload,
            handoff_from=self.agent.name if self.agent else self.run.workflow,
            call_site=_call_site(1),
        )

    def stream(self, agent: Agent, payload: Any) -> AgentStream:
        """Hand ``payload`` to ``agent`` and stream the call: iterate the result (``for`` in
        sync code, ``async for`` in async code) for text deltas and tool calls as the model
        produces them, then :class:`~tracekit.orchestrator.streaming.FinalOutput` with the
        validated output. Budgets are enforced as usage arrives: a stream over budget stops,
        and the iteration raises the limit's error (the run ends ``stopped``)."""
        from tracekit.orchestrator.streaming import AgentStream

        return AgentStream(self, agent, payload, _call_site(1))

    def astream(self, agent: Agent, payload: Any) -> AgentStream:
        """:meth:`stream`, named for ``async for event in ctx.astream(agent, payload)``."""
        from tracekit.orchestrator.streaming import AgentStream

        return AgentStream(self, agent, payload, _call_site(1))

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
        from tracekit.orchestrator.runner import run_agent

        if not payloads:
            return []
        fan_out = self._fan_out(agent, payloads, _call_site(1))

        def one(payload: Any, sequence: int, call: tuple[str, int]) -> Any:
            return run_agent(self, agent, payload, **fan_out.options(sequence, call))

        # Each call runs in a copy of this context (taken here, in the caller's thread), so
        # its spans nest under the current span.
        tasks = [
            functools.partial(contextvars.copy_context().run, one, payload, sequence, call)
            for payload, sequence, call in fan_out.items(payloads)
        ]
        workers = 1 if _answered_at_once(self.run, agent) else max_concurrency
        return fan_out.finish(self, run_parallel(tasks, workers))

    async def amap(
        self,
        agent: Agent,
        payloads: Sequence[Any],
        *,
        max_concurrency: int = 4,
    ) -> list[Any]:
        """``await`` form of :meth:`map`: one asyncio task per payload, at most
        ``max_concurrency`` running at once (a semaphore).

        Same keys, order and state recording as :meth:`map`: results in the order of
        ``payloads``, sequence numbers by payload position, whatever the tasks' timing. A
        failed call lets the others finish, then the first failure is raised; a guardrail
        stop (a limit, a loop) cancels the calls still in flight first, and a cancellation of
        the caller cancels them all. Either way every call's span has ended when this returns.
        """
        from tracekit.orchestrator.runner import arun_agent

        if not payloads:
            return []
        fan_out = self._fan_out(agent, payloads, _call_site(1))
        gate = asyncio.Semaphore(max(1, max_concurrency))

        async def one(payload: Any, sequence: int, call: tuple[str, int]) -> Any:
            async with gate:
                return await arun_agent(self, agent, payload, **fan_out.options(sequence, call))

        # create_task copies this context: each call's spans nest under the current span.
        tasks = [asyncio.create_task(one(*item)) for item in fan_out.items(payloads)]
        return fan_out.finish(self, await settle(tasks))

    def _fan_out(self, agent: Agent, payloads: Sequence[Any], site: str) -> FanOut:
        from tracekit.orchestrator.runner import agent_path_of

        path = agent_path_of(self, agent)
        return FanOut(
            path=path,
            # Sequences and structural keys by payload position, reserved before any call
            # starts: never by thread or task timing.
            sequences=[self.run.next_sequence(path) for _ in payloads],
            calls=[self.run.reserve_call(self.call_key, agent.name) for _ in payloads],
            before=self.state_snapshot(),
            handoff_from=self.agent.name if self.agent else self.run.workflow,
            site=site,
        )

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


@dataclass(frozen=True)
class FanOut:
    """One ``map``/``amap``: the calls' reserved numbers and keys, and how it ends."""

    path: str
    sequences: list[int]
    calls: list[tuple[str, int]]
    before: dict[str, Any] | None
    handoff_from: str
    site: str

    def items(self, payloads: Sequence[Any]) -> Iterator[tuple[Any, int, tuple[str, int]]]:
        """``(payload, sequence, call)`` per payload, in payload order."""
        return iter(zip(payloads, self.sequences, self.calls, strict=True))

    def options(self, sequence: int, call: tuple[str, int]) -> dict[str, Any]:
        """The agent call's options: state changes are recorded once, for the whole fan-out
        (siblings share the state, so a diff around one of them would hold the others')."""
        return {
            "handoff_from": self.handoff_from,
            "call_site": self.site,
            "sequence": sequence,
            "call": call,
            "record_state": False,
        }

    def finish(
        self, ctx: Context[Any], outcomes: list[tuple[Any, BaseException | None]]
    ) -> list[Any]:
        """Record what the calls changed together; raise the first failure (a cancellation
        only when nothing else failed), else return the outputs in payload order."""
        changes = ctx.state_changes(self.before)
        if changes:
            trace.get_current_span().add_event(
                sc.EVENT_STATE_CHANGED,
                {sc.TRACEKIT_STATE_CHANGES: changes, sc.TRACEKIT_AGENT_PATH: self.path},
            )
        errors = [error for _, error in outcomes if error is not None]
        first = next((e for e in errors if not isinstance(e, asyncio.CancelledError)), None)
        if first is not None or errors:
            raise first or errors[0]
        return [value for value, _ in outcomes]


async def settle(tasks: list[asyncio.Task[Any]]) -> list[tuple[Any, BaseException | None]]:
    """Wait for every task: ``(result, None)`` or ``(None, error)`` per task, in order.

    A guardrail stop in one task cancels the others still running; a cancellation of the
    caller cancels all of them. Either way this returns (or raises) only once all have ended,
    so no agent span outlives the call that started it.
    """
    pending = set(tasks)
    try:
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
            stop = next(
                (
                    t.exception()
                    for t in done
                    if not t.cancelled() and isinstance(t.exception(), WorkflowStopped)
                ),
                None,
            )
            if stop is not None and pending:
                assert isinstance(stop, WorkflowStopped)
                for task in pending:
                    task.cancel(f"cancelled: the run stopped ({stop.reason})")
                await asyncio.wait(pending)
                pending = set()
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks)
        raise
    return [_outcome(task) for task in tasks]


def _answered_at_once(run: RunState, agent: Agent) -> bool:
    """Whether every call of a fan-out of ``agent`` is answered from a recording, its tools
    included: no live model or tool, and no tool of the agent runs its own code again (one
    taking the context, one declared ``replay="live"``). Such calls run one after another on
    the caller's thread; the calls of an agent with such a tool still run in parallel, as in
    a recorded run (the tool's code may wait on something, or on another of the calls)."""
    answers = run.tool_answers
    if answers is None or not answers.in_place:
        return False
    return all(
        tool.replay == "recorded" and tool.context_parameter is None
        for tool in agent.tools.values()
    )


def _outcome(task: asyncio.Task[Any]) -> tuple[Any, BaseException | None]:
    if task.cancelled():
        try:
            task.result()
        except asyncio.CancelledError as exc:
            return None, exc
        return None, asyncio.CancelledError()
    error = task.exception()
    return (None, error) if error is not None else (task.result(), None)
