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
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from tracekit.exceptions import ConfigError, ModelError
from tracekit.models.base import ModelResponse
from tracekit.models.streaming import StreamDelta, StreamItem, UsageUpdate, response_deltas

if TYPE_CHECKING:
    from tracekit.models.base import ModelRequest, Usage
    from tracekit.orchestrator.approval import ApprovalRequest, Approver
    from tracekit.orchestrator.checks import FunctionCheck
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


# Effects are made once and read once (a few a step): not frozen, as a frozen dataclass's
# ``__init__`` sets each field through ``object.__setattr__``, four times slower.
@dataclass(slots=True)
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


@dataclass(slots=True)
class ModelStream(Effect):
    """Ask a model client for a streamed answer: each usage update goes to ``on_usage`` (the
    step's budget guard: what it raises stops the stream, thrown into the client's generator
    so its span ends with it), every other delta to ``sink``. Returns the response.

    A client that cannot stream answers whole; its answer is delivered as one delta.
    """

    client: Any
    request: ModelRequest
    tracer_provider: Any
    on_usage: Callable[[Usage], None]
    sink: Callable[[StreamDelta], None]

    def deliver(self, item: StreamDelta) -> None:
        """Hand one delta on (usage to the guard, the rest to the sink)."""
        if isinstance(item, UsageUpdate):
            self.on_usage(item.usage)
        else:
            self.sink(item)

    def run(self) -> Any:
        stream = getattr(self.client, "stream", None)
        if stream is None:
            return self._whole(ModelCall(self.client, self.request, self.tracer_provider).run())
        items: Iterator[StreamItem] = stream(self.request, self.tracer_provider)
        try:
            for item in items:
                if isinstance(item, ModelResponse):
                    return item
                try:
                    self.deliver(item)
                except BaseException as exc:
                    throw = getattr(items, "throw", None)
                    if throw is not None:
                        throw(exc)  # the client ends its span with the error, and re-raises
                    raise
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()
        raise ModelError(f"{type(self.client).__name__}: the stream ended without a response")

    async def arun(self) -> Any:
        astream = getattr(self.client, "astream", None)
        if astream is None:
            if getattr(self.client, "stream", None) is not None:
                return await asyncio.to_thread(self.run)  # the sink is thread-safe
            return self._whole(
                await ModelCall(self.client, self.request, self.tracer_provider).arun()
            )
        items: AsyncIterator[StreamItem] = astream(self.request, self.tracer_provider)
        try:
            async for item in items:
                if isinstance(item, ModelResponse):
                    return item
                try:
                    self.deliver(item)
                except BaseException as exc:
                    athrow = getattr(items, "athrow", None)
                    if athrow is not None:
                        await athrow(exc)
                    raise
        finally:
            aclose = getattr(items, "aclose", None)
            if aclose is not None:
                await aclose()
        raise ModelError(f"{type(self.client).__name__}: the stream ended without a response")

    def _whole(self, response: Any) -> Any:
        for item in response_deltas(response):
            self.deliver(item)
        return response


@dataclass(slots=True)
class CheckInvoke(Effect):
    """Run a check function on an agent's output (an ``async def`` one is awaited, a sync
    one runs in a worker thread in async runs, as tools do)."""

    check: FunctionCheck
    output: Any
    context: Any

    def run(self) -> Any:
        value = self.check.fn(*self.check.arguments(self.output, self.context))
        if inspect.isawaitable(value):
            value = run_awaitable(value, f"check {self.check.name!r}")
        return value

    async def arun(self) -> Any:
        arguments = self.check.arguments(self.output, self.context)
        if inspect.iscoroutinefunction(self.check.fn):
            return await self.check.fn(*arguments)
        value = await asyncio.to_thread(self.check.fn, *arguments)
        if inspect.isawaitable(value):
            value = await value
        return value


def threadsafe(
    put: Callable[[Any], None], loop: asyncio.AbstractEventLoop
) -> Callable[[Any], None]:
    """``put`` callable from any thread: direct on ``loop``'s own, scheduled from others (in
    order: a worker thread's calls land before the result it hands back)."""
    home = threading.get_ident()

    def call(item: Any) -> None:
        if threading.get_ident() == home:
            put(item)
        else:
            loop.call_soon_threadsafe(put, item)

    return call


@dataclass(slots=True)
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


@dataclass(slots=True)
class ToolInvoke(Effect):
    """Run a tool's function (an ``async def`` tool is awaited, a sync one runs in a thread)."""

    tool: Tool
    arguments: dict[str, Any]
    context: Any

    def run(self) -> Any:
        return self.tool.invoke(self.arguments, self.context)

    async def arun(self) -> Any:
        return await self.tool.ainvoke(self.arguments, self.context)


@dataclass(slots=True)
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


@dataclass(slots=True)
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


@dataclass(slots=True)
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
