"""Answers a re-run's model calls and tool calls from a recording, by trajectory position.

A call is matched by where it sits — the structural key of its agent call (its place in the
run tree) and its index among that agent call's model or tool calls — never by global order or
thread timing. Each recorded call is consumed once. A call the recording has no answer for
raises :class:`~tracekit.exceptions.UnmatchedCallError`: there is nothing truthful to answer
with. What state outliving a run decided (circuit breakers, the response cache) is answered
from the recording too.
"""

from __future__ import annotations

import copy
import threading
from collections import Counter
from collections.abc import AsyncIterator, Generator, Iterable
from typing import Any

from replay.modes import TrajectoryMode
from replay.trajectory import Step, Trajectory
from tracekit import semconv as sc
from tracekit.exceptions import ModelError, TransientModelError, UnmatchedCallError
from tracekit.models.base import ModelRequest, ModelResponse, Usage
from tracekit.models.llm_span import chat_span, set_response_attributes
from tracekit.models.messages import ChatMessage, TextPart, ToolCallPart
from tracekit.models.streaming import (
    StreamDelta,
    StreamItem,
    deltas_json,
    parse_deltas,
    response_deltas,
)
from tracekit.orchestrator.limits import BreakerState
from tracekit.orchestrator.tool_answers import RecordedToolCall
from tracekit.telemetry import current_call_key, current_invocation, tracer_for

REPLAY_SCOPE = "tracekit.replay"
#: ``live_tools="all"``: every tool runs for real.
ALL_TOOLS = "all"
_BREAKER_STATES: frozenset[str] = frozenset({"closed", "open", "half_open"})


class RecordedAnswers:
    """The recorded model and tool calls of one run, handed out once each, by key.

    Also a :class:`~tracekit.orchestrator.tool_answers.ToolAnswers` (tool calls) and, through
    :attr:`model`, a model client (model calls). ``live_models`` says that model calls are
    answered by a real client instead (re-recording; the run's router decides, and the default
    assumes it); tools are still answered from the recording, except ``live_tools`` (``"all"``
    or tool names): those run for real and their results are compared.
    """

    def __init__(
        self,
        trajectory: Trajectory,
        *,
        mode: TrajectoryMode = "strict",
        live_tools: str | Iterable[str] | None = None,
        live_models: bool = True,
    ) -> None:
        self.mode = mode
        self.structural = trajectory.structural
        self.live_tools: frozenset[str] | None = (
            None
            if live_tools == ALL_TOOLS
            else frozenset([live_tools] if isinstance(live_tools, str) else live_tools or ())
        )
        """Tools to run for real (``None``: all of them)."""
        self.in_place = not live_models and self.live_tools is not None and not self.live_tools
        """Whether every call is answered from the recording (see ToolAnswers)."""
        self._steps = {s.key: s for s in trajectory.steps if s.kind != "agent"}
        self._agents = {s.key: s for s in trajectory.steps if s.kind == "agent"}
        self._consumed: set[str] = set()
        self._counters: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.unmatched: list[str] = []
        """Calls the recording had no answer for, in the order they were made."""

    @property
    def model(self) -> ReplayModel:
        """A model client answering from this recording. It keeps no state of its own, so a
        new one each time: kept here, it would make a reference cycle that holds the steps of
        every replay in memory until the garbage collector gets to them."""
        return ReplayModel(self)

    def _invocation(self) -> str:
        return current_call_key.get() if self.structural else current_invocation.get()

    def _take(self, kind: str, name: str) -> tuple[str, Step | None]:
        invocation = self._invocation()
        with self._lock:
            counter = f"{invocation}/{kind}"
            index = self._counters[counter]
            self._counters[counter] += 1
            key = f"{counter}[{index}]"
            step = self._steps.get(key)
            if step is None or key in self._consumed or (kind == "tool" and step.name != name):
                return key, None
            self._consumed.add(key)
            return key, step

    def _miss(self, key: str, what: str) -> UnmatchedCallError:
        message = f"{what} at {key} has no recorded answer"
        with self._lock:
            self.unmatched.append(message)
        return UnmatchedCallError(message, key=key)

    def unplayed(self) -> list[Step]:
        """Recorded model and tool calls nobody asked for."""
        with self._lock:
            return [s for k, s in self._steps.items() if k not in self._consumed]

    # --- state that outlives a run ------------------------------------------------------------

    def breaker_state(self, call_key: str, invocation: str = "") -> BreakerState | None:
        """What the agent's breaker said at this call when it was recorded."""
        step = self._agents.get(call_key if self.structural else invocation)
        state = step.answer.get("breaker") if step is not None else None
        return state if state in _BREAKER_STATES else None

    def cache_hit(self) -> bool:
        """Whether the next model call of this agent call was answered by the cache."""
        invocation = self._invocation()
        with self._lock:
            counter = f"{invocation}/llm"
            step = self._steps.get(f"{counter}[{self._counters[counter]}]")
        return step is not None and bool(step.answer.get("cache_hit"))

    # --- tools ------------------------------------------------------------------------------

    def answer(self, invocation: str, call: ToolCallPart) -> RecordedToolCall | None:
        """The recorded outcome of this tool call (see ToolAnswers)."""
        key, step = self._take("tool", call.name)
        if step is None:
            if self.mode != "strict":
                return None  # looser modes allow new tool calls: the real tool runs
            raise self._miss(key, f"tool call {call.name!r}")
        answer = step.answer
        live = self.live_tools is None or step.name in self.live_tools
        if step.status == "ERROR" and not answer["has_result"]:
            return RecordedToolCall(
                step.name,
                error=answer["error"] or "failed",
                approved=answer["approved"],
                live=live,
            )
        return RecordedToolCall(
            step.name,
            result=recorded_result(step),
            approved=answer["approved"],
            runs_code=bool(answer["runs_code"]),
            live=live,
        )


