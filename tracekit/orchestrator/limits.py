"""Guardrail settings and the per-agent circuit breaker."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Limits(BaseModel):
    """Per-run guardrails. Hitting one ends the run with a partial result and a recorded reason.

    ``max_steps`` counts model calls, tool calls and checks; ``loop_threshold`` is how many
    times the same action with the same arguments may happen before it is a loop;
    ``max_depth`` is how deep agents may nest (1: agents do not spawn agents).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_steps: int | None = Field(default=50, ge=1)
    max_cost_usd: float | None = Field(default=None, gt=0)
    max_seconds: float | None = Field(default=None, gt=0)
    loop_threshold: int = Field(default=3, ge=2)
    max_depth: int = Field(default=1, ge=1)


class RetryPolicy(BaseModel):
    """Retries with exponential backoff and jitter for transient model errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attempts: int = Field(default=3, ge=1)
    initial_delay_s: float = Field(default=0.5, ge=0)
    max_delay_s: float = Field(default=8.0, ge=0)
    multiplier: float = Field(default=2.0, ge=1)
    jitter: float = Field(default=0.1, ge=0, le=1)

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        base = min(self.initial_delay_s * self.multiplier ** (attempt - 1), self.max_delay_s)
        return base * (1 + self.jitter * (2 * rng.random() - 1))


#: What a circuit breaker says when a call begins.
BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Opens after ``failure_threshold`` consecutive failures; half-opens after ``reset_after_s``.

    While open, calls fail fast (the agent's fallback runs, if it has one). The state belongs to
    the agent, so it spans runs in one process, like a breaker in front of a flaky service.
    What it said at each agent call (``tracekit.circuit.state``) is recorded on the agent span;
    a replay gives that back and never reads or moves the breaker.
    """

    def __init__(
        self,
        failure_threshold: int = 3,
        reset_after_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.reset_after_s = reset_after_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False
        self._lock = threading.Lock()

    def allows(self) -> bool:
        """Whether a call may go ahead: closed, or the one trial call once half-open."""
        return self.enter() != "open"

    def enter(self) -> BreakerState:
        """Ask to make a call: ``closed`` (go), ``half_open`` (go: the one trial call) or
        ``open`` (fail fast). The answer is recorded on the agent span, so replay can give
        it back without this breaker."""
        with self._lock:
            if self._opened_at is None:
                return "closed"
            if self._trial_in_flight or self._clock() - self._opened_at < self.reset_after_s:
                return "open"
            self._trial_in_flight = True
            return "half_open"

    def record_success(self) -> None:
        """Close the breaker."""
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_in_flight = False

    def release_trial(self) -> None:
        """The trial call ended without a verdict (the run was stopped): allow another."""
        with self._lock:
            self._trial_in_flight = False

    def record_failure(self) -> bool:
        """Count a failure; return True when this failure opens the breaker."""
        with self._lock:
            self._trial_in_flight = False
            self._failures += 1
            if self._failures >= self.failure_threshold:
                was_closed = self._opened_at is None
                self._opened_at = self._clock()
                return was_closed
            return False

    @property
    def consecutive_failures(self) -> int:
        """Failures since the last success."""
        with self._lock:
            return self._failures
