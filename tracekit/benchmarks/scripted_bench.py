"""The offline ScriptedModel's own cost per call: what the demo and every offline test pay
for a model answer, tracing off (a no-op tracer provider), so the figure is the model's."""

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
    first turn (median of rounds; target ≤ 10)."""
    agent = Agent("classifier", instructions="Classify the term.", tools=[lookup], output=_Verdict)
    request = ModelRequest(
        model="claude-haiku-4-5",
        system=agent.system_prompt() or None,
        messages=[ChatMessage.user("latency")],
        tools=agent.tool_specs(),
    )
    model = ScriptedModel(seed=3)
    provider = NoOpTracerProvider()
    for _ in range(100):
        model.complete(request, provider)
    per_call: list[float] = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(calls):
            model.complete(request, provider)
        per_call.append((time.perf_counter() - started) / calls)
    return {"scripted_model_call_us": statistics.median(per_call) * 1e6}
