"""What ``tracekit stats`` groups by: constants, so a command's ``--help`` can name them
without loading the figures' pydantic models (:mod:`tracekit.store.figures`)."""

from __future__ import annotations

from typing import Literal

__all__ = ["FIGURE_DIMENSIONS", "FigureDimension"]

#: What stats can be grouped by: agent calls, LLM calls per model, runs per workflow, tool
#: calls per tool, runs per service.
FigureDimension = Literal["agent", "model", "workflow", "tool", "service"]
FIGURE_DIMENSIONS: tuple[FigureDimension, ...] = ("agent", "model", "workflow", "tool", "service")
