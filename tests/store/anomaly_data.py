"""Generated stores for the anomaly tests: weeks of steady runs with normal noise, optional
daily or weekly patterns, and planted spikes, written as real segments (analytics_data)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from tests.store.analytics_data import HOUR, Call, Run, write_store

DAY = 24 * HOUR
#: Monday 2026-02-02T00:00Z: the recent 24h window of a store ending here is a Sunday.
MONDAY = int(datetime(2026, 2, 2, tzinfo=timezone.utc).timestamp()) * 1_000_000_000
SpikeKind = Literal["tokens", "cost", "latency", "errors", "retries"]


@dataclass(frozen=True)
class Spike:
    """From ``start_ns`` to ``end_ns``, ``agent``'s calls get ``kind`` much worse."""

    agent: str
    kind: SpikeKind
    start_ns: int
    end_ns: int


@dataclass
class Generated:
    """What was written: the store and the trace ids of the runs a spike touched."""

    path: Path
    spiked: set[str] = field(default_factory=set)


def _call(
    rnd: random.Random, agent: str, model: str, t: int, spikes: list[Spike], scale: float
) -> tuple[Call, bool]:
    tokens_in = max(50, int(rnd.gauss(1000, 100) * scale))
    tokens_out = max(5, int(rnd.gauss(100, 10) * scale))
    ms = max(20, int(rnd.lognormvariate(5.3, 0.25) * scale))  # ~200 ms
    price = 0.000003 if model == "claude-haiku-4-5" else 0.000009
    outcome = "error" if rnd.random() < 0.01 else "ok"
    retries = 1 if rnd.random() < 0.02 else 0
    cost_factor = 1.0
    spiked = False
    for spike in spikes:
        if spike.agent != agent or not spike.start_ns <= t < spike.end_ns:
            continue
        spiked = True
        if spike.kind == "tokens":
            tokens_in, tokens_out = tokens_in * 4, tokens_out * 4
        elif spike.kind == "cost":
            cost_factor = 4.0
        elif spike.kind == "latency":
            ms *= 6
        elif spike.kind == "errors":
            outcome = "error" if rnd.random() < 0.5 else outcome
        else:
            retries = 2 if rnd.random() < 0.6 else retries
    cost = (tokens_in + 5 * tokens_out) * price * cost_factor
    call = Call(
        agent,
        model,
        ms=ms,
        outcome=outcome,
        retries=retries,
        tokens=(tokens_in, tokens_out),
        cost=cost,
    )
    return call, spiked


def generate_store(
    path: Path,
    *,
    end_ns: int = MONDAY,
    days: int = 8,
    runs_per_hour: int = 4,
    seed: int = 1,
    spikes: tuple[Spike, ...] = (),
    weekly: bool = False,
    daily: bool = False,
) -> Generated:
    """``days`` of runs up to ``end_ns``: two workflows alternating, each run a planner call
    (haiku) and a writer call (sonnet), tokens, latency, errors (1%) and retries (2%) with
    normal noise. ``weekly``: weekends take 2.5× the tokens and latency; ``daily``: nights
    (00–06 UTC) half of them."""
    rnd = random.Random(seed)
    generated = Generated(path)
    runs: list[Run] = []
    start = end_ns - days * DAY
    gap = HOUR // runs_per_hour
    spike_list = list(spikes)
    spiked_runs: list[int] = []
    for index, t in enumerate(range(start + gap // 2, end_ns, gap)):
        moment = datetime.fromtimestamp(t / 1e9, tz=timezone.utc)
        scale = 1.0
        if weekly and moment.weekday() >= 5:
            scale = 2.5
        if daily and moment.hour < 6:
            scale = 0.5
        calls = []
        touched = False
        for agent, model in (("planner", "claude-haiku-4-5"), ("writer", "claude-sonnet-4-5")):
            call, spiked = _call(rnd, agent, model, t, spike_list, scale)
            calls.append(call)
            touched = touched or spiked
        runs.append(Run("billing" if index % 2 else "support", t, calls))
        if touched:
            spiked_runs.append(index)
    ids = write_store(path, runs)
    generated.spiked = {ids[index] for index in spiked_runs}
    return generated
