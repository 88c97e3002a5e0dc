"""How the outcomes of N forks of one step spread (``tracekit fork --repeat N``).

Status counts, distinct outputs (each counted), and the range of steps, tokens and cost.

>>> spread = ForkSpread.of([])
>>> spread.runs
0
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel
from rich.console import Group, RenderableType
from rich.text import Text

from replay.canonical import normalize
from tracekit.display import inert

if TYPE_CHECKING:
    from replay.fork import ForkRun

_SHOWN = 5


class Spread(BaseModel):
    """Min, median and max of one figure over the forks."""

    min: float
    median: float
    max: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        """The spread of ``values`` (all zero when there are none)."""
        if not values:
            return cls(min=0, median=0, max=0)
        return cls(min=min(values), median=statistics.median(values), max=max(values))

    def describe(self, fmt: str) -> str:
        """``12`` when every fork had the same, else ``min 10 · median 12 · max 15``."""
        if self.min == self.max:
            return fmt.format(self.min)
        return " · ".join(
            f"{name} {fmt.format(v)}"
            for name, v in (("min", self.min), ("median", self.median), ("max", self.max))
        )


class DistinctOutput(BaseModel):
    """One output the forks produced, how many produced it, and one fork that did."""

    count: int
    output: str
    trace_id: str


class ForkSpread(BaseModel):
    """The outcomes of N forks of one step."""

    runs: int
    statuses: dict[str, int]
    distinct_outputs: int
    outputs: list[DistinctOutput]
    steps: Spread
    tokens: Spread
    cost_usd: Spread
    trace_ids: list[str]

    @classmethod
    def of(cls, runs: Sequence[ForkRun]) -> ForkSpread:
        """The spread of ``runs``' outcomes."""
        statuses = Counter(run.result.status for run in runs)
        keyed: dict[str, list[str]] = {}
        for run in runs:
            output = json.dumps(normalize(run.recording.output), sort_keys=True, default=str)
            keyed.setdefault(output, []).append(run.trace_id)
        outputs = sorted(
            (
                DistinctOutput(count=len(ids), output=text, trace_id=ids[0])
                for text, ids in keyed.items()
            ),
            key=lambda o: -o.count,
        )
        return cls(
            runs=len(runs),
            statuses=dict(statuses.most_common()),
            distinct_outputs=len(outputs),
            outputs=outputs,
            steps=Spread.of([run.result.steps for run in runs]),
            tokens=Spread.of([run.result.input_tokens + run.result.output_tokens for run in runs]),
            cost_usd=Spread.of([run.result.cost_usd for run in runs]),
            trace_ids=[run.trace_id for run in runs],
        )

    def render(self) -> RenderableType:
        """The spread for a Rich console."""
        statuses = ", ".join(f"{status} {n}" for status, n in self.statuses.items())
        lines: list[RenderableType] = [
            Text(
                inert(
                    f"{self.runs} forks: {statuses}; {self.distinct_outputs} distinct "
                    f"output{'s' if self.distinct_outputs != 1 else ''}"
                ),
                style="bold",
            ),
            Text(inert(f"  steps   {self.steps.describe('{:.0f}')}")),
            Text(inert(f"  tokens  {self.tokens.describe('{:,.0f}')}")),
            Text(inert(f"  cost    {self.cost_usd.describe('${:.4f}')}")),
        ]
        for output in self.outputs[:_SHOWN]:
            text = output.output if len(output.output) <= 80 else output.output[:77] + "…"
            lines.append(Text(inert(f"  ×{output.count}  {text}  (e.g. {output.trace_id[:12]})")))
        if len(self.outputs) > _SHOWN:
            lines.append(Text(f"  … and {len(self.outputs) - _SHOWN} more distinct outputs"))
        return Group(*lines)
