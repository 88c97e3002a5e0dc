"""One entry point for every convention: :func:`normalise_span` reads a span with each
normaliser that applies to it and merges what they found.

Normalisers are asked in order of how specific they are: the OpenAI Agents SDK's spans
first (they are OpenInference or OpenLLMetry spans with meaning of their own), then the
Anthropic SDK's spans, the current GenAI semconv (tracekit's own spans), OpenInference,
OpenLLMetry and the older GenAI semconv. A figure comes from the first normaliser that has
it; the conversation from the first that has one. A span can carry several conventions at
once (tracekit's own spans carry ``openinference.span.kind`` for Phoenix).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tracekit.otlp.conventions import (
    anthropic_native,
    genai,
    genai_legacy,
    openai_agents,
    openinference,
    openllmetry,
)
from tracekit.otlp.conventions.model import Message, NormalisedSpan
from tracekit.otlp.conventions.reading import SpanEvent, SpanInput
from tracekit.otlp.model import OtlpSpan

_Normaliser = tuple[str, Callable[[SpanInput], bool], Callable[[SpanInput], dict[str, Any]]]
NORMALISERS: tuple[_Normaliser, ...] = tuple(
    (module.NAME, module.applies, module.read)
    for module in (
        openai_agents,
        anthropic_native,
        genai,
        openinference,
        openllmetry,
        genai_legacy,
    )
)


def normalise_span(span: SpanInput) -> NormalisedSpan:
    """The span in tracekit's model.

    >>> span = SpanInput("chat m", {"gen_ai.operation.name": "chat",
    ...     "gen_ai.input.messages": '[{"role": "user", "parts": [{"type": "text", '
    ...     '"content": "hi"}]}]'})
    >>> normal = normalise_span(span)
    >>> normal.role, normal.messages[0].role, normal.messages[0].text()
    ('llm', 'user', 'hi')
    """
    merged: dict[str, Any] = {}
    conventions: list[str] = []
    for name, applies, read in NORMALISERS:
        if not applies(span):
            continue
        found = False
        for key, value in read(span).items():
            if value is None or value == [] or key in merged:
                continue
            merged[key] = value
            found = True
        if found:
            conventions.append(name)
    if merged.get("role") == "workflow":
        # A framework's root span names the run, not an agent (OpenInference's
        # "Agent workflow" is kind AGENT).
        merged.pop("agent", None)
    return NormalisedSpan(conventions=conventions, **merged)


def normalise_messages(span: SpanInput) -> list[Message] | None:
    """``normalise_span(span).messages`` for a model call, None for any other span: the same
    merge (the role from the first normaliser that names one, the conversation from the first
    that has one), stopping as soon as both are settled, and reading of the current GenAI
    semconv (tracekit's own spans) only the operation name and the messages.

    >>> normalise_messages(SpanInput("execute_tool t", {"gen_ai.operation.name": "execute_tool"}))
    >>> span = SpanInput("chat m", {"gen_ai.operation.name": "chat"})
    >>> normalise_messages(span)
    []
    """
    role: str | None = None
    messages: list[Message] = []
    for name, applies, read in NORMALISERS:
        if not applies(span):
            continue
        if name == genai.NAME:
            # What genai.read says of both, without reading the rest of its facts.
            role = role or genai.role(span)
            if role is not None and role != "llm":
                return None
            messages = messages or genai.conversation(span.attributes)
        else:
            facts = read(span)
            role = role or facts.get("role")
            messages = messages or facts.get("messages") or []
        if role is not None and (role != "llm" or messages):
            break
    return messages if role == "llm" else None


def normalise_attributes(
    name: str,
    attributes: Mapping[str, Any],
    content: Mapping[str, Any] | None = None,
    events: Iterable[Any] = (),
    scope_name: str | None = None,
) -> NormalisedSpan:
    """:func:`normalise_span` of a stored span: its attributes, its content (the side table's
    messages and payloads) and its events (anything with ``name`` and ``attributes``)."""
    merged = {**attributes, **content} if content else attributes
    return normalise_span(
        SpanInput(
            name=name,
            attributes=merged,
            events=[SpanEvent(event.name, event.attributes or {}) for event in events],
            scope_name=scope_name,
        )
    )


def normalise_otlp(span: OtlpSpan) -> NormalisedSpan:
    """:func:`normalise_span` of an :class:`~tracekit.otlp.OtlpSpan` (a trace file's span,
    content in its attributes)."""
    return normalise_attributes(span.name, span.attributes, None, span.events, span.scope_name)
