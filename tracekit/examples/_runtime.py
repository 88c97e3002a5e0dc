"""What every demo example gets: a model router per run, offline or live."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tracekit.models import ModelRouter, ScriptedModel
from tracekit.models.scripted import Script
from tracekit.orchestrator import Approver, RunResult, Workflow
from tracekit.telemetry import Telemetry

#: Simulated model latency for the offline demo, so durations and percentiles look like a run.
DEMO_LATENCY_S = (0.004, 0.04)


@dataclass(frozen=True)
class DemoRuntime:
    """How the demo runs: which telemetry, and whether Claude answers or the scripted model."""

    telemetry: Telemetry
    live: bool = False
    latency_s: tuple[float, float] = DEMO_LATENCY_S

    def router(
        self, seed: int, script: Script | None = None, *, asynchronous: bool = False
    ) -> ModelRouter:
        """The models for one run: a seeded scripted model (it answers sync and async
        runs), or Claude when live (``AsyncAnthropic`` for async runs)."""
        if self.live and asynchronous:
            from tracekit.models.anthropic_async import AsyncAnthropicModel

            return ModelRouter({}, default=AsyncAnthropicModel())
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
        return DemoOutcome.of(workflow, seed, result)

    async def arun(
        self,
        workflow: Workflow,
        seed: int,
        input: Any,
        *,
        script: Script | None = None,
        approver: Approver | None = None,
    ) -> DemoOutcome:
        """``await`` form of :meth:`run`, for async workflows."""
        result = await workflow.arun(
            input,
            telemetry=self.telemetry,
            models=self.router(seed, script, asynchronous=True),
            approver=approver,
            raise_errors=False,
        )
        return DemoOutcome.of(workflow, seed, result)


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

    @classmethod
    def of(cls, workflow: Workflow, seed: int, result: RunResult[Any]) -> DemoOutcome:
        """The outcome of one run of ``workflow``."""
        return cls(
            workflow.name,
            seed,
            result.status,
            result.trace_id,
            result.steps,
            result.cost_usd,
            result.stop_reason or result.error or "",
        )


DemoFn = Callable[[DemoRuntime, int], list[DemoOutcome]]
