"""``ctx.stream(agent, payload)``: one agent call whose events arrive as the model produces them.

Iterate it (``for``) in sync code or ``async for`` it in async code; either way it yields
:class:`~tracekit.models.TextDelta` and :class:`~tracekit.models.ToolCallEvent` as the model
streams them, :class:`CheckEvent` when a check on the output fails (a retry's deltas follow),
and last :class:`FinalOutput` with the validated output. Every guardrail holds mid-stream:
token budgets and cost limits are checked as usage arrives, and a stream over budget is
stopped — the iteration raises the limit's error, so the run ends ``stopped`` with the reason.

The call runs in a worker thread (sync) or an asyncio task (async) that feeds a queue, so its
spans stay current there and never leak into the code iterating; its keys are reserved when
``stream`` is called, like any call's.
"""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tracekit.models.scripted import FINAL_RESULT_TOOL
from tracekit.models.streaming import ToolCallEvent
from tracekit.orchestrator.effects import threadsafe
from tracekit.orchestrator.stream_events import FinalOutput, StreamEvent

if TYPE_CHECKING:
    from tracekit.orchestrator.agent import Agent
    from tracekit.orchestrator.context import Context


@dataclass(frozen=True, slots=True)
class _Failed:
    error: BaseException


def _shown(event: Any) -> bool:
    # The structured answer arrives as the final output, not as a tool call.
    return not (isinstance(event, ToolCallEvent) and event.call.name == FINAL_RESULT_TOOL)


class AgentStream:
    """The events of one streamed agent call; iterate it once (``for`` or ``async for``).

    ``output`` is the validated output once :class:`FinalOutput` has been yielded.
    """

    def __init__(self, ctx: Context[Any], agent: Agent, payload: Any, call_site: str) -> None:
        from tracekit.orchestrator.runner import agent_path_of

        self._ctx = ctx
        self._agent = agent
        self._payload = payload
        run = ctx.run
        path = agent_path_of(ctx, agent)
        self._options: dict[str, Any] = {
            "handoff_from": ctx.agent.name if ctx.agent else run.workflow,
            "call_site": call_site,
            # Reserved now, in the caller's order, whatever the worker's timing.
            "sequence": run.next_sequence(path),
            "call": run.reserve_call(ctx.call_key, agent.name),
        }
        self._started = False
        self.output: Any = None

    def _start(self) -> None:
        if self._started:
            raise RuntimeError("a stream is iterated once")
        self._started = True

    def __iter__(self) -> Iterator[StreamEvent]:
        from tracekit.orchestrator.runner import run_agent

        self._start()
        events: queue.SimpleQueue[Any] = queue.SimpleQueue()
        closed = threading.Event()

        def sink(event: Any) -> None:
            if closed.is_set():  # nobody reads any more: end the call like a cancelled one
                raise asyncio.CancelledError("the stream's reader stopped reading")
            if _shown(event):
                events.put(event)

        def produce() -> None:
            try:
                output = run_agent(
                    self._ctx, self._agent, self._payload, sink=sink, **self._options
                )
                events.put(FinalOutput(output))
            except BaseException as exc:  # handed to the reader, who raises it
                events.put(_Failed(exc))

        worker = threading.Thread(
            target=contextvars.copy_context().run,
            args=(produce,),
            name="tracekit-stream",
            daemon=True,
        )
        worker.start()
        try:
            while True:
                event = events.get()
                if isinstance(event, _Failed):
                    raise event.error
                if isinstance(event, FinalOutput):
                    self.output = event.output
                yield event
                if isinstance(event, FinalOutput):
                    return
        finally:
            closed.set()
            worker.join()

    def __aiter__(self) -> AsyncIterator[StreamEvent]:
        return self._aevents()

    async def _aevents(self) -> AsyncIterator[StreamEvent]:
        from tracekit.orchestrator.runner import arun_agent

        self._start()
        events: asyncio.Queue[Any] = asyncio.Queue()
        put = threadsafe(events.put_nowait, asyncio.get_running_loop())

        def sink(event: Any) -> None:
            if _shown(event):
                put(event)

        async def produce() -> None:
            self._ctx.run.track_task()
            try:
                output = await arun_agent(
                    self._ctx, self._agent, self._payload, sink=sink, **self._options
                )
                put(FinalOutput(output))
            except BaseException as exc:
                put(_Failed(exc))

        # create_task copies this context: the call's spans nest under the current span.
        worker = asyncio.create_task(produce())
        try:
            while True:
                event = await events.get()
                if isinstance(event, _Failed):
                    raise event.error
                if isinstance(event, FinalOutput):
                    self.output = event.output
                yield event
                if isinstance(event, FinalOutput):
                    return
        finally:
            if not worker.done():
                worker.cancel("the stream's reader stopped reading")
            await asyncio.wait([worker])
