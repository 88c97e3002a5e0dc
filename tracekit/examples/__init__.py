"""The demo workflows: shipped as runnable examples and tested like any user code."""

from tracekit.examples import (
    async_research,
    doc_pipeline,
    guarded_research,
    plan_critique_revise,
    support_router,
)
from tracekit.examples._runtime import DemoFn, DemoOutcome, DemoRuntime
from tracekit.examples.offline import offline_router

#: Example name → (demo function, runs in the default demo).
DEMOS: dict[str, tuple[DemoFn, int]] = {
    "doc-pipeline": (doc_pipeline.demo, 10),
    "plan-critique-revise": (plan_critique_revise.demo, 10),
    "support-router": (support_router.demo, 10),
    "guarded-research": (guarded_research.demo, 12),
    "async-research": (async_research.demo, 8),
}

__all__ = ["DEMOS", "DemoFn", "DemoOutcome", "DemoRuntime", "offline_router"]