class ReplayModel:
    """A model client whose answers are the recorded ones (it emits the same LLM span)."""

    def __init__(self, answers: RecordedAnswers) -> None:
        self._answers = answers
        self.provider = "tracekit.replay"

    async def acomplete(self, request: ModelRequest, tracer_provider: Any) -> ModelResponse:
        """:meth:`complete` for async runs (it never waits: the answer is recorded)."""
        return self.complete(request, tracer_provider)

    def complete(self, request: ModelRequest, tracer_provider: Any) -> ModelResponse:
        """The recorded response of the model call at this position."""
        key, step = self._answers._take("llm", request.model)
        tracer = tracer_for(tracer_provider, REPLAY_SCOPE)
        provider = str(step.answer.get("provider") or self.provider) if step else self.provider
        with chat_span(tracer, request, provider) as span:
            if step is None:
                raise self._answers._miss(key, f"model call ({request.model})")
            _raise_recorded_error(step)
            response = recorded_response(step, request.model)
            set_response_attributes(span, response)
            return response

    def stream(
        self, request: ModelRequest, tracer_provider: Any
    ) -> Generator[StreamItem, None, None]:
        """The recorded model call at this position, streamed: its recorded deltas in the
        recorded order (a call recorded whole is delivered in one piece), then its response
        or its recorded failure."""
        key, step = self._answers._take("llm", request.model)
        tracer = tracer_for(tracer_provider, REPLAY_SCOPE)
        provider = str(step.answer.get("provider") or self.provider) if step else self.provider
        delivered: list[StreamDelta] = []
        with chat_span(tracer, request, provider) as span:
            try:
                if step is None:
                    raise self._answers._miss(key, f"model call ({request.model})")
                recorded = parse_deltas(step.answer.get("deltas"))
                failed = step.answer["error"] is not None
                response = None if failed else recorded_response(step, request.model)
                if not recorded and response is not None:
                    recorded = response_deltas(response)
                for item in recorded:
                    delivered.append(item)
                    yield item
                _raise_recorded_error(step)
                assert response is not None
                set_response_attributes(span, response)
            finally:
                if step is not None:
                    span.set_attribute(sc.TRACEKIT_STREAM_DELTAS, deltas_json(delivered))
        yield response

    async def astream(
        self, request: ModelRequest, tracer_provider: Any
    ) -> AsyncIterator[StreamItem]:
        """:meth:`stream` for async runs (a stop thrown in reaches the span as in a sync run)."""
        items = self.stream(request, tracer_provider)
        try:
            item = next(items)
            while True:
                try:
                    yield item
                except BaseException as exc:
                    item = items.throw(exc)
                    continue
                item = next(items)
        except StopIteration:
            return
        finally:
            items.close()


def _raise_recorded_error(step: Step) -> None:
    answer = step.answer
    if answer["error"] is not None:
        error_type = str(answer.get("error_type") or "")
        if error_type.endswith("TransientModelError"):
            raise TransientModelError(answer["error"])
        raise ModelError(answer["error"])


def recorded_result(step: Step) -> Any:
    """A recorded tool step's result, as a copy of its own: the run may change what it is
    handed (a tool result goes into the conversation, where a live model or a check sees it),
    and the recording must stay as recorded for the report and for the next replay."""
    return json_copy(step.answer["result"])


def json_copy(value: Any) -> Any:
    """A copy of a JSON-shaped value (what a recorded attribute parses to): new dicts and
    lists all the way down; anything else is immutable here, or deep-copied."""
    cls = value.__class__
    if cls is dict:
        return {key: json_copy(item) for key, item in value.items()}
    if cls is list:
        return [json_copy(item) for item in value]
    if cls in _IMMUTABLE:
        return value
    return copy.deepcopy(value)


_IMMUTABLE: frozenset[type] = frozenset({str, int, float, bool, type(None), bytes})


def recorded_response(step: Step, model: str) -> ModelResponse:
    """The model response a recorded LLM step holds (its message a copy of its own: see
    :func:`recorded_result`)."""
    answer = step.answer
    messages = answer.get("output")
    if isinstance(messages, list) and messages:
        # Copied first: pydantic keeps the values of ``Any`` fields (tool-call arguments) as
        # they are. A structural copy of the last message costs half of parsing the
        # attribute's text again (its long-number check included).
        message = ChatMessage.model_validate(json_copy(messages[-1]))
    else:
        message = ChatMessage(role="assistant", parts=[TextPart(content="")])
    finish = answer.get("finish_reasons") or [message.finish_reason or "stop"]
    return ModelResponse(
        id=str(answer.get("response_id") or ""),
        model=str(answer.get("response_model") or model),
        message=message,
        finish_reason=str(finish[0]),
        usage=Usage(
            input_tokens=step.input_tokens,
            output_tokens=step.output_tokens,
            cache_read_tokens=int(answer.get("cache_read_tokens") or 0),
            cache_creation_tokens=int(answer.get("cache_creation_tokens") or 0),
        ),
        cost_usd=step.cost_usd,
        cached=bool(answer.get("cache_hit")),
    )
