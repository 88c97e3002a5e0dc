"""Runs one agent call: the model ↔ tool loop, with retries, cache, approval and fallback.

Span layout: ``invoke_agent {name}`` (INTERNAL) holds one LLM span per model call (the Anthropic
SDK's own, or the scripted model's ``chat {model}``) and one ``execute_tool {tool}`` per tool
call. A fallback runs as a sibling ``invoke_agent`` handed off from the failed agent; a
:func:`~tracekit.orchestrator.checks.reflect` checkpoint's critic as a nested one, handed off
from the agent it checks. A failed check is a ``tracekit.check`` event on the agent span.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from pydantic import BaseModel

from tracekit import semconv as sc
from tracekit.exceptions import (
    CheckFailedError,
    CircuitOpen,
    ModelError,
    OutputValidationError,
    ToolError,
    TransientModelError,
    WorkflowStopped,
)
from tracekit.models.base import ModelRequest, ModelResponse, Usage
from tracekit.models.llm_span import chat_span, set_response_attributes
from tracekit.models.messages import ChatMessage, ToolCallPart, ToolCallResponsePart
from tracekit.models.scripted import FINAL_RESULT_TOOL
from tracekit.models.streaming import StreamDelta, response_deltas
from tracekit.orchestrator.approval import ApprovalRequest, is_interactive, policy_name
from tracekit.orchestrator.checks import Check, Reflect, feedback, verdict
from tracekit.orchestrator.effects import (
    Approve,
    CheckInvoke,
    ModelCall,
    ModelStream,
    Sleep,
    Steps,
    ToolInvoke,
    adrive,
    drive,
)
from tracekit.orchestrator.limits import BreakerState
from tracekit.orchestrator.overrides import instructions_for, model_for
from tracekit.orchestrator.run_state import canonical_json
from tracekit.orchestrator.stream_events import CheckEvent
from tracekit.orchestrator.tool_answers import RecordedToolCall
from tracekit.telemetry import CurrentSpan, agent_scope, error_type, tracer_for

if TYPE_CHECKING:
    # For typing only: agent → tools → context → runner would be a cycle at run time.
    from tracekit.orchestrator.agent import Agent
    from tracekit.orchestrator.context import Context

CACHE_SCOPE = "tracekit.cache"

#: Failures that send an agent to its fallback (a failed check: when its action says so).
RECOVERABLE = (ModelError, ToolError, OutputValidationError, CheckFailedError, CircuitOpen)

#: Where a streamed call's deltas go (None: the call is not streamed).
Sink = Callable[[StreamDelta], None] | None


# ``json.dumps(value, default=str)`` builds an encoder on every call; this one is built once
# (the encoder keeps no state between calls) and writes the same text.
_PAYLOAD = json.JSONEncoder(default=str)


def payload_json(value: Any) -> str:
    """JSON of an agent input or output (pydantic models dumped in JSON mode)."""
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    if isinstance(value, list) and all(isinstance(v, BaseModel) for v in value):
        return "[" + ",".join(v.model_dump_json() for v in value) + "]"
    return _PAYLOAD.encode(value)


def _render_input(value: Any) -> str:
    return value if isinstance(value, str) else payload_json(value)


def mark_error(span: Span, exc: BaseException) -> None:
    """Span status ERROR with ``error.type``."""
    span.set_status(Status(StatusCode.ERROR, str(exc)))
    span.set_attribute(sc.ERROR_TYPE, error_type(exc))


def agent_path_of(ctx: Context[Any], agent: Agent) -> str:
    """Where ``agent`` sits when called from ``ctx``: ``parent/agent`` or ``agent``."""
    return f"{ctx.agent_path}/{agent.name}" if ctx.agent_path else agent.name


def run_agent(ctx: Context[Any], agent: Agent, payload: Any, **options: Any) -> Any:
    """Run one agent call in this thread (see :func:`agent_call`)."""
    return drive(agent_call(ctx, agent, payload, **options))


async def arun_agent(ctx: Context[Any], agent: Agent, payload: Any, **options: Any) -> Any:
    """Run one agent call in this task (see :func:`agent_call`)."""
    return await adrive(agent_call(ctx, agent, payload, **options))


def agent_call(
    ctx: Context[Any],
    agent: Agent,
    payload: Any,
    *,
    handoff_from: str,
    call_site: str,
    sequence: int | None = None,
    call: tuple[str, int] | None = None,
    record_state: bool = True,
    sink: Sink = None,
    reflection: bool = False,
) -> Steps[Any]:
    """Run ``agent`` on ``payload`` under a new ``invoke_agent`` span; fall back on failure.

    ``sequence`` is the call's number among this agent's calls (reserved up front by a
    fan-out, so it follows the payload order, not thread timing). ``call`` is the call's
    structural key and order (reserved up front by a fan-out; a fallback's hangs under the
    call that failed). ``record_state=False``
    leaves state changes to the caller: in a fan-out, siblings share the state, so a diff
    taken around one of them would include the others' writes. ``sink`` streams the call's
    model answers (``ctx.stream``); ``reflection`` marks a critic checking its parent's
    output, which is no deeper nesting (agents do not spawn it: the orchestrator does).
    """
    state = ctx.run
    path = agent_path_of(ctx, agent)
    if sequence is None:
        sequence = state.next_sequence(path)
    call_key, order = call if call is not None else state.reserve_call(ctx.call_key, agent.name)
    model = model_for(agent.name, agent.model, ctx.default_model)
    attributes: dict[str, Any] = {
        sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT,
        sc.GEN_AI_AGENT_NAME: agent.name,
        sc.GEN_AI_AGENT_ID: agent.id,
        sc.GEN_AI_REQUEST_MODEL: model,
        sc.GEN_AI_CONVERSATION_ID: state.conversation_id,
        sc.TRACEKIT_AGENT_PATH: path,
        sc.TRACEKIT_AGENT_SEQUENCE: sequence,
        sc.TRACEKIT_CALL_KEY: call_key,
        sc.TRACEKIT_CALL_ORDER: order,
        sc.TRACEKIT_CALL_SITE: call_site,
        sc.TRACEKIT_HANDOFF_FROM: handoff_from,
        sc.TRACEKIT_HANDOFF_TO: agent.name,
        sc.TRACEKIT_AGENT_INPUT: payload_json(payload),
        sc.OPENINFERENCE_SPAN_KIND: sc.OI_AGENT,
    }
    # The same payload under OpenInference's names, so Arize Phoenix fills its Input panel;
    # content like ours, so export leaves it out unless asked for.
    attributes[sc.INPUT_VALUE] = attributes[sc.TRACEKIT_AGENT_INPUT]
    attributes[sc.INPUT_MIME_TYPE] = sc.MIME_JSON
    if agent.description:
        attributes[sc.GEN_AI_AGENT_DESCRIPTION] = agent.description
    failure: BaseException | None = None
    # A replay never reads or moves the agent's breaker: that state outlives runs.
    replaying = state.tool_answers
    with CurrentSpan(
        state.tracer,
        sc.agent_span_name(agent.name),
        kind=SpanKind.INTERNAL,
        attributes=attributes,
    ) as span:
        # Beside siblings, a diff around this call would hold their writes (timing): the
        # fan-out records the state changes as a whole.
        record_state = record_state and not ctx.in_fan_out
        before = ctx.state_snapshot() if record_state else None
        try:
            state.check_depth(span, path.count("/") + (0 if reflection else 1))
            if ctx.invocation:
                # An agent handing off (through a tool) can loop; the entrypoint is the
                # user's own code, where repeating a call is a decision, not a loop.
                state.check_action(
                    span,
                    ctx.invocation,
                    f"handoff:{agent.name}",
                    attributes[sc.TRACEKIT_AGENT_INPUT],
                )
            breaker = _enter_breaker(ctx, agent, call_key, f"{path}#{sequence}")
            span.set_attribute(sc.TRACEKIT_CIRCUIT_STATE, breaker)
            if breaker == "open":
                failures = agent.circuit_breaker.consecutive_failures
                reason = f"{failures} failures" if replaying is None else "open when recorded"
                span.add_event(sc.EVENT_CIRCUIT_OPEN, {sc.EVENT_REASON: reason})
                raise CircuitOpen(f"circuit breaker open for agent {agent.name!r}")
            child = ctx.child(path, agent, sequence, call_key)
            child.in_fan_out = child.in_fan_out or not record_state
            with agent_scope(path, child.invocation, call_key):
                output = yield from _agent_loop(child, agent, model, payload, span, sink)
            if replaying is None:
                agent.circuit_breaker.record_success()
            output_json = payload_json(output)
            span.set_attributes(
                {
                    sc.TRACEKIT_AGENT_OUTPUT: output_json,
                    sc.OUTPUT_VALUE: output_json,
                    sc.OUTPUT_MIME_TYPE: sc.MIME_JSON,
                }
            )
            state.record_completion(path, output)
            return output
        except RECOVERABLE as exc:  # CircuitOpen first: it is a WorkflowStopped, but recoverable
            mark_error(span, exc)
            if isinstance(exc, OutputValidationError):
                span.set_attribute(sc.TRACEKIT_VALIDATION_ERROR, exc.details)
            if (
                replaying is None
                and not isinstance(exc, CircuitOpen)
                and agent.circuit_breaker.record_failure()
            ):
                span.add_event(sc.EVENT_CIRCUIT_OPEN, {sc.EVENT_REASON: str(exc)})
            if agent.fallback is None or (
                isinstance(exc, CheckFailedError) and exc.action != "fallback"
            ):
                raise
            span.add_event(
                sc.EVENT_FALLBACK,
                {sc.EVENT_FALLBACK_TO: agent.fallback.name, sc.EVENT_REASON: str(exc)},
            )
            failure = exc
        except (WorkflowStopped, asyncio.CancelledError) as exc:
            # Stopped (or cancelled: a sibling's stop, the caller): no verdict on the agent.
            if replaying is None:
                agent.circuit_breaker.release_trial()
            mark_error(span, exc)
            raise
        finally:
            changes = ctx.state_changes(before)
            if changes:
                span.set_attribute(sc.TRACEKIT_STATE_CHANGES, changes)
    assert agent.fallback is not None and failure is not None
    return (
        yield from agent_call(
            ctx,
            agent.fallback,
            payload,
            handoff_from=agent.name,
            call_site=call_site,
            # Keyed under the call that failed, whenever (and in whichever task) it failed.
            call=(f"{call_key}/fallback:{agent.fallback.name}#0", order),
            record_state=record_state,
            sink=sink,
        )
    )


def _enter_breaker(ctx: Context[Any], agent: Agent, call_key: str, invocation: str) -> BreakerState:
    answers = ctx.run.tool_answers
    if answers is None:
        return agent.circuit_breaker.enter()
    return answers.breaker_state(call_key, invocation) or "closed"


def _agent_loop(
    ctx: Context[Any], agent: Agent, model: str, payload: Any, span: Span, sink: Sink
) -> Steps[Any]:
    state = ctx.run
    messages: list[ChatMessage] = [ChatMessage.user(_render_input(payload))]
    tools = agent.tool_specs()
    turns = 0
    check_retries = 0  # re-asks after a failed check: they do not use up the agent's turns
    while turns < agent.max_turns + check_retries:
        turns += 1
        request = ModelRequest(
            model=model,
            system=agent.system_prompt(instructions_for(agent.name, agent.instructions)) or None,
            messages=messages,
            tools=tools,
            max_tokens=agent.max_tokens,
            temperature=agent.temperature,
        )
        response = yield from _call_model(ctx, agent, request, span, sink)
        messages.append(response.message)
        calls = response.message.tool_calls()
        results: list[ToolCallResponsePart] = []
        final: ToolCallPart | None = None
        if not calls:
            output = agent.parse_output(response.message.text())
        else:
            for call in calls:
                if call.name == FINAL_RESULT_TOOL:
                    final = call
                    break
                results.append((yield from _execute_tool(ctx, agent, call, span)))
            if final is None:
                messages.append(ChatMessage(role="tool", parts=list(results)))
                continue
            output = agent.parse_output(final.arguments)
        if not agent.checks:
            return output
        failed = yield from _run_checks(ctx, agent, payload, output, span)
        if failed is None:
            return output
        name, reason = failed
        action = _check_action(agent, check_retries)
        span.add_event(
            sc.EVENT_CHECK,
            {
                sc.EVENT_CHECK_NAME: name,
                sc.EVENT_REASON: reason,
                sc.EVENT_CHECK_ACTION: action,
                sc.EVENT_CHECK_ATTEMPT: check_retries + 1,
            },
        )
        if sink is not None:
            sink(CheckEvent(name, reason, action))  # type: ignore[arg-type]
        if action != "retry":
            raise CheckFailedError(agent.name, name, reason, action=action)
        check_retries += 1
        told = feedback(name, reason)
        if final is None:
            messages.append(ChatMessage.user(told))
        else:
            # The final_result call needs its result: the check's reason is it.
            results.append(ToolCallResponsePart(id=final.id, response=told))
            messages.append(ChatMessage(role="tool", parts=list(results)))
    raise state.limit_exceeded(
        span, f"max_turns:{agent.name}", agent.max_turns, agent.max_turns + 1
    )


def _check_action(agent: Agent, retries: int) -> str:
    """What a failed check leads to: a retry while any are left, then the fallback (when the
    agent has one and may use it), else the call fails."""
    if agent.on_check_fail == "retry" and retries < agent.max_check_retries:
        return "retry"
    if agent.on_check_fail != "fail" and agent.fallback is not None:
        return "fallback"
    return "fail"


def _run_checks(
    ctx: Context[Any], agent: Agent, payload: Any, output: Any, span: Span
) -> Steps[tuple[str, str] | None]:
    """Run the agent's checks in order (each one a step); the first failure's name and reason."""
    state = ctx.run
    for check in agent.checks:
        state.begin_step(span)
        outcome: Check
        if isinstance(check, Reflect):
            answer = yield from agent_call(
                ctx,
                check.agent,
                check.review(agent.name, payload, output),
                handoff_from=agent.name,
                call_site=check.call_site,
                reflection=True,
            )
            outcome = check.judge(answer)
        else:
            outcome = verdict((yield CheckInvoke(check, output, ctx)), check.name)
        if not outcome.passed:
            return check.name, outcome.reason
    return None


def _call_model(
    ctx: Context[Any], agent: Agent, request: ModelRequest, agent_span: Span, sink: Sink = None
) -> Steps[ModelResponse]:
    state = ctx.run
    client = state.router.client_for(request.model)
    answers = state.tool_answers
    if answers is not None:
        # Replay: what the cache decided is recorded; the process's cache is never touched.
        if answers.cache_hit():
            hit: ModelResponse = yield ModelCall(client, request, state.tracer_provider)
            _deliver_whole(sink, hit)
            return hit
    elif state.cache is not None:
        cached = state.cache.get(request)
        if cached is not None:
            # The answer is the routed provider's, served from the cache (tracekit.cache.hit).
            tracer = tracer_for(state.tracer_provider, CACHE_SCOPE)
            with chat_span(tracer, request, client.provider) as span:
                set_response_attributes(span, cached)
            _deliver_whole(sink, cached)
            return cached
    attempt = 1
    while True:
        state.begin_step(agent_span)
        meter = None if sink is None else UsageMeter(ctx, agent, agent_span, request.model)
        try:
            if meter is None:
                response: ModelResponse = yield ModelCall(client, request, state.tracer_provider)
            else:
                response = yield ModelStream(
                    client,
                    request,
                    state.tracer_provider,
                    meter.report,
                    sink,  # type: ignore[arg-type]
                )
            break
        except TransientModelError as exc:
            if attempt >= agent.retry.max_attempts:
                raise
            delay = agent.retry.delay(attempt, state.rng)
            agent_span.add_event(
                sc.EVENT_RETRY,
                {
                    sc.EVENT_RETRY_ATTEMPT: attempt,
                    sc.EVENT_RETRY_DELAY_S: round(delay, 3),
                    sc.EVENT_REASON: str(exc),
                },
            )
            yield Sleep(state.sleep, delay)
            attempt += 1
    if state.cache is not None and answers is None:
        state.cache.put(request, response)
    if meter is None:
        state.record_usage(
            agent_span, agent.name, agent.token_budget, response.model, response.usage
        )
    else:
        meter.report(response.usage, response.model)  # what the stream did not report yet
    return response


def _deliver_whole(sink: Sink, response: ModelResponse) -> None:
    if sink is not None:
        for item in response_deltas(response)[:-1]:  # the usage is recorded as for any call
            sink(item)


class UsageMeter:
    """Adds a model call's usage to the run as it arrives (cumulative reports: each adds what
    is new), so budgets and cost limits are enforced mid-stream; raises when one is over."""

    __slots__ = ("_agent", "_ctx", "_model", "_reported", "_span")

    def __init__(self, ctx: Context[Any], agent: Agent, span: Span, model: str) -> None:
        self._ctx = ctx
        self._agent = agent
        self._span = span
        self._model = model
        self._reported = Usage()

    def report(self, usage: Usage, model: str | None = None) -> None:
        """The call's usage so far (or in all, with the response's ``model``)."""
        before = self._reported
        self._reported = usage
        new = Usage(
            input_tokens=max(0, usage.input_tokens - before.input_tokens),
            output_tokens=max(0, usage.output_tokens - before.output_tokens),
            cache_read_tokens=max(0, usage.cache_read_tokens - before.cache_read_tokens),
            cache_creation_tokens=max(
                0, usage.cache_creation_tokens - before.cache_creation_tokens
            ),
        )
        if model is not None or new.total or new.cache_read_tokens or new.cache_creation_tokens:
            agent = self._agent
            self._ctx.run.record_usage(
                self._span, agent.name, agent.token_budget, model or self._model, new
            )


def _execute_tool(
    ctx: Context[Any], agent: Agent, call: ToolCallPart, agent_span: Span
) -> Steps[ToolCallResponsePart]:
    state = ctx.run
    tool = agent.tools.get(call.name)
    state.check_action(agent_span, ctx.invocation, f"tool:{call.name}", call.arguments)
    state.begin_step(agent_span)
    attributes: dict[str, Any] = {
        sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL,
        sc.GEN_AI_TOOL_NAME: call.name,
        sc.GEN_AI_TOOL_CALL_ID: call.id,
        sc.GEN_AI_TOOL_TYPE: "function",
        sc.GEN_AI_TOOL_CALL_ARGUMENTS: canonical_json(call.arguments),
        sc.TRACEKIT_AGENT_PATH: ctx.agent_path or "",
        sc.OPENINFERENCE_SPAN_KIND: sc.OI_TOOL,
    }
    if tool is not None and tool.spec.description:
        # With the others, last as before: a set_attribute after the start is one more
        # lock and call into the SDK on every tool step.
        attributes[sc.GEN_AI_TOOL_DESCRIPTION] = tool.spec.description
    with CurrentSpan(
        state.tracer,
        sc.tool_span_name(call.name),
        kind=SpanKind.INTERNAL,
        attributes=attributes,
    ) as span:
        try:
            # Replay answers from the recording (inside the span: an unanswerable call is
            # still a step of the replayed trajectory). A tool taking the run context is the
            # workflow's own code (it hands off, it writes the shared state): it runs again.
            answers = state.tool_answers
            recorded = answers.answer(ctx.invocation, call) if answers is not None else None
            if tool is None:
                raise ToolError(call.name, f"agent {agent.name!r} has no such tool")
            live = answers is not None and (
                tool.replay == "live" or (recorded is not None and recorded.live)
            )
            if recorded is not None and not live:
                # Answered from the recording, but only if the tool would take the call today.
                tool.validate(call.arguments)
            if tool.requires_approval:
                # The approver decides on a copy: what it does to it changes neither the call
                # (what runs is what it approved) nor the model's message, recorded already.
                request = ApprovalRequest(
                    agent=agent.name, tool=call.name, arguments=_snapshot(call.arguments)
                )
                approved, source = yield from _decide(ctx, request, recorded)
                span.add_event(
                    sc.EVENT_APPROVAL,
                    {
                        sc.EVENT_APPROVAL_DECISION: "approved" if approved else "denied",
                        sc.EVENT_APPROVAL_SOURCE: source,
                        sc.EVENT_APPROVAL_POLICY: policy_name(state.approver),
                    },
                )
                if not approved:
                    result: Any = {"error": f"the call to {call.name} was denied by the approver"}
                    span.set_attribute(sc.GEN_AI_TOOL_CALL_RESULT, canonical_json(result))
                    return ToolCallResponsePart(id=call.id, response=result)
            if live:
                span.set_attribute(sc.TRACEKIT_TOOL_LIVE, True)
                result = _snapshot((yield ToolInvoke(tool, _snapshot(call.arguments), ctx)))
            elif recorded is not None and not recorded.runs_code and not tool.context_parameter:
                result = recorded.replay()  # a copy of its own already
            else:
                result = _snapshot((yield ToolInvoke(tool, _snapshot(call.arguments), ctx)))
        except ToolError as exc:
            mark_error(span, exc)
            if tool is None or tool.errors == "raise":
                raise
            result = {"error": str(exc)}
        except (WorkflowStopped, asyncio.CancelledError) as exc:
            # A guardrail fired in an agent this tool called, or the run is being cancelled.
            mark_error(span, exc)
            raise
        if isinstance(result, BaseModel):
            result = result.model_dump(mode="json")
        span.set_attribute(sc.GEN_AI_TOOL_CALL_RESULT, canonical_json(result))
        return ToolCallResponsePart(id=call.id, response=result)


def _snapshot(result: Any) -> Any:
    """A tool's result as the conversation keeps it: its lists and dicts copied, so a tool
    that goes on changing what it returned (its own state) does not change a message sent
    already; the request JSON made of a message once (models.request_json) stays its JSON.
    Anything else is kept as it is.

    A tool call's arguments are handed out the same way (to the tool, to an approver): the
    model's message keeps the call as the model asked for it, as its span records it, and
    its next request (and a replay's, which answers the tool from the recording) says so."""
    cls = result.__class__
    if cls is dict:
        return {key: _snapshot(item) for key, item in result.items()}
    if cls is list:
        return [_snapshot(item) for item in result]
    if cls is tuple:
        return tuple(_snapshot(item) for item in result)
    return result


def _decide(
    ctx: Context[Any], request: ApprovalRequest, recorded: RecordedToolCall | None
) -> Steps[tuple[bool, str]]:
    """The approval decision and who made it (``policy``, ``recording`` or ``replay``).

    A replay asks the workflow's approver policy, so a changed policy shows; an interactive
    approver cannot be asked during a replay, so the recorded decision stands (or, for a gate
    the recording never met, a denial, as an unattended run would get).
    """
    state = ctx.run
    if state.tool_answers is not None and is_interactive(state.approver):
        if recorded is not None and recorded.approved is not None:
            return recorded.approved, "recording"
        return False, "replay"
    approved: bool = yield Approve(state.approver, request)
    return approved, "policy"
