"""The Anthropic SDK's own OpenTelemetry spans (``anthropic.messages.create``, DESIGN §9).

They follow the current GenAI semconv (read by :mod:`~tracekit.otlp.conventions.genai`); this
module adds what is the SDK's own: the span is a model call whatever its operation says, the
provider is Anthropic, cache creation is spelled ``cache_write``, and the stop reason
(``anthropic.message.stop_reason``) is the output's finish reason when the output message
has none. Tool results arrive as the user's turn (the wire format) and read as ``tool``
messages (see :mod:`~tracekit.otlp.conventions.messages`).
"""

from __future__ import annotations

from typing import Any

from tracekit import semconv as sc
from tracekit.otlp.conventions.genai import conversation
from tracekit.otlp.conventions.reading import SpanInput, first_int
from tracekit.otlp.values import text_value

NAME = "anthropic"
_SCOPE = "anthropic"


def applies(span: SpanInput) -> bool:
    """Whether the span is the SDK's own model-call span."""
    return span.name == sc.ANTHROPIC_SPAN_NAME or span.scope_name == _SCOPE


def read(span: SpanInput) -> dict[str, Any]:
    """The SDK span's facts beyond the GenAI semconv ones."""
    attrs = span.attributes
    stop = text_value(attrs.get(sc.ANTHROPIC_STOP_REASON))
    messages = conversation(attrs)
    if stop:
        messages = [
            m.model_copy(update={"finish_reason": stop}) if m.output and not m.finish_reason else m
            for m in messages
        ]
    return {
        "role": "llm",
        "provider": text_value(attrs.get(sc.GEN_AI_PROVIDER_NAME)) or "anthropic",
        "cache_write_tokens": first_int(
            attrs,
            sc.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
            sc.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
        ),
        "messages": messages,
    }
