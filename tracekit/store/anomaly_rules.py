"""The anomaly rules' constants, apart from the detector (:mod:`tracekit.store.anomalies`),
so ``tracekit anomalies --help`` can name them without loading DuckDB or pydantic."""

from __future__ import annotations

from typing import Literal

AnomalyDimension = Literal["agent", "model", "workflow"]
ANOMALY_DIMENSIONS: tuple[AnomalyDimension, ...] = ("agent", "model", "workflow")
#: ``|robust z|`` at or above this flags (Iglewicz and Hoaglin's rule for modified z-scores).
THRESHOLD = 3.5
#: A group with fewer calls (or runs) in the recent window is not judged.
MIN_CALLS = 10
