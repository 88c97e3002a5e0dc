"""What every demo example gets: a model router per run, offline or live."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tracekit.models import ModelRouter, ScriptedModel
from tracekit.models.scripted import Script
from tracekit.orchestrator import Approver, Workflow
from tracekit.telemetry import Telemetry

#: Simulated model latency for the offline demo, so durations and percentiles look like a run.
DEMO_LATENCY_S = (0.004, 0.04)


@dataclass(frozen=True)
class DemoRuntime:
    """How the demo runs: which telemetry, and whether Claude answers or the scripted model."""

    telemetry: Telemetry
    live: bool = False
    latency_s: tuple[float, float] = DEMO_LATENCY_S

    def router(self, seed: int, script: Script | None = None) -> ModelRouter:
        """The models for one run: a seeded scripted model, or Claude when live."""
        if self.live:
            from tracekit.models.anthropic_model import AnthropicModel

            return ModelRouter({}, default=AnthropicModel())
        return ModelRouter(
            {}, default=ScriptedModel(seed=seed, script=script, latency_s=self.latency_s)
        )

    def run(
        self,
        workflow: Workflow,
        seed: int,
        input: Any,
        *,
        script: Script | None = None,
        approver: Approver | None = None,
    ) -> DemoOutcome:
        """Run ``workflow`` once; a failed run is recorded and returned, not raised."""
        result = workflow.run(
            input,
            telemetry=self.telemetry,
            models=self.router(seed, script),
            approver=approver,
            raise_errors=False,
        )
        return DemoOutcome(
            workflow.name,
            seed,
            result.status,
            result.trace_id,
            result.steps,
            result.cost_usd,
            result.stop_reason or result.error or "",
        )


@dataclass(frozen=True)
class DemoOutcome:
    """One demo run, for the summary table."""

    example: str
    seed: int
    status: str
    trace_id: str
    steps: int
    cost_usd: float
    note: str = ""


DemoFn = Callable[[DemoRuntime, int], list[DemoOutcome]]
