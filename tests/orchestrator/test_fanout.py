"""Fan-out threads: a map runs its calls at most ``workers`` at once, returns them in order,
keeps each call's error, and a fan-out inside a fanned-out call finishes (the shared pool never
queues a call behind the busy threads waiting for it)."""

from __future__ import annotations

import threading
import time
from typing import Any

from tracekit.orchestrator.fanout import run_parallel


def test_results_come_back_in_order_at_most_workers_at_once() -> None:
    running = 0
    most = 0
    lock = threading.Lock()

    def call(value: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.005)
        with lock:
            running -= 1
        return value * 10

    outcomes = run_parallel([lambda v=v: call(v) for v in range(8)], 3)

    assert outcomes == [(v * 10, None) for v in range(8)]
    assert 1 <= most <= 3


def test_a_failing_call_keeps_its_error_and_the_others_finish() -> None:
    def boom() -> Any:
        raise ValueError("no")

    outcomes = run_parallel([lambda: 1, boom, lambda: 3], 2)

    assert [value for value, _ in outcomes] == [1, None, 3]
    assert isinstance(outcomes[1][1], ValueError)


def test_fan_outs_nested_deeper_than_the_threads_in_use_finish() -> None:
    def inner(level: int) -> Any:
        if level == 0:
            return "leaf"
        return run_parallel([lambda: inner(level - 1) for _ in range(3)], 3)

    outcomes = run_parallel([lambda: inner(3) for _ in range(4)], 4)

    assert len(outcomes) == 4 and all(error is None for _, error in outcomes)


def test_an_interrupt_in_the_calling_thread_goes_up_at_once() -> None:
    home = threading.get_ident()
    ran: list[int] = []

    def call(value: int) -> int:
        if threading.get_ident() == home:
            raise KeyboardInterrupt
        ran.append(value)
        return value

    try:
        run_parallel([lambda v=v: call(v) for v in range(20)], 1)
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("the interrupt was swallowed")
    assert ran == []  # one worker: the caller itself, and no call ran after the interrupt
