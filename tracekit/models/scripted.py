"""A deterministic offline model: the demo and the tests need no API key and no network.

A *script* decides each turn from the request. The default script behaves like a tool-using
agent: it calls some of the offered tools with schema-valid arguments, then answers — through
the ``final_result`` tool with a schema-valid object when the agent has an output type, or with
text. Everything it does is a function of (seed, request), so the same seed gives the same run
and different seeds give different runs.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import hashlib
import json
import random
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.trace import TracerProvider

from tracekit import semconv as sc
from tracekit.exceptions import ModelError, TransientModelError
from tracekit.models.base import ModelRequest, ModelResponse, ToolSpec, Usage
from tracekit.models.fake_values import fake_value
from tracekit.models.llm_span import chat_span, set_response_attributes
from tracekit.models.messages import ChatMessage, TextPart, ToolCallPart, ToolCallResponsePart
from tracekit.models.streaming import (
    StreamDelta,
    StreamItem,
    TextDelta,
    ToolCallEvent,
    UsageUpdate,
    deltas_json,
)
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

    # Read several times per answer (by the script, the plan, the arguments): counted once.
    @functools.cached_property
    def turn(self) -> int:
        """How many assistant messages the conversation already has."""
        return sum(1 for m in self.request.messages if m.role == "assistant")

    @functools.cached_property
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
        given = _json_prompt(self.prompt)
        if given is not None:
            for key, current in arguments.items():
                if key in given and type(given[key]) is type(current):
                    value = given[key]
                    # The parse is shared between calls: its lists and objects are not.
                    arguments[key] = (
                        copy.deepcopy(value) if isinstance(value, list | dict) else value
                    )
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


@functools.lru_cache(maxsize=1024)
def _json_prompt(prompt: str) -> dict[str, Any] | None:
    """The prompt as a JSON object, or None (parsed once per prompt: every turn of a
    conversation asks, and a failed parse raises)."""
    try:
        given = json.loads(prompt)
    except ValueError:
        return None
    return given if isinstance(given, dict) else None


def by_agent(scripts: dict[str, Script], default: Script | None = None) -> Script:
    """A script that gives each named agent its own script (others get ``default``)."""

    def dispatch(ctx: ScriptContext) -> Turn:
        script = scripts.get(ctx.agent or "") or default or default_script
        return script(ctx)

    return dispatch


#: (seed, prompt, tool count) -> (tools wanted, first tool's index): a conversation's plan is
#: drawn once, not on every turn (seeding a generator from a string costs more than a turn).
_plans: dict[tuple[int, str, int], tuple[int, int]] = {}
_PLANS_MAX = 4096


def _plan(seed: int, prompt: str, tool_count: int) -> tuple[int, int]:
    key = (seed, prompt, tool_count)
    plan = _plans.get(key)
    if plan is None:
        rng = random.Random(f"{seed}:{prompt}")
        wanted = rng.randint(0, 2) if tool_count else 0
        first = rng.randrange(tool_count) if tool_count else 0  # what ``rng.choice`` draws
        plan = (wanted, first)
        if len(_plans) >= _PLANS_MAX:
            _plans.clear()
        _plans[key] = plan
    return plan


def default_script(ctx: ScriptContext) -> Turn:
    """Call zero to two of the offered tools, then finish."""
    tools = ctx.user_tools()
    wanted, first = _plan(ctx.seed, ctx.prompt, len(tools))
    turn = ctx.turn
    if turn < wanted:
        tool = tools[first] if turn == 0 else ctx.rng.choice(tools)
        return Turn(tool_calls=((tool.name, ctx.fake_arguments(tool.name)),))
    return ctx.final()


def _estimate_tokens(text: str) -> int:
    return _estimate_len(len(text))


def _estimate_len(chars: int) -> int:
    return max(1, chars // 4)


# Lengths of JSON texts by the identity of what they encode; the object is kept with its
# length, so its id cannot be reused while the entry lives.
_message_lengths: dict[int, tuple[ChatMessage, int]] = {}
_tools_lengths: dict[tuple[int, ...], tuple[tuple[ToolSpec, ...], int]] = {}
_LENGTHS_MAX = 4096


def _message_json_len(message: ChatMessage) -> int:
    """``len(json.dumps(message.model_dump(mode="json"), separators=(",", ":")))``."""
    entry = _message_lengths.get(id(message))
    if entry is not None and entry[0] is message:
        return entry[1]
    length = len(json.dumps(message.model_dump(mode="json"), separators=(",", ":")))
    if len(_message_lengths) >= _LENGTHS_MAX:
        _message_lengths.clear()
    _message_lengths[id(message)] = (message, length)
    return length


def _tools_json_len(tools: list[ToolSpec]) -> int:
    """``len("".join(t.model_dump_json() for t in tools))``."""
    key = tuple(id(t) for t in tools)
    entry = _tools_lengths.get(key)
    if entry is not None:
        return entry[1]
    length = sum(len(t.model_dump_json()) for t in tools)
    if len(_tools_lengths) >= _LENGTHS_MAX:
        _tools_lengths.clear()
    _tools_lengths[key] = (tuple(tools), length)
    return length


def _seed_number(seed: int, key: str) -> int:
    """The number ``random.Random(f"{seed}:{key}")`` seeds its generator with (a text seed
    is its UTF-8 bytes followed by their SHA-512, read as one big-endian number), without
    the generator's own type checks; a test pins that the draws are the same."""
    text = f"{seed}:{key}".encode()
    return int.from_bytes(text + hashlib.sha512(text).digest(), "big")


