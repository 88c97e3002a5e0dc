"""Answers a fork's calls: from the recording before the fork point, live from it on.

Every model or tool call is keyed structurally, as replay keys it (its agent call's key, then
its index among that call's model or tool calls), and the key's position in the recorded
trajectory says which side of the fork point it is on:

- before the fork point, the recorded answer, always: the prefix makes no model or tool traffic;
- at the fork point, and in the forked step's own calls, the live models (with the overrides)
  and the real tools;
- after it, a call outside the forked step (another fan-out item, say) is answered from the
  recording while its request is still the recorded one, overrides applied: what did not see
  the fork's change is not re-asked. Once an agent call has gone live, its tools run for real,
  unless ``recorded_tools`` (then a tool call with the recorded name and arguments is answered
  from the recording).

Calls answered from the recording carry ``tracekit.fork.recorded`` on their span.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from typing import Any, cast

from opentelemetry import trace

from replay.canonical import canonical_messages, normalize
from replay.overrides import ForkOverrides
from replay.player import REPLAY_SCOPE, RecordedAnswers, recorded_response, recorded_result
from replay.trajectory import Step, Trajectory
from tracekit import semconv as sc
from tracekit.exceptions import ForkError, ModelError, TransientModelError
from tracekit.models.base import AsyncModelClient, ModelClient, ModelRequest, ModelResponse
from tracekit.models.llm_span import chat_span, request_attributes, set_response_attributes
from tracekit.models.messages import ToolCallPart
from tracekit.models.routing import ModelRouter
from tracekit.orchestrator.tool_answers import RecordedToolCall
from tracekit.otlp.values import parse_json
from tracekit.telemetry import current_agent_path, current_call_key, tracer_for


def request_fields(request: ModelRequest, provider: str) -> dict[str, Any]:
    """The fields of a model request as a recorded trajectory step holds them (what replay
    compares), read from the attributes its LLM span would carry."""
    attrs = request_attributes(request, provider)
    fields: dict[str, Any] = {
        "model": attrs.get(sc.GEN_AI_REQUEST_MODEL),
        "system": normalize(parse_json(attrs.get(sc.GEN_AI_SYSTEM_INSTRUCTIONS))),
        "messages": canonical_messages(parse_json(attrs.get(sc.GEN_AI_INPUT_MESSAGES))),
        "max_tokens": attrs.get(sc.GEN_AI_REQUEST_MAX_TOKENS),
        "temperature": attrs.get(sc.GEN_AI_REQUEST_TEMPERATURE),
    }
    if sc.GEN_AI_TOOL_DEFINITIONS in attrs:
        fields["tools"] = normalize(parse_json(attrs[sc.GEN_AI_TOOL_DEFINITIONS]))
    return fields


def _same_request(recorded: Step, fields: dict[str, Any]) -> bool:
    # Only the fields the recording has (a source that did not record tools is not compared).
    return all(normalize(fields.get(k)) == v for k, v in recorded.request.items())


class ForkAnswers(RecordedAnswers):
    """The recorded answers of a parent run, handed out up to ``fork_position``; live after.

    Also the fork's model client (:attr:`model`); ``live`` is the router that answers live
    calls. Counts what it answered: :attr:`recorded_calls`, :attr:`live_calls` and
    :attr:`prefix_live_calls` (live calls before the fork point: always 0, by construction).
    """

    def __init__(
        self,
        trajectory: Trajectory,
        *,
        fork_position: int,
        live: ModelRouter,
        overrides: ForkOverrides,
        recorded_tools: bool = False,
    ) -> None:
        super().__init__(trajectory, mode="strict")
        self.fork_position = fork_position
        self.fork_key = trajectory.steps[fork_position].key if trajectory.steps else ""
        self.live = live
        self.overrides = overrides
        self.recorded_tools = recorded_tools
        self._positions = {s.key: i for i, s in enumerate(trajectory.steps)}
        self._live_calls_of: set[str] = set()
        self._count_lock = threading.Lock()
        self.recorded_calls = 0
        self.live_calls = 0
        self.prefix_live_calls = 0
        self.went_live = threading.Event()
        """Set at the first live call: until then the run is the parent's prefix."""

    @property
    def model(self) -> ForkModel:  # type: ignore[override]
        """The fork's model client (a new one each time: see RecordedAnswers.model)."""
        return ForkModel(self)

    # --- which side of the fork point ---------------------------------------------------------

    def in_prefix(self, key: str) -> bool:
        """Whether the call keyed ``key`` comes before the fork point in the recording."""
        position = self._positions.get(key)
        return position is not None and position < self.fork_position

    def in_forked_step(self, key: str) -> bool:
        """Whether ``key`` is the forked step or one of its calls."""
        fork = self.fork_key
        return key == fork or key.startswith(fork + "/")

    def _agent_went_live(self, call_key: str) -> bool:
        with self._count_lock:
            return any(
                call_key == live or call_key.startswith(live + "/") for live in self._live_calls_of
            )

    def _count(self, *, recorded: bool, key: str) -> None:
        with self._count_lock:
            if recorded:
                self.recorded_calls += 1
                return
            self.live_calls += 1
            if self.in_prefix(key):
                self.prefix_live_calls += 1
            self._live_calls_of.add(key.rsplit("/", 1)[0])
        self.went_live.set()

    # --- tools ------------------------------------------------------------------------------

    def answer(self, invocation: str, call: ToolCallPart) -> RecordedToolCall | None:
        """The recorded outcome in the prefix (and outside what the fork changed), else None:
        the tool runs for real."""
        key, step = self._take("tool", call.name)
        recorded = self._recorded_tool(key, step, call)
        if recorded is None:
            self._count(recorded=False, key=key)
            return None
        self._count(recorded=True, key=key)
        # Called inside the tool's span: the span says its answer is the recording's.
        trace.get_current_span().set_attribute(sc.TRACEKIT_FORK_RECORDED, True)
        return recorded

    def _recorded_tool(
        self, key: str, step: Step | None, call: ToolCallPart
    ) -> RecordedToolCall | None:
        if step is None:
            return None
        if not self.in_prefix(key):
            call_key = key.rsplit("/", 1)[0]
            independent = not self.in_forked_step(key) and not self._agent_went_live(call_key)
            if not (independent or self.recorded_tools):
                return None
            if normalize(call.arguments) != step.request.get("arguments"):
                return None
        answer = step.answer
        if step.status == "ERROR" and not answer["has_result"]:
            return RecordedToolCall(
                step.name, error=answer["error"] or "failed", approved=answer["approved"]
            )
        return RecordedToolCall(
            step.name,
            result=recorded_result(step),
            approved=answer["approved"],
            runs_code=bool(answer["runs_code"]),
        )

    def cache_hit(self) -> bool:
        """The recorded cache decision in the prefix; a live call never hits the cache."""
        invocation = self._invocation()
        with self._lock:
            counter = f"{invocation}/llm"
            key = f"{counter}[{self._counters[counter]}]"
            step = self._steps.get(key)
        return step is not None and self.in_prefix(key) and bool(step.answer.get("cache_hit"))

    # --- models -----------------------------------------------------------------------------

    def decide(self, request: ModelRequest) -> tuple[str, Step | None, ModelRequest]:
        """The call's key, its recorded step if it is answered from the recording, and the
        request as sent (overrides applied after the fork point)."""
        key, step = self._take("llm", request.model)
        if step is not None and self.in_prefix(key):
            return key, step, request
        agent = (current_agent_path.get() or "").rsplit("/", 1)[-1]
        sent = self.overrides.apply(agent, request)
        if (
            step is not None
            and not self.in_forked_step(key)
            and not self._agent_went_live(current_call_key.get())
            and _same_request(step, request_fields(sent, ""))
        ):
            return key, step, sent
        return key, None, sent


