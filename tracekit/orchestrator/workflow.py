"""A workflow: a named entrypoint function, its limits and its typed state.

The workflow is code; the orchestrator records everything it does.

>>> from tracekit import Agent, Context, ModelRouter, ScriptedModel, Workflow
>>> from tracekit.telemetry import Telemetry
>>> echo = Agent("echo")
>>> wf = Workflow("hello", models=ModelRouter({}, default=ScriptedModel()))
>>> @wf.entrypoint
... def run(ctx: Context[None], text: str) -> str:
...     return ctx.call(echo, text)
>>> result = wf.run("hi there", telemetry=Telemetry())
>>> result.status, result.output.startswith("Done")
('ok', True)
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import random
import time
from collections.abc import Callable
from typing import Any, Generic, Literal, TypeVar, get_type_hints

from opentelemetry.trace import SpanKind, Status, StatusCode
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from tracekit import semconv as sc
from tracekit import settings
from tracekit.exceptions import ConfigError, WorkflowStopped
from tracekit.models.routing import ModelRouter, ResponseCache
from tracekit.orchestrator.approval import Approver, interactive_approver
from tracekit.orchestrator.context import Context
from tracekit.orchestrator.effects import (
    CancelInFlight,
    Entrypoint,
    Steps,
    adrive,
    drive,
    run_awaitable,
)
from tracekit.orchestrator.limits import Limits
from tracekit.orchestrator.overrides import AgentOverrides, applied
from tracekit.orchestrator.run_state import RunState
from tracekit.orchestrator.runner import mark_error, payload_json
from tracekit.orchestrator.tool_answers import ToolAnswers
from tracekit.telemetry import CurrentSpan, Telemetry, active_prices, default_telemetry

OutputT = TypeVar("OutputT")

RunStatus = Literal["ok", "stopped", "error", "interrupted"]

#: Where :meth:`Workflow.entrypoint` leaves the workflow on the decorated function.
WORKFLOW_ATTRIBUTE = "__tracekit_workflow__"


def workflow_of(entrypoint: Any) -> Workflow | None:
    """The workflow whose entrypoint ``entrypoint`` is, or ``None``."""
    workflow = getattr(entrypoint, WORKFLOW_ATTRIBUTE, None)
    return workflow if isinstance(workflow, Workflow) else None


class RunResult(BaseModel, Generic[OutputT]):
    """What a run returns: the output (None when stopped), why it stopped, and its totals."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    status: RunStatus
    output: OutputT | None = None
    stop_reason: str | None = None
    error: str | None = None
    partial: list[tuple[str, Any]] = []
    trace_id: str
    steps: int
    input_tokens: int
    output_tokens: int
    cost_usd: float
    duration_s: float


@functools.cache
def _claude_router(workflow: str) -> ModelRouter:
    """Claude models through the Anthropic SDK: the router when none is given (one per
    process, so runs share the SDK's connection pool). ConfigError, before anything runs,
    when there is no key for it."""
    if not settings.anthropic_api_key_set():
        raise ConfigError(
            f"workflow {workflow!r} has no models= and ANTHROPIC_API_KEY is not set: set "
            "ANTHROPIC_API_KEY to run on Claude, or pass models=ModelRouter(...) (for example "
            "ScriptedModel() offline)"
        )
    from tracekit.models.anthropic_model import AnthropicModel

    return ModelRouter({"claude-*": AnthropicModel()})


