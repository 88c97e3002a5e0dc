"""A deterministic offline model: the demo and the tests need no API key and no network.

A *script* decides each turn from the request. The default script behaves like a tool-using
agent: it calls some of the offered tools with schema-valid arguments, then answers — through
the ``final_result`` tool with a schema-valid object when the agent has an output type, or with
text. Everything it does is a function of (seed, request), so the same seed gives the same run
and different seeds give different runs.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.trace import TracerProvider

from tracekit.exceptions import ModelError, TransientModelError
from tracekit.models.base import ModelRequest, ModelResponse, ToolSpec, Usage
from tracekit.models.fake_values import fake_value
from tracekit.models.llm_span import chat_span, set_response_attributes
from tracekit.models.messages import ChatMessage, TextPart, ToolCallPart, ToolCallResponsePart
from tracekit.telemetry import current_agent_path, tracer_for

FINAL_RESULT_TOOL = "final_result"
SCRIPTED_PROVIDER = "tracekit.scripted"
SCRIPTED_SCOPE = "tracekit.scripted"


@dataclass(frozen=True)
class Turn:
    """What the scripted model says next.

    Exactly one of: ``text`` (a final text answer), ``tool_calls`` (tool name and arguments),
    ``error`` (raise; ``transient=True`` raises TransientModelError so retries kick in).
    """

    text: str | None = None
    tool_calls: tuple[tuple[str, dict[str, Any]], ...] = ()
    error: str | None = None
    transient: bool = True


@dataclass
class ScriptContext:
    """What a script sees: the request, a seeded RNG and helpers."""

    request: ModelRequest
    rng: random.Random
    seed: int
    attempt: int
    """How many times this exact request was seen before (0 on the first try)."""
    agent: str | None = None
    """Name of the agent asking (the last element of its agent path)."""
    tool_results: list[Any] = field(default_factory=list)
    key: str = ""
    """The request's cache key (what the answer is a function of)."""
    latency_s: float = 0.0
    """The simulated latency of this answer."""

    @property
    def turn(self) -> int:
        """How many assistant messages the conversation already has."""
        return sum(1 for m in self.request.messages if m.role == "assistant")

    @property
    def prompt(self) -> str:
        """The first user message's text."""
        return next((m.text() for m in self.request.messages if m.role == "user"), "")

    def tool(self, name: str) -> ToolSpec | None:
        """The offered tool called ``name``, if any."""
        return next((t for t in self.request.tools if t.name == name), None)

    def user_tools(self) -> list[ToolSpec]:
        """Offered tools other than ``final_result``."""
        return [t for t in self.request.tools if t.name != FINAL_RESULT_TOOL]

    def fake_arguments(self, name: str) -> dict[str, Any]:
        """Schema-valid arguments for the offered tool ``name``."""
        spec = self.tool(name)
        if spec is None:
            raise ModelError(f"scripted model: no tool {name!r} offered")
        value = fake_value(spec.input_schema, self.rng)
        arguments = value if isinstance(value, dict) else {}
        # Reuse same-named fields of a JSON prompt (an order id, a topic), as a model would.
        try:
            given = json.loads(self.prompt)
        except ValueError:
            given = None
        if isinstance(given, dict):
            for key, current in arguments.items():
                if key in given and type(given[key]) is type(current):
                    arguments[key] = given[key]
        return arguments

    def final(self, **overrides: Any) -> Turn:
        """Finish: ``final_result`` with schema-valid arguments (or text when no output type)."""
        if self.tool(FINAL_RESULT_TOOL) is None:
            text = overrides.get("text") or f"Done: {' '.join(self.prompt.split()[:12])}"
            return Turn(text=str(text))
        return Turn(
            tool_calls=(
                (FINAL_RESULT_TOOL, {**self.fake_arguments(FINAL_RESULT_TOOL), **overrides}),
            )
        )


Script = Callable[[ScriptContext], Turn]


def by_agent(scripts: dict[str, Script], default: Script | None = None) -> Script:
    """A script that gives each named agent its own script (others get ``default``)."""

    def dispatch(ctx: ScriptContext) -> Turn:
        script = scripts.get(ctx.agent or "") or default or default_script
        return script(ctx)

    return dispatch


def default_script(ctx: ScriptContext) -> Turn:
    """Call zero to two of the offered tools, then finish."""
    tools = ctx.user_tools()
    plan = random.Random(f"{ctx.seed}:{ctx.prompt}")
    wanted = plan.randint(0, 2) if tools else 0
    if ctx.turn < wanted:
        tool = plan.choice(tools) if ctx.turn == 0 else ctx.rng.choice(tools)
        return Turn(tool_calls=((tool.name, ctx.fake_arguments(tool.name)),))
    return ctx.final()


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


