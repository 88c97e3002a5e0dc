"""The OpenAI Agents SDK's spans (agent, handoff, generation, function, response), as its
OpenInference and OpenLLMetry instrumentations write them.

Both are read by their convention's normaliser; this module adds what only the SDK's
spans mean:

- OpenInference (scope ``openinference.instrumentation.openai_agents``): the trace's root
  span (named after the trace, ``Agent workflow`` by default) is kind ``AGENT`` but is the
  workflow, not an agent; agent spans name their agent in ``agent.name`` / ``graph.node.id``;
  a handoff is a ``TOOL`` span named ``handoff to {agent}`` with the agent handing off in
  ``input.value`` and the one taking over in ``output.value``.
- OpenLLMetry (scope ``opentelemetry.instrumentation.openai_agents``): spans follow the
  current GenAI semconv (``invoke_agent``, ``execute_tool``, ``chat``); the root
  ``Agent Workflow`` span is ``traceloop.span.kind=workflow``; a handoff is operation
  ``handoff`` named ``{from} → {to}.handoff`` with ``gen_ai.handoff.from_agent`` /
  ``to_agent``.
"""

from __future__ import annotations

from typing import Any

from tracekit import semconv as sc
from tracekit.otlp.conventions.model import Handoff
from tracekit.otlp.conventions.reading import SpanInput
from tracekit.otlp.values import text_value

NAME = "openai-agents"

OPENINFERENCE_SCOPE = "openinference.instrumentation.openai_agents"
OPENLLMETRY_SCOPE = "opentelemetry.instrumentation.openai_agents"
_HANDOFF_PREFIX = sc.OPENAI_AGENTS_HANDOFF_PREFIX


def applies(span: SpanInput) -> bool:
    """Whether the span comes from one of the SDK's instrumentations."""
    scope = span.scope_name or ""
    attrs = span.attributes
    return (
        scope.startswith((OPENINFERENCE_SCOPE, OPENLLMETRY_SCOPE))
        or attrs.get(sc.GEN_AI_OPERATION_NAME) == sc.OP_HANDOFF
        or sc.GEN_AI_HANDOFF_TO_AGENT in attrs
    )


def read(span: SpanInput) -> dict[str, Any]:
    """What the SDK's span means beyond its convention's attributes."""
    attrs = span.attributes
    if attrs.get(sc.GEN_AI_OPERATION_NAME) == sc.OP_HANDOFF or sc.GEN_AI_HANDOFF_TO_AGENT in attrs:
        return {
            "role": "handoff",
            "handoff": Handoff(
                from_agent=text_value(attrs.get(sc.GEN_AI_HANDOFF_FROM_AGENT)),
                to_agent=text_value(attrs.get(sc.GEN_AI_HANDOFF_TO_AGENT)),
            ),
        }
    if not (span.scope_name or "").startswith(OPENINFERENCE_SCOPE):
        return {}
    kind = text_value(attrs.get(sc.OPENINFERENCE_SPAN_KIND))
    if kind == sc.OI_TOOL and span.name.startswith(_HANDOFF_PREFIX):
        return {
            "role": "handoff",
            "agent": text_value(attrs.get(sc.INPUT_VALUE)),
            "handoff": Handoff(
                from_agent=text_value(attrs.get(sc.INPUT_VALUE)),
                to_agent=text_value(attrs.get(sc.OUTPUT_VALUE))
                or span.name[len(_HANDOFF_PREFIX) :],
            ),
        }
    if kind == sc.OI_AGENT and sc.AGENT_NAME not in attrs and sc.GRAPH_NODE_ID not in attrs:
        return {"role": "workflow"}
    return {}
