"""The bookkeeping of one run: budgets, counters, loop detection; thread-safe for fan-out.

Every guardrail that fires adds an event to the current span before it raises, so a stop is
never silent.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.trace import Span, Tracer, TracerProvider

from tracekit import semconv as sc
from tracekit.exceptions import LimitExceeded, LoopDetected
from tracekit.models.base import Usage
from tracekit.models.routing import ModelRouter, ResponseCache
from tracekit.orchestrator.approval import Approver
from tracekit.orchestrator.limits import Limits
from tracekit.orchestrator.tool_answers import ToolAnswers
from tracekit.pricing import PriceTable

# ``json.dumps`` with options builds an encoder on every call; this one is built once (the
# encoder keeps no state between calls) and writes the same text.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=str)


def canonical_json(value: Any) -> str:
    """Sorted-key compact JSON, the form actions are compared in."""
    return _CANONICAL.encode(value)


@dataclass
class RunState:
    """Mutable state of one workflow run, shared by every agent call in it."""

    workflow: str
    conversation_id: str
    tracer: Tracer
    tracer_provider: TracerProvider
    limits: Limits
    router: ModelRouter
    prices: PriceTable
    approver: Approver
    cache: ResponseCache | None = None
    sleep: Any = time.sleep
    seed: int = 0
    """Seeds :attr:`rng`, which most runs never draw from (so it is made on first use:
    seeding a Mersenne Twister is ~25,000 instructions, a tenth of a step)."""
    clock: Callable[[], float] = time.monotonic
    tool_answers: ToolAnswers | None = None
    started: float = -1.0
    steps: int = 0
    cost_usd: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    # Counts kept in plain dicts: a Counter is a Python-level __init__ (five a run) and a
    # Python-level __missing__ on every first count.
    agent_tokens: dict[str, int] = field(default_factory=dict)
    agent_sequence: dict[str, int] = field(default_factory=dict)
    child_calls: dict[str, int] = field(default_factory=dict)
    child_order: dict[str, int] = field(default_factory=dict)
    actions: dict[str, int] = field(default_factory=dict)
    completed: list[tuple[str, Any]] = field(default_factory=list)
    state_lock: threading.Lock = field(default_factory=threading.Lock)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    """asyncio tasks that made agent calls in this run (an async run cancels the ones still
    running when it stops, so no call outlives its workflow span)."""
    root_task: asyncio.Task[Any] | None = None
    """The task ``arun`` was awaited in: the caller's, never cancelled by the run."""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _rng: random.Random | None = None

    @property
    def rng(self) -> random.Random:
        """The run's own generator (retry jitter), seeded with :attr:`seed`."""
        rng = self._rng
        if rng is None:
            with self._lock:  # a fan-out's agents may retry at once: one generator
                rng = self._rng
                if rng is None:
                    rng = self._rng = random.Random(self.seed)
        return rng

    def __post_init__(self) -> None:
        if self.started < 0:
            self.started = self.clock()

    def next_sequence(self, agent_path: str) -> int:
        """The 0-based number of this call among the calls of the agent at ``agent_path``."""
        with self._lock:
            seq = self.agent_sequence.get(agent_path, 0)
            self.agent_sequence[agent_path] = seq + 1
            return seq

    def reserve_call(self, parent_key: str, agent_name: str) -> tuple[str, int]:
        """The structural key and order of a new call of ``agent_name`` made by the call
        ``parent_key`` ("" for the entrypoint): ``parent/agent#k``, where ``k`` counts that
        parent's earlier calls of the agent. Never depends on thread timing when reserved
        before the call starts (a fan-out reserves all of its calls up front, in payload order).
        """
        with self._lock:
            counter = f"{parent_key}\x00{agent_name}"
            index = self.child_calls.get(counter, 0)
            self.child_calls[counter] = index + 1
            order = self.child_order.get(parent_key, 0)
            self.child_order[parent_key] = order + 1
        key = f"{agent_name}#{index}"
        return (f"{parent_key}/{key}" if parent_key else key), order

    def limit_exceeded(
        self, span: Span, limit: str, value: float, observed: float
    ) -> LimitExceeded:
        """Record ``tracekit.limit.exceeded`` on ``span`` and return the error to raise."""
        span.add_event(
            sc.EVENT_LIMIT_EXCEEDED,
            {
                sc.EVENT_LIMIT_NAME: limit,
                sc.EVENT_LIMIT_VALUE: value,
                sc.EVENT_LIMIT_OBSERVED: observed,
            },
        )
        return LimitExceeded(limit, value, observed)

    def begin_step(self, span: Span) -> int:
        """Count one model or tool call; raise if steps or wall-clock would be exceeded."""
        with self._lock:
            elapsed = self.clock() - self.started
            if self.limits.max_seconds is not None and elapsed > self.limits.max_seconds:
                raise self.limit_exceeded(span, "max_seconds", self.limits.max_seconds, elapsed)
            if self.limits.max_steps is not None and self.steps + 1 > self.limits.max_steps:
                raise self.limit_exceeded(span, "max_steps", self.limits.max_steps, self.steps + 1)
            self.steps += 1
            return self.steps

    def record_usage(
        self, span: Span, agent: str, budget: int | None, model: str, usage: Usage
    ) -> None:
        """Add a call's tokens and cost; raise if the cost or the agent's token budget is over."""
        cost = self.prices.cost(
            model,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_read_tokens=usage.cache_read_tokens,
            cache_creation_tokens=usage.cache_creation_tokens,
        )
        with self._lock:
            self.cost_usd += cost or 0.0
            self.input_tokens += usage.input_tokens
            self.output_tokens += usage.output_tokens
            tokens = self.agent_tokens[agent] = self.agent_tokens.get(agent, 0) + usage.total
            if self.limits.max_cost_usd is not None and self.cost_usd > self.limits.max_cost_usd:
                raise self.limit_exceeded(
                    span, "max_cost_usd", self.limits.max_cost_usd, self.cost_usd
                )
            if budget is not None and tokens > budget:
                raise self.limit_exceeded(span, f"token_budget:{agent}", budget, tokens)

    def check_action(self, span: Span, invocation: str, action: str, arguments: Any) -> None:
        """Count an action of one agent call (or of the entrypoint, ``invocation=""``);
        raise LoopDetected when it repeats ``loop_threshold`` times."""
        agent_path = invocation.split("#", 1)[0]
        key = f"{invocation}\x00{action}\x00{canonical_json(arguments)}"
        with self._lock:
            count = self.actions[key] = self.actions.get(key, 0) + 1
        if count >= self.limits.loop_threshold:
            span.add_event(
                sc.EVENT_LOOP_DETECTED,
                {
                    sc.TRACEKIT_AGENT_PATH: agent_path,
                    sc.EVENT_REASON: f"{action} repeated {count} times with the same arguments",
                    sc.EVENT_LIMIT_VALUE: self.limits.loop_threshold,
                },
            )
            raise LoopDetected(f"loop detected: {agent_path} repeated {action} {count} times")

    def check_depth(self, span: Span, depth: int) -> None:
        """Raise when agents nest deeper than ``max_depth``."""
        if depth > self.limits.max_depth:
            raise self.limit_exceeded(span, "max_depth", self.limits.max_depth, depth)

    def track_task(self) -> None:
        """Remember the current asyncio task as one making agent calls in this run."""
        task = asyncio.current_task()
        if task is not None and task is not self.root_task:
            with self._lock:
                self.tasks.add(task)

    async def cancel_in_flight(self, reason: str) -> None:
        """Cancel this run's tasks (on this loop) still running, and wait until they end."""
        current = asyncio.current_task()
        loop = asyncio.get_running_loop()
        with self._lock:
            pending = [
                t for t in self.tasks if not t.done() and t is not current and t.get_loop() is loop
            ]
        for task in pending:
            task.cancel(reason)
        if pending:
            await asyncio.wait(pending)

    def record_completion(self, agent_path: str, output: Any) -> None:
        """Keep a finished agent's output for the partial result of a stopped run."""
        with self._lock:
            self.completed.append((agent_path, output))
