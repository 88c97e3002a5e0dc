"""The offline ScriptedModel's own cost per call: what the demo and every offline test pay
for a model answer, tracing off (a no-op tracer provider), so the figure is the model's. With
no span recording, the call builds no span content (the request and the answer as GenAI JSON);
with tracing on, that cost is part of the recording figures.

Two figures: ``scripted_model_call_us``, the same first turn asked again and again (a rerun
with the same seed: the default script's answer is remembered), and
``scripted_model_new_request_us``, a new conversation on every call (the generator seeded,
arguments drawn and the answer built each time)."""

from __future__ import annotations

import statistics
import time

from opentelemetry.trace import NoOpTracerProvider
from pydantic import BaseModel

from tracekit.models import ModelRequest, ScriptedModel
from tracekit.models.messages import ChatMessage
from tracekit.orchestrator import Agent

ROUNDS = 5


class _Verdict(BaseModel):
    label: str
    score: int


def lookup(term: str) -> str:
    """Look a term up."""
    return f"definition of {term}"


def measure_scripted_model(calls: int = 2000) -> dict[str, float]:
    """``scripted_model_call_us``: µs per ``ScriptedModel.complete`` on a tool-using agent's
    first turn asked again (median of rounds; target ≤ 10); ``scripted_model_new_request_us``:
    the same for a new first turn on every call (no target: reported)."""
    agent = Agent("classifier", instructions="Classify the term.", tools=[lookup], output=_Verdict)
    system, tools = agent.system_prompt() or None, agent.tool_specs()

    def request(text: str) -> ModelRequest:
        return ModelRequest(
            model="claude-haiku-4-5",
            system=system,
            messages=[ChatMessage.user(text)],
            tools=tools,
        )

    same = request("latency")
    model = ScriptedModel(seed=3)
    provider = NoOpTracerProvider()
    for index in range(100):
        model.complete(same, provider)
        model.complete(request(f"warm-up {index}"), provider)
    repeated: list[float] = []
    new: list[float] = []
    for round_ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(calls):
            model.complete(same, provider)
        repeated.append((time.perf_counter() - started) / calls)
        # Requests made before the clock starts: the figure is the model's, not pydantic's.
        fresh = [request(f"term {round_}-{index}") for index in range(calls)]
        started = time.perf_counter()
        for one in fresh:
            model.complete(one, provider)
        new.append((time.perf_counter() - started) / calls)
    return {
        "scripted_model_call_us": statistics.median(repeated) * 1e6,
        "scripted_model_new_request_us": statistics.median(new) * 1e6,
    }
