"""The run's logic written once, driven two ways: in the calling thread, or awaited.

The decision logic of a run (limits, loop detection, depth, retries, breakers, fallbacks,
approvals, recording) lives in generators — *steps* — that yield what they need done (a model
call, a back-off sleep, a tool call, an approval, the entrypoint) and get the answer, or the
exception, sent back. :func:`drive` does each effect in the calling thread; :func:`adrive`
awaits it (sync tools, models and entrypoints go to a worker thread). So ``Workflow.run`` and
``Workflow.arun`` share every decision: there is one copy of the logic, and two small drivers.

Spans a step opens stay current while it waits: a generator runs in its driver's context
(a thread, or an asyncio task), and asyncio tasks and worker threads start with a copy of it,
so an async run's trace has the tree of its sync twin.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from tracekit.exceptions import ConfigError

if TYPE_CHECKING:
    from tracekit.models.base import ModelRequest
    from tracekit.orchestrator.approval import ApprovalRequest, Approver
    from tracekit.orchestrator.run_state import RunState
    from tracekit.orchestrator.tools import Tool

T = TypeVar("T")


class Effect:
    """Something a step needs done: :meth:`run` does it here, :meth:`arun` awaits it."""

    __slots__ = ()

    def run(self) -> Any:
        """Do it in the calling thread."""
        raise NotImplementedError

    async def arun(self) -> Any:
        """Do it without blocking the event loop."""
        raise NotImplementedError


#: A step: yields effects, is sent their results, returns ``T``.
Steps = Generator[Effect, Any, T]


def run_awaitable(awaitable: Awaitable[T], what: str) -> T:
    """Finish ``awaitable`` from sync code (an async tool or approver in a sync run).

    A sync run on a thread without an event loop gets a short-lived one; inside a running
    loop that would deadlock, so it is a ConfigError pointing at ``arun``.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:

        async def wait() -> T:
            return await awaitable

        return asyncio.run(wait())
    if inspect.iscoroutine(awaitable):
        awaitable.close()  # never awaited: close it, so Python does not warn
    raise ConfigError(
        f"{what} is async and the run is sync inside a running event loop: "
        "run the workflow with `await workflow.arun(...)`"
    )


@dataclass(frozen=True, slots=True)
class ModelCall(Effect):
    """Ask a model client; the client emits the LLM span."""

    client: Any
    request: ModelRequest
    tracer_provider: Any

    def run(self) -> Any:
        complete = getattr(self.client, "complete", None)
        if complete is None:
            raise ConfigError(
                f"model client {type(self.client).__name__} is async only: run the workflow "
                "with `await workflow.arun(...)`, or route the model to a sync client"
            )
        return complete(self.request, self.tracer_provider)

    async def arun(self) -> Any:
        acomplete = getattr(self.client, "acomplete", None)
        if acomplete is not None:
            return await acomplete(self.request, self.tracer_provider)
        # A sync client must not block the loop; to_thread copies the context (the span).
        return await asyncio.to_thread(self.client.complete, self.request, self.tracer_provider)


@dataclass(frozen=True, slots=True)
class Sleep(Effect):
    """A retry back-off: the run's sleep function (``asyncio.sleep`` in async runs)."""

    sleep: Callable[[float], Any]
    seconds: float

    def run(self) -> Any:
        waited = self.sleep(self.seconds)
        if inspect.isawaitable(waited):
            run_awaitable(waited, "the run's sleep function")

    async def arun(self) -> Any:
        waited = self.sleep(self.seconds)
        if inspect.isawaitable(waited):
            await waited


@dataclass(frozen=True, slots=True)
class ToolInvoke(Effect):
    """Run a tool's function (an ``async def`` tool is awaited, a sync one runs in a thread)."""

    tool: Tool
    arguments: dict[str, Any]
    context: Any

    def run(self) -> Any:
        return self.tool.invoke(self.arguments, self.context)

    async def arun(self) -> Any:
        return await self.tool.ainvoke(self.arguments, self.context)


@dataclass(frozen=True, slots=True)
class Approve(Effect):
    """Ask the approver (``async def`` approvers are awaited)."""

    approver: Approver
    request: ApprovalRequest

    def run(self) -> bool:
        decision = self.approver(self.request)
        if inspect.isawaitable(decision):
            decision = run_awaitable(decision, "the approver")
        return bool(decision)

    async def arun(self) -> bool:
        from tracekit.orchestrator.approval import is_interactive

        if is_interactive(self.approver) and not inspect.iscoroutinefunction(self.approver):
            # A person answering on the terminal must not freeze the other tasks.
            decision: Any = await asyncio.to_thread(self.approver, self.request)
        else:
            decision = self.approver(self.request)
        if inspect.isawaitable(decision):
            decision = await decision
        return bool(decision)


@dataclass(frozen=True, slots=True)
class Entrypoint(Effect):
    """The workflow's own code: ``fn(ctx, input)``."""

    fn: Callable[..., Any]
    context: Any
    value: Any

    def run(self) -> Any:
        return self.fn(self.context, self.value)

    async def arun(self) -> Any:
        if inspect.iscoroutinefunction(self.fn):
            return await self.fn(self.context, self.value)
        return await asyncio.to_thread(self.fn, self.context, self.value)


@dataclass(frozen=True, slots=True)
class CancelInFlight(Effect):
    """End the run's agent calls still running in other tasks (a stop, an error, a cancel),
    and wait for them, so every span has ended before the workflow span does."""

    state: RunState
    reason: str

    def run(self) -> Any:
        return None  # threads cannot be cancelled: a sync fan-out's calls finish by themselves

    async def arun(self) -> Any:
        await self.state.cancel_in_flight(self.reason)


def drive(steps: Steps[T]) -> T:
    """Run ``steps`` to the end, doing each effect in this thread."""
    reply: Any = None
    failure: BaseException | None = None
    while True:
        try:
            effect = steps.send(reply) if failure is None else steps.throw(failure)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        failure = None
        try:
            reply = effect.run()
        except BaseException as exc:  # sent into the step, which decides (and re-raises)
            reply, failure = None, exc


async def adrive(steps: Steps[T]) -> T:
    """Run ``steps`` to the end, awaiting each effect (cancellation goes into the step too)."""
    reply: Any = None
    failure: BaseException | None = None
    while True:
        try:
            effect = steps.send(reply) if failure is None else steps.throw(failure)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        failure = None
        try:
            reply = await effect.arun()
        except BaseException as exc:  # CancelledError included: the step records it
            reply, failure = None, exc
