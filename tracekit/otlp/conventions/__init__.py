"""Spans of every convention read into tracekit's model: one normaliser per convention.

- :mod:`~tracekit.otlp.conventions.genai`: the current GenAI semconv (tracekit's own spans);
- :mod:`~tracekit.otlp.conventions.genai_legacy`: the older GenAI semconv;
- :mod:`~tracekit.otlp.conventions.openinference`: OpenInference (Arize Phoenix);
- :mod:`~tracekit.otlp.conventions.openllmetry`: OpenLLMetry (Traceloop);
- :mod:`~tracekit.otlp.conventions.anthropic_native`: the Anthropic SDK's own spans;
- :mod:`~tracekit.otlp.conventions.openai_agents`: the OpenAI Agents SDK through
  OpenInference and OpenLLMetry.

:func:`normalise_span` asks each and merges what they say into a :class:`NormalisedSpan`:
role, agent, model, provider, tokens, cost, tool call, handoff and the conversation as
:class:`Message` values in the GenAI semconv message schema.
"""

from tracekit.otlp.conventions.model import (
    Handoff,
    Message,
    NormalisedSpan,
    Part,
    SpanRole,
    ToolCall,
)
from tracekit.otlp.conventions.normalise import (
    NORMALISERS,
    normalise_attributes,
    normalise_messages,
    normalise_otlp,
    normalise_span,
)
from tracekit.otlp.conventions.reading import SpanEvent, SpanInput

__all__ = [
    "NORMALISERS",
    "Handoff",
    "Message",
    "NormalisedSpan",
    "Part",
    "SpanEvent",
    "SpanInput",
    "SpanRole",
    "ToolCall",
    "normalise_attributes",
    "normalise_messages",
    "normalise_otlp",
    "normalise_span",
]
