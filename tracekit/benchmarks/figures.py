"""Honest figures: every number ``tracekit bench`` reports is the median of several runs,
shown with its min and max, with the machine's load beside it.

A measure function does one run and returns named numbers (``dict[str, float]``); a ratio
is computed inside that run, from a baseline and a workload measured side by side, so each
run's ratio is honest on its own. :func:`repeat` calls a measure function ``runs`` times and
:func:`summarise` turns the samples into :class:`Figure` values:

>>> import itertools
>>> clock = itertools.count(10)
>>> samples = repeat(lambda: {"cli_help_ms": float(next(clock))}, runs=5)
>>> figure = summarise(samples, {"cli_help_ms": "≤ 60"})["cli_help_ms"]
>>> figure.median, figure.min, figure.max, figure.runs, figure.unit
(12.0, 10.0, 14.0, 5, 'ms')

``tracekit bench --json`` prints a :class:`BenchReport`, a shape that stays stable for
machines::

    {
      "figures": {NAME: {"median": float, "min": float, "max": float, "runs": int,
                         "unit": str, "target": str | null, "note": str | null}},
      "load_average": {"start": [1m, 5m, 15m], "end": [1m, 5m, 15m]},
      "python": "3.11.9", "platform": "Linux-…", "cpus": 2,
      "quick": bool, "runs": int
    }

Names keep their meaning across versions; a new figure is a new name.
"""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = [
    "DEFAULT_RUNS",
    "BenchReport",
    "Figure",
    "LoadAverage",
    "as_json",
    "load_average",
    "repeat",
    "report_rows",
    "shown",
    "summarise",
    "unit_of",
]

#: Runs per figure: the median of five is the least that one slow run cannot move.
DEFAULT_RUNS = 5

#: What a measure function is: one run in, named numbers out.
Measure = Callable[[], Mapping[str, float]]

_UNITS = (
    ("_per_cpu_s", "/CPU s"),
    ("_per_s", "/s"),
    ("_ratio", "×"),
    ("_ms", "ms"),
    ("_us", "µs"),
    ("_mb", "MB"),
    ("_s", "s"),
    ("bytes_per_span", "B"),
)


class Figure(BaseModel):
    """One figure: the median of ``runs`` runs, with the fastest and the slowest."""

    model_config = ConfigDict(frozen=True)

    median: float
    min: float
    max: float
    runs: int
    unit: str
    target: str | None = None
    note: str | None = None


class LoadAverage(BaseModel):
    """The 1, 5 and 15 minute load averages when the bench started and when it ended: on a
    shared machine, figures from a loaded run are read with that in mind."""

    model_config = ConfigDict(frozen=True)

    start: list[float]
    end: list[float]


class BenchReport(BaseModel):
    """Everything ``tracekit bench --json`` prints (see the module docstring)."""

    model_config = ConfigDict(frozen=True)

    figures: dict[str, Figure]
    load_average: LoadAverage
    python: str
    platform: str
    cpus: int | None
    quick: bool
    runs: int

    @classmethod
    def of(
        cls, figures: dict[str, Figure], start_load: list[float], *, quick: bool, runs: int
    ) -> BenchReport:
        """A report of ``figures`` on this machine, ending now."""
        return cls(
            figures=dict(sorted(figures.items())),
            load_average=LoadAverage(start=start_load, end=load_average()),
            python=platform.python_version(),
            platform=platform.platform(),
            cpus=os.cpu_count(),
            quick=quick,
            runs=runs,
        )


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (empty where the system has none)."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return []


def repeat(measure: Measure, runs: int = DEFAULT_RUNS) -> dict[str, list[float]]:
    """Call ``measure`` ``runs`` times; each name's values, one per run."""
    if runs < 1:
        raise ValueError("runs must be at least 1")
    samples: dict[str, list[float]] = {}
    for _ in range(runs):
        for name, value in measure().items():
            samples.setdefault(name, []).append(float(value))
    return samples


def unit_of(name: str) -> str:
    """The unit a figure's name ends with: ``_ms`` is ms, ``_per_s`` is /s, ``_ratio`` ×.

    >>> unit_of("ingest_spans_per_s"), unit_of("ingest_spans_per_cpu_s"), unit_of("cli_help_ms")
    ('/s', '/CPU s', 'ms')
    """
    for suffix, unit in _UNITS:
        if name.endswith(suffix):
            return unit
    return ""


def summarise(
    samples: Mapping[str, list[float]],
    targets: Mapping[str, str] | None = None,
    notes: Mapping[str, str] | None = None,
) -> dict[str, Figure]:
    """Each name's samples as a :class:`Figure`, with its target and note when known."""
    targets = targets or {}
    notes = notes or {}
    return {
        name: Figure(
            median=statistics.median(values),
            min=min(values),
            max=max(values),
            runs=len(values),
            unit=unit_of(name),
            target=targets.get(name) or None,
            note=notes.get(name),
        )
        for name, values in samples.items()
        if values
    }


def shown(value: float) -> str:
    """A figure's value as the bench table prints it."""
    return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"


def report_rows(report: BenchReport) -> list[tuple[str, ...]]:
    """The bench table's rows: name, median, min, max, unit, target, note."""
    rows: list[tuple[str, ...]] = []
    for name, figure in report.figures.items():
        rows.append(
            (
                name,
                shown(figure.median),
                shown(figure.min),
                shown(figure.max),
                figure.unit,
                figure.target or "",
                figure.note or "",
            )
        )
    return rows


def as_json(report: BenchReport) -> dict[str, Any]:
    """The report as the JSON document ``bench --json`` prints."""
    return report.model_dump(mode="json")