class Workflow:
    """A named workflow. Decorate its entrypoint with :meth:`entrypoint`, then :meth:`run` it.

    ``state`` is a pydantic model class for the run's shared state (a fresh instance per run
    unless one is passed to ``run``). ``default_model`` is what agents without a model use.
    """

    def __init__(
        self,
        name: str,
        *,
        limits: Limits | None = None,
        state: type[BaseModel] | None = None,
        default_model: str = "claude-haiku-4-5",
        models: ModelRouter | None = None,
        approver: Approver | None = None,
        cache: ResponseCache | None = None,
    ) -> None:
        self.name = name
        self.limits = limits or Limits()
        self.state_type = state
        self.default_model = default_model
        self.models = models
        self.approver = approver or interactive_approver
        self.cache = cache
        self._entrypoint: Callable[..., Any] | None = None
        self._entrypoint_is_async = False
        self._input_adapter: TypeAdapter[Any] | None = None

    def entrypoint(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Register ``fn(ctx, input)`` as the workflow's code; its input annotation is enforced."""
        params = list(inspect.signature(fn).parameters)
        if len(params) != 2:
            raise ConfigError(f"entrypoint {fn.__qualname__}: takes (ctx, input), got {params}")
        hints = get_type_hints(fn)
        self._input_adapter = TypeAdapter(hints.get(params[1], Any))
        self._entrypoint = fn
        # Asked on every run: inspect's answer is a few Python calls.
        self._entrypoint_is_async = inspect.iscoroutinefunction(fn)
        # Replay imports the entrypoint by its recorded path and needs the workflow back.
        setattr(fn, WORKFLOW_ATTRIBUTE, self)
        return fn

    @property
    def entrypoint_path(self) -> str:
        """``module:qualname`` of the entrypoint, recorded so a replay can import it."""
        if self._entrypoint is None:
            raise ConfigError(f"workflow {self.name!r} has no entrypoint")
        return f"{self._entrypoint.__module__}:{self._entrypoint.__qualname__}"

    @property
    def is_async(self) -> bool:
        """Whether the entrypoint is an ``async def`` (run it with :meth:`arun`)."""
        return self._entrypoint_is_async

    def run(
        self,
        input: Any,
        *,
        telemetry: Telemetry | None = None,
        models: ModelRouter | None = None,
        approver: Approver | None = None,
        state: BaseModel | None = None,
        sleep: Callable[[float], None] = time.sleep,
        raise_errors: bool = True,
        conversation_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        tool_answers: ToolAnswers | None = None,
        seed: int | None = None,
        limits: Limits | None = None,
        overrides: AgentOverrides | None = None,
        session_id: str | None = None,
    ) -> RunResult[Any]:
        """Run the workflow on ``input`` and record it.

        Returns the result; a guardrail stop returns ``status="stopped"`` with the partial
        outputs and the reason. Any other failure is recorded on the spans and raised, or,
        with ``raise_errors=False``, returned as ``status="error"`` with the message.

        Replay passes the recorded ``conversation_id``, a frozen ``clock`` (read for the
        wall-clock limit), ``tool_answers`` (tool calls answered from the recording) and the
        recorded ``seed``. ``limits`` replaces the workflow's own for this run (an eval
        case's tighter budget); ``overrides`` gives agents other models or instructions (a
        candidate: see :mod:`tracekit.orchestrator.overrides`).

        ``session_id`` groups this run with the other runs of one user session (the turns of
        a chat): it is recorded as ``session.id`` on the run's span and, unless
        ``conversation_id`` is given, is the run's ``gen_ai.conversation.id`` too, so
        ``tracekit sessions`` and backends that group by either see one session.

        Each run seeds Python's global ``random`` with ``seed`` (a fresh one when not given;
        it is recorded as ``tracekit.run.seed``) and puts the generator's state back when it
        returns, so values drawn in the run can be drawn again by a replay. Runs in parallel
        threads of one process share that generator: their draws are not reproducible. The
        spans' ids draw nothing from it when they come from a :class:`Telemetry` (or any
        provider given ``id_generator=tracekit.telemetry.RandomIds()``); the OTel SDK's own
        default ids do, which makes the draws after the first span differ in a replay.

        An ``async def`` entrypoint runs on a fresh event loop here; inside a running loop,
        ``await`` :meth:`arun` instead.
        """
        options: dict[str, Any] = {
            "telemetry": telemetry,
            "models": models,
            "approver": approver,
            "state": state,
            "sleep": sleep,
            "raise_errors": raise_errors,
            "conversation_id": conversation_id,
            "clock": clock,
            "tool_answers": tool_answers,
            "seed": seed,
            "limits": limits,
            "overrides": overrides,
            "session_id": session_id,
        }
        if self.is_async:
            return run_awaitable(self.arun(input, **options), f"workflow {self.name!r}")
        return drive(self._steps(input, **options))

    async def arun(
        self,
        input: Any,
        *,
        telemetry: Telemetry | None = None,
        models: ModelRouter | None = None,
        approver: Approver | None = None,
        state: BaseModel | None = None,
        sleep: Callable[[float], Any] = asyncio.sleep,
        raise_errors: bool = True,
        conversation_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        tool_answers: ToolAnswers | None = None,
        seed: int | None = None,
        limits: Limits | None = None,
        overrides: AgentOverrides | None = None,
        session_id: str | None = None,
    ) -> RunResult[Any]:
        """``await`` form of :meth:`run`, with the same guardrails, spans and result.

        The entrypoint may be an ``async def`` (its ``ctx.acall``/``ctx.amap`` run on this
        loop) or a sync function (it runs in a worker thread). ``sleep`` (retry back-off) may
        be sync or async. A guardrail stop cancels the run's agent calls still in flight and
        returns ``status="stopped"``. A cancellation from outside (``task.cancel()``, a
        timeout) ends the run as ``interrupted``: its spans are ended and written, with the
        outputs of the agents that finished, and the ``CancelledError`` propagates — or,
        with ``raise_errors=False``, is consumed and the result returned with
        ``status="interrupted"`` and ``partial`` (for a caller that owns the cancellation,
        such as a timeout around one run).
        """
        steps = self._steps(
            input,
            telemetry=telemetry,
            models=models,
            approver=approver,
            state=state,
            sleep=sleep,
            raise_errors=raise_errors,
            conversation_id=conversation_id,
            clock=clock,
            tool_answers=tool_answers,
            seed=seed,
            limits=limits,
            overrides=overrides,
            session_id=session_id,
            root_task=asyncio.current_task(),
        )
        return await adrive(steps)

    def _steps(
        self,
        input: Any,
        *,
        telemetry: Telemetry | None,
        models: ModelRouter | None,
        approver: Approver | None,
        state: BaseModel | None,
        sleep: Callable[[float], Any],
        raise_errors: bool,
        conversation_id: str | None,
        clock: Callable[[], float],
        tool_answers: ToolAnswers | None,
        seed: int | None,
        limits: Limits | None = None,
        overrides: AgentOverrides | None = None,
        session_id: str | None = None,
        root_task: asyncio.Task[Any] | None = None,
    ) -> Steps[RunResult[Any]]:
        """One run, shared by :meth:`run` and :meth:`arun` (see :mod:`.effects`)."""
        if self._entrypoint is None or self._input_adapter is None:
            raise ConfigError(f"workflow {self.name!r} has no entrypoint")
        try:
            value = self._input_adapter.validate_python(input)
        except ValidationError as exc:
            raise ConfigError(f"workflow {self.name!r}: invalid input: {exc}") from exc
        telemetry = telemetry or default_telemetry()
        router = models or self.models or _claude_router(self.name)
        conversation_id = conversation_id or session_id
        if not conversation_id or seed is None:
            fresh_id, fresh_seed = _fresh_id_and_seed()
            conversation_id = conversation_id or fresh_id
            seed = fresh_seed if seed is None else seed
        run_state = RunState(
            workflow=self.name,
            conversation_id=conversation_id,
            tracer=telemetry.tracer,
            tracer_provider=telemetry.tracer_provider,
            limits=limits or self.limits,
            router=router,
            prices=telemetry.prices,
            approver=approver or self.approver,
            cache=self.cache,
            sleep=sleep,
            seed=seed,
            clock=clock,
            tool_answers=tool_answers,
            root_task=root_task,
        )
        if state is None and self.state_type is not None:
            state = self.state_type()
        ctx: Context[Any] = Context(run_state, state=state, default_model=self.default_model)
        started = time.monotonic()
        prices_token = active_prices.set(telemetry.prices)
        status: RunStatus = "ok"
        output: Any = None
        stop_reason: str | None = None
        error: str | None = None
        input_json = payload_json(value)
        with CurrentSpan(
            telemetry.tracer,
            sc.workflow_span_name(self.name),
            kind=SpanKind.INTERNAL,
            attributes={
                sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW,
                sc.GEN_AI_WORKFLOW_NAME: self.name,
                sc.GEN_AI_CONVERSATION_ID: conversation_id,
                sc.TRACEKIT_WORKFLOW_ENTRYPOINT: self.entrypoint_path,
                sc.TRACEKIT_WORKFLOW_INPUT: input_json,
                sc.TRACEKIT_RUN_SEED: seed,
                sc.OPENINFERENCE_SPAN_KIND: sc.OI_CHAIN,
                # The same payload under OpenInference's names, for Arize Phoenix's panels.
                sc.INPUT_VALUE: input_json,
                sc.INPUT_MIME_TYPE: sc.MIME_JSON,
                **({sc.SESSION_ID: session_id} if session_id is not None else {}),
            },
        ) as span:
            trace_id = format(span.get_span_context().trace_id, "032x")
            before = ctx.state_snapshot()
            random_state = random.getstate()
            _seed_global_random(seed)
            # The run's closing attributes, set in one call into the SDK when it ends (in this
            # order: output, state changes, status).
            closing: dict[str, Any] = {}
            try:
                if overrides is None:  # the usual run: no context manager to enter
                    output = yield Entrypoint(self._entrypoint, ctx, value)
                else:
                    with applied(overrides):
                        output = yield Entrypoint(self._entrypoint, ctx, value)
                output_json = payload_json(output)
                closing[sc.TRACEKIT_WORKFLOW_OUTPUT] = output_json
                closing[sc.OUTPUT_VALUE] = output_json
                closing[sc.OUTPUT_MIME_TYPE] = sc.MIME_JSON
                span.set_status(Status(StatusCode.OK))
            except WorkflowStopped as exc:
                # The guardrail's event is on the span where it fired; the root says why it ended.
                status, stop_reason, error = "stopped", exc.reason, str(exc)
                yield CancelInFlight(run_state, f"cancelled: the run stopped ({exc.reason})")
                mark_error(span, exc)
                span.set_attribute(sc.TRACEKIT_WORKFLOW_STOP_REASON, exc.reason)
            except Exception as exc:
                status, error = "error", f"{type(exc).__name__}: {exc}"
                yield CancelInFlight(run_state, "cancelled: the run failed")
                mark_error(span, exc)
                if raise_errors:
                    raise
            except BaseException as exc:  # Ctrl-C, task cancellation: record, never swallow
                status, error = "interrupted", f"{type(exc).__name__}: {exc}".rstrip(": ")
                mark_error(span, exc)
                if not (isinstance(exc, asyncio.CancelledError) and not raise_errors):
                    raise
                # An async caller asked for a result whatever happens: the cancel is consumed.
            finally:
                random.setstate(random_state)
                changes = ctx.state_changes(before)
                if changes:
                    closing[sc.TRACEKIT_STATE_CHANGES] = changes
                closing[sc.TRACEKIT_WORKFLOW_STATUS] = status
                span.set_attributes(closing)
                active_prices.reset(prices_token)
        return RunResult(
            status=status,
            output=output,
            stop_reason=stop_reason,
            error=error,
            partial=list(run_state.completed),
            trace_id=trace_id,
            steps=run_state.steps,
            input_tokens=run_state.input_tokens,
            output_tokens=run_state.output_tokens,
            cost_usd=run_state.cost_usd,
            duration_s=time.monotonic() - started,
        )


#: The generator behind the ``random`` module's functions (what ``random.seed`` seeds).
_GLOBAL_RANDOM: random.Random = random.seed.__self__  # type: ignore[attr-defined]
#: ``random.Random.seed`` of an ``int`` is its C base class's seed plus ``gauss_next = None``.
_C_SEED = random.Random.__mro__[1].seed  # type: ignore[attr-defined]


def _seed_global_random(seed: Any) -> None:
    """``random.seed(seed)``, without its Python wrapper when ``seed`` is a plain ``int``
    (the wrapper's type tests are a third of the call); any other seed goes through it."""
    if type(seed) is int:
        _C_SEED(_GLOBAL_RANDOM, seed)
        _GLOBAL_RANDOM.gauss_next = None  # type: ignore[attr-defined]
    else:
        random.seed(seed)


def _fresh_id_and_seed() -> tuple[str, int]:
    """A random (version 4) UUID as text, as ``str(uuid.uuid4())`` writes it, and a 32-bit
    seed, from one read of the OS's generator: ``uuid.uuid4()`` and ``secrets.randbits``
    are a system call each and a UUID object, ~2% of a step."""
    raw = bytearray(os.urandom(20))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    text = raw[:16].hex()
    return (
        f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}",
        int.from_bytes(raw[16:], "big"),
    )