class ForkModel:
    """The fork's model client: recorded answers in the prefix, the live router after."""

    def __init__(self, answers: ForkAnswers) -> None:
        self._answers = answers
        self.provider = "tracekit.fork"

    def complete(self, request: ModelRequest, tracer_provider: Any) -> ModelResponse:
        """Answer from the recording or from the live models (see :class:`ForkAnswers`)."""
        key, step, sent = self._answers.decide(request)
        if step is None:
            self._answers._count(recorded=False, key=key)
            client = self._answers.live.client_for(sent.model)
            if not hasattr(client, "complete"):
                raise ForkError(f"the live model for {sent.model} is async only: fork with arun")
            return cast("ModelClient", client).complete(sent, tracer_provider)
        return self._recorded(key, step, sent, tracer_provider)

    async def acomplete(self, request: ModelRequest, tracer_provider: Any) -> ModelResponse:
        """:meth:`complete` for async runs: live calls are awaited (a sync-only live client
        runs in a worker thread); recorded answers never wait."""
        key, step, sent = self._answers.decide(request)
        if step is None:
            self._answers._count(recorded=False, key=key)
            client = self._answers.live.client_for(sent.model)
            if hasattr(client, "acomplete"):
                return await cast("AsyncModelClient", client).acomplete(sent, tracer_provider)
            return await asyncio.to_thread(
                contextvars.copy_context().run, client.complete, sent, tracer_provider
            )
        return self._recorded(key, step, sent, tracer_provider)

    def _recorded(
        self, key: Any, step: Any, sent: ModelRequest, tracer_provider: Any
    ) -> ModelResponse:
        answers = self._answers
        answers._count(recorded=True, key=key)
        tracer = tracer_for(tracer_provider, REPLAY_SCOPE)
        provider = str(step.answer.get("provider") or self.provider)
        with chat_span(tracer, sent, provider) as span:
            span.set_attribute(sc.TRACEKIT_FORK_RECORDED, True)
            answer = step.answer
            if answer["error"] is not None:
                error_type = str(answer.get("error_type") or "")
                if error_type.endswith("TransientModelError"):
                    raise TransientModelError(answer["error"])
                raise ModelError(answer["error"])
            response = recorded_response(step, sent.model)
            set_response_attributes(span, response)
            return response
