"""The normalised ``messages`` ``tracekit show --json`` puts on each model-call span, added to
the plain document :meth:`TraceStore.get_trace_document` builds: no Rich and no model per
span, the same document :func:`tracekit.cli.conversation_view.trace_document` gives.

Only the conversation is read (:func:`~tracekit.otlp.conventions.normalise_messages`), not
the whole normalised span. Most spans of tracekit's own are settled before the conventions
are even loaded (:func:`settled_messages`): a tool, agent or workflow span by its operation
name, and a model call that carries only the attributes tracekit records on one (no
conversation) has none. Only the other spans load the conventions (and pydantic, whose
:class:`~tracekit.otlp.conventions.Message` models they build): what a trace of tracekit's
own without recorded content never needs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from tracekit import semconv as sc

__all__ = [
    "MODEL_CALL_KEYS",
    "UNSETTLED",
    "add_messages",
    "finite_floats",
    "float_checks",
    "settled_messages",
]

#: What :func:`settled_messages` says of a span it cannot settle without the conventions.
UNSETTLED: Final = object()

#: tracekit's own instrumentation scope (``tracekit.telemetry.INSTRUMENTATION_SCOPE``, not
#: imported: it loads the OTel SDK); its other scopes are named under it (``tracekit.http``).
_OWN_SCOPE = "tracekit"

#: The roles the current GenAI semconv reads from an operation name, as
#: :func:`tracekit.otlp.conventions.genai.role` does (a test holds the two together).
_ROLES: Final = {
    sc.OP_INVOKE_WORKFLOW: "workflow",
    sc.OP_INVOKE_AGENT: "agent",
    sc.OP_EXECUTE_TOOL: "tool",
    **{operation: "llm" for operation in sc.LLM_OPERATIONS},
}

#: The attributes tracekit records on a model call besides its conversation: none of them is
#: a message, and no convention but the GenAI semconv (and OpenInference, through
#: ``openinference.span.kind``, which says "LLM" and nothing said) reads one, so a model
#: call carrying only these has no messages. A test checks it against every normaliser.
MODEL_CALL_KEYS: Final = frozenset(
    {
        sc.GEN_AI_OPERATION_NAME,
        sc.GEN_AI_PROVIDER_NAME,
        sc.GEN_AI_CONVERSATION_ID,
        sc.GEN_AI_AGENT_NAME,
        sc.GEN_AI_AGENT_ID,
        sc.GEN_AI_REQUEST_MODEL,
        sc.GEN_AI_REQUEST_MAX_TOKENS,
        sc.GEN_AI_REQUEST_TEMPERATURE,
        sc.GEN_AI_RESPONSE_MODEL,
        sc.GEN_AI_RESPONSE_ID,
        sc.GEN_AI_RESPONSE_FINISH_REASONS,
        sc.GEN_AI_USAGE_INPUT_TOKENS,
        sc.GEN_AI_USAGE_OUTPUT_TOKENS,
        sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
        sc.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
        sc.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
        sc.ERROR_TYPE,
        sc.SESSION_ID,
        sc.OPENINFERENCE_SPAN_KIND,
        sc.TRACEKIT_COST_USD,
        sc.TRACEKIT_AGENT_PATH,
        sc.TRACEKIT_CALL_SITE,
        sc.TRACEKIT_STEP_SEQUENCE,
        sc.TRACEKIT_CACHE_HIT,
        sc.TRACEKIT_CALL_KEY,
        sc.TRACEKIT_CALL_ORDER,
        sc.TRACEKIT_CIRCUIT_STATE,
        sc.TRACEKIT_RUN_SEED,
        sc.TRACEKIT_STREAM_DELTAS,
        sc.TRACEKIT_VALIDATION_ERROR,
    }
)
_OWN_EVENT_PREFIX = "tracekit."


def settled_messages(
    name: str,
    attributes: Mapping[str, Any],
    event_names: Iterable[str],
    scope_name: str | None,
) -> list[Any] | object | None:
    """What :func:`~tracekit.otlp.conventions.normalise_messages` gives for a span of
    tracekit's own, where that is known without the conventions: None for a tool, agent or
    workflow span (its operation name settles it), ``[]`` for a model call carrying only
    :data:`MODEL_CALL_KEYS` and tracekit's own events; :data:`UNSETTLED` for any other span
    (a foreign scope, the Anthropic SDK's span, a handoff, a conversation to read).

    >>> settled_messages("execute_tool t", {"gen_ai.operation.name": "execute_tool"}, (), None)
    >>> settled_messages("chat m", {"gen_ai.operation.name": "chat"}, (), "tracekit")
    []
    """
    # The normalisers asked before the GenAI semconv's: the OpenAI Agents SDK's (a foreign
    # scope, a handoff) and the Anthropic SDK's (its span name, its scope).
    if (
        scope_name is not None
        and scope_name != _OWN_SCOPE
        and not scope_name.startswith(_OWN_SCOPE + ".")
    ):
        return UNSETTLED
    if name == sc.ANTHROPIC_SPAN_NAME or sc.GEN_AI_HANDOFF_TO_AGENT in attributes:
        return UNSETTLED
    operation = attributes.get(sc.GEN_AI_OPERATION_NAME)
    role = _ROLES.get(operation) if type(operation) is str else None
    if role is None:
        return UNSETTLED
    if role != "llm":
        return None
    if not MODEL_CALL_KEYS.issuperset(attributes):
        return UNSETTLED
    if any(not event.startswith(_OWN_EVENT_PREFIX) for event in event_names):
        return UNSETTLED
    return []


def add_messages(document: dict[str, Any], content: Mapping[str, dict[str, Any]]) -> None:
    """Give each model-call span of ``document`` (in place) its conversation as ``messages``
    (the GenAI semconv message schema), read whichever convention recorded it; ``content``
    is the trace's content attributes by span id (:meth:`TraceStore.get_trace_content`)."""
    normalise: Callable[[dict[str, Any], Mapping[str, Any]], list[Any] | None] | None = None
    for span in document["spans"]:
        attributes = span["attributes"] or {}
        extra = content.get(span["span_id"]) if content else None
        merged = {**attributes, **extra} if extra else attributes
        events = span["events"]
        names = [event["name"] for event in events] if events else ()
        found = settled_messages(span["name"], merged, names, span["scope_name"])
        if found is UNSETTLED:
            if normalise is None:
                normalise = _normaliser()
            found = normalise(span, merged)
        if found is not None:
            span["messages"] = found


def _normaliser() -> Callable[[dict[str, Any], Mapping[str, Any]], list[Any] | None]:
    # The conventions (and pydantic) load only for a span settled_messages cannot settle.
    from tracekit.otlp.conventions import SpanEvent, SpanInput, normalise_messages

    def normalise(span: dict[str, Any], attributes: Mapping[str, Any]) -> list[Any] | None:
        found = normalise_messages(
            SpanInput(
                name=span["name"],
                attributes=attributes,
                events=[
                    SpanEvent(event["name"], event["attributes"] or {}) for event in span["events"]
                ],
                scope_name=span["scope_name"],
            )
        )
        if found is None:
            return None
        return [message.model_dump(mode="json", exclude_none=True) for message in found]

    return normalise


def finite_floats(document: dict[str, Any]) -> bool:
    """Whether every float in ``document`` (a trace document with its messages) is finite,
    so it can be written by orjson (see :func:`~tracekit.cli.json_text.indented_json`).

    Only the float fields can hold an infinity or NaN: the summary's and each span's cost
    (``model_dump(mode="json")`` writes one as it is), and whatever the messages hold. The
    parsed JSON of a span's attributes, resource and events cannot: a span whose text says
    ``Infinity`` or ``NaN`` was written through the models, which write those as ``null``.
    """
    summary_cost = document["summary"]["cost_usd"]
    if summary_cost is not None and not math.isfinite(summary_cost):
        return False
    isfinite = math.isfinite
    for span in document["spans"]:
        cost = span["cost_usd"]
        if cost is not None and not isfinite(cost):
            return False
        messages = span.get("messages")
        if messages and not _finite(messages):
            return False
    return True


def float_checks(document: dict[str, Any]) -> tuple[bool, bool]:
    """:func:`finite_floats` of ``document``, and whether its summary's and spans' costs are
    floats orjson writes as ``repr`` does (none
    :func:`~tracekit.cli.json_text.needs_respelling`) and no span has messages (whose floats
    are not looked at): with JSON texts of plain numbers, the whole document's. One pass.
    """
    from tracekit.cli.json_text import needs_respelling

    cost = document["summary"]["cost_usd"]
    if cost is not None and not math.isfinite(cost):
        return False, False
    plain = cost is None or not needs_respelling(cost)
    isfinite = math.isfinite
    for span in document["spans"]:
        cost = span["cost_usd"]
        if cost is not None:
            if not isfinite(cost):
                return False, False
            if plain and needs_respelling(cost):
                plain = False
        messages = span.get("messages")
        if messages:
            plain = False
            if not _finite(messages):
                return False, False
    return True, plain


def _finite(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(item) for item in value.values())
    if isinstance(value, list):
        return all(_finite(item) for item in value)
    return True