#: (seed, latency bounds, request key) -> (the default script's response, its latency).
_answers: dict[tuple[int, tuple[float, float], str], tuple[ModelResponse, float]] = {}
_ANSWERS_MAX = 4096


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
            answer, latency_s = self._respond(request)
            if latency_s > 0:
                time.sleep(latency_s)
            response = answer()
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
            answer, latency_s = self._respond(request)
            if latency_s > 0:
                await asyncio.sleep(latency_s)
            response = answer()
            set_response_attributes(span, response)
            return response

    def stream(
        self, request: ModelRequest, tracer_provider: TracerProvider | None
    ) -> Iterator[StreamItem]:
        """Stream the answer :meth:`complete` gives: its text word by word, then its tool
        calls, with usage updates as a real stream has them (input first, output as it
        grows), then the response. One ``chat {model}`` span, with what was delivered.

        >>> request = ModelRequest(model="claude-haiku-4-5", messages=[ChatMessage.user("hi")])
        >>> items = ScriptedModel(seed=7).stream(request, None)
        >>> [i.text for i in items if isinstance(i, TextDelta)]
        ['Done:', ' hi']
        """
        tracer = tracer_for(tracer_provider, SCRIPTED_SCOPE)
        delivered: list[StreamDelta] = []
        with chat_span(tracer, request, self.provider) as span:
            try:
                answer, latency_s = self._respond(request)
                if latency_s > 0:
                    time.sleep(latency_s)  # the time to the first token
                response = answer()
                for item in stream_items(response):
                    delivered.append(item)  # before the yield: a stop thrown there keeps it
                    yield item
                set_response_attributes(span, response)
            finally:
                span.set_attribute(sc.TRACEKIT_STREAM_DELTAS, deltas_json(delivered))
        yield response

    async def astream(
        self, request: ModelRequest, tracer_provider: TracerProvider | None
    ) -> AsyncIterator[StreamItem]:
        """The async face of :meth:`stream` (the latency is an ``asyncio.sleep``)."""
        tracer = tracer_for(tracer_provider, SCRIPTED_SCOPE)
        delivered: list[StreamDelta] = []
        with chat_span(tracer, request, self.provider) as span:
            try:
                answer, latency_s = self._respond(request)
                if latency_s > 0:
                    await asyncio.sleep(latency_s)
                response = answer()
                for item in stream_items(response):
                    delivered.append(item)
                    yield item
                set_response_attributes(span, response)
            finally:
                span.set_attribute(sc.TRACEKIT_STREAM_DELTAS, deltas_json(delivered))
        yield response

    def _respond(self, request: ModelRequest) -> tuple[Callable[[], ModelResponse], float]:
        """How to make the answer (after the simulated latency), and the latency.

        The default script's answer is a function of (seed, latency bounds, request) alone,
        so a request seen before (a rerun with the same seed, a retry) is answered from
        memory: the same response, without seeding a generator or drawing arguments again.
        A script of the user's may read ``attempt`` or the agent, so it runs every time.
        """
        key = request.cache_key()
        with self._lock:
            attempt = self._seen.get(key, 0)
            self._seen[key] = attempt + 1
        memo = (self.seed, self.latency_s, key) if self.script is default_script else None
        if memo is not None:
            known = _answers.get(memo)
            if known is not None:
                response, latency_s = known
                return lambda: response, latency_s
        ctx = self._context(request, key, attempt)

        def answer() -> ModelResponse:
            response = self._answer(request, ctx)
            if memo is not None:
                if len(_answers) >= _ANSWERS_MAX:
                    _answers.clear()
                _answers[memo] = (response, ctx.latency_s)
            return response

        return answer, ctx.latency_s

    def _context(self, request: ModelRequest, key: str, attempt: int) -> ScriptContext:
        rng = random.Random(_seed_number(self.seed, key))
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
        # Token estimates need only lengths: of the JSON of [system, messages] and of the
        # tools' JSON, each message's and tool list's measured once (they repeat every turn).
        messages = request.messages
        prompt_chars = (
            len(json.dumps(request.system))
            + sum(_message_json_len(m) for m in messages)
            + max(0, len(messages) - 1)
            + 5  # the brackets and the comma of [system,[messages]]
        )
        tools_chars = _tools_json_len(request.tools)
        # Like prompt caching: after the first turn, the system prompt and tool list are read
        # from the cache.
        cached = _estimate_len(len(request.system or "") + tools_chars) if ctx.turn > 0 else 0
        usage = Usage(
            input_tokens=_estimate_len(prompt_chars + tools_chars) + 12,
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


_WORDS = re.compile(r"\s*\S+|\s+$")


def stream_items(response: ModelResponse) -> list[StreamDelta]:
    """How the scripted model streams ``response``: a usage update with the input tokens,
    then each word of the text and each tool call, each followed by the output tokens so far
    (the last update is the response's usage)."""
    usage = response.usage
    pieces: list[TextDelta | ToolCallEvent] = [
        TextDelta(word) for word in _WORDS.findall(response.message.text())
    ]
    pieces.extend(ToolCallEvent(call) for call in response.message.tool_calls())
    items: list[StreamDelta] = [UsageUpdate(usage.model_copy(update={"output_tokens": 0}))]
    for done, piece in enumerate(pieces, start=1):
        items.append(piece)
        output = usage.output_tokens * done // len(pieces)
        items.append(UsageUpdate(usage.model_copy(update={"output_tokens": output})))
    if not pieces:
        items.append(UsageUpdate(usage))
    return items