class ScriptedModel:
    """The offline model client.

    >>> model = ScriptedModel(seed=7)
    >>> from tracekit.models.messages import ChatMessage
    >>> request = ModelRequest(model="claude-haiku-4-5", messages=[ChatMessage.user("hi")])
    >>> model.complete(request, None).message.text().startswith("Done")
    True
    """

    provider = SCRIPTED_PROVIDER

    def __init__(
        self,
        *,
        seed: int = 0,
        script: Script | None = None,
        latency_s: tuple[float, float] = (0.0, 0.0),
    ) -> None:
        self.seed = seed
        self.script = script or default_script
        self.latency_s = latency_s
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()

    def complete(
        self, request: ModelRequest, tracer_provider: TracerProvider | None
    ) -> ModelResponse:
        """Answer ``request``, emitting a ``chat {model}`` span like the Anthropic SDK's."""
        tracer = tracer_for(tracer_provider, SCRIPTED_SCOPE)
        with chat_span(tracer, request, self.provider) as span:
            ctx = self._context(request)
            if ctx.latency_s > 0:
                time.sleep(ctx.latency_s)
            response = self._answer(request, ctx)
            set_response_attributes(span, response)
            return response

    async def acomplete(
        self, request: ModelRequest, tracer_provider: TracerProvider | None
    ) -> ModelResponse:
        """The async face of :meth:`complete`: the same answer and span, and the simulated
        latency is an ``asyncio.sleep`` (other tasks run meanwhile).

        >>> import asyncio
        >>> request = ModelRequest(model="claude-haiku-4-5", messages=[ChatMessage.user("hi")])
        >>> asyncio.run(ScriptedModel(seed=7).acomplete(request, None)).message.text()[:4]
        'Done'
        """
        tracer = tracer_for(tracer_provider, SCRIPTED_SCOPE)
        with chat_span(tracer, request, self.provider) as span:
            ctx = self._context(request)
            if ctx.latency_s > 0:
                await asyncio.sleep(ctx.latency_s)
            response = self._answer(request, ctx)
            set_response_attributes(span, response)
            return response

    def _context(self, request: ModelRequest) -> ScriptContext:
        key = request.cache_key()
        with self._lock:
            attempt = self._seen.get(key, 0)
            self._seen[key] = attempt + 1
        rng = random.Random(f"{self.seed}:{key}")
        ctx = ScriptContext(
            request=request,
            rng=rng,
            seed=self.seed,
            attempt=attempt,
            agent=(current_agent_path.get() or "").rsplit("/", 1)[-1] or None,
            tool_results=[
                p.response
                for m in request.messages
                for p in m.parts
                if isinstance(p, ToolCallResponsePart)
            ],
            key=key,
        )
        low, high = self.latency_s
        if high > 0:
            ctx.latency_s = rng.uniform(low, high)
        return ctx

    def _answer(self, request: ModelRequest, ctx: ScriptContext) -> ModelResponse:
        key, rng = ctx.key, ctx.rng
        turn = self.script(ctx)
        if turn.error is not None:
            raise (TransientModelError if turn.transient else ModelError)(turn.error)
        if turn.tool_calls:
            parts: list[TextPart | ToolCallPart] = [
                ToolCallPart(
                    id=f"toolu_{hashlib.sha1(f'{key}:{i}'.encode()).hexdigest()[:16]}",
                    name=name,
                    arguments=args,
                )
                for i, (name, args) in enumerate(turn.tool_calls)
            ]
            finish = "tool_use"
        else:
            parts = [TextPart(content=turn.text or "")]
            finish = "end_turn"
        message = ChatMessage(role="assistant", parts=list(parts), finish_reason=finish)
        prompt_text = json.dumps(
            [request.system, request.model_dump(mode="json")["messages"]], separators=(",", ":")
        )
        tools_text = "".join(t.model_dump_json() for t in request.tools)
        # Like prompt caching: after the first turn, the system prompt and tool list are read
        # from the cache.
        cached = _estimate_tokens((request.system or "") + tools_text) if ctx.turn > 0 else 0
        usage = Usage(
            input_tokens=_estimate_tokens(prompt_text + tools_text) + 12,
            output_tokens=_estimate_tokens(message.model_dump_json()) + rng.randint(5, 40),
            cache_read_tokens=cached,
        )
        return ModelResponse(
            id=f"msg_{key[:24]}",
            model=request.model,
            message=message,
            finish_reason=finish,
            usage=usage,
        )
