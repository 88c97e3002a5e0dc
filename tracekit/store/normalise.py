"""Foreign conventions to the store's promoted columns.

Spans that other instrumentations write name the same facts differently:

- the older GenAI semconv: ``gen_ai.system`` for the provider, ``gen_ai.usage.prompt_tokens``
  / ``completion_tokens`` for usage;
- OpenLLMetry (Traceloop): the older names plus ``llm.request.type`` (``chat``/``completion``),
  ``llm.usage.total_tokens``, ``gen_ai.usage.cache_read_input_tokens`` /
  ``cache_creation_input_tokens``, flattened messages ``gen_ai.prompt.{i}.*`` /
  ``gen_ai.completion.{i}.*``, and ``traceloop.span.kind`` / ``traceloop.entity.name`` for
  workflow, agent and tool spans;
- OpenInference (Arize Phoenix): ``openinference.span.kind`` (LLM, TOOL, AGENT, CHAIN, ...),
  ``llm.model_name``, ``llm.provider`` / ``llm.system``, ``llm.token_count.*``,
  ``tool.name``, ``agent.name``, ``input.value`` / ``output.value`` and flattened
  ``llm.input_messages.{i}.*`` / ``llm.output_messages.{i}.*``.

Only the promoted columns are filled (where our own names left them empty); the attributes
stay exactly as they came, except that foreign content (messages, inputs and outputs) moves to
the content side table like ours, and a foreign handoff (OpenAI Agents SDK handoff spans,
``transfer_to_{agent}`` handoff tools) gains tracekit's own ``tracekit.handoff.from`` / ``.to``
where the span names them, with operation ``handoff``: every reader of handoffs (the trace
tree, the span details, replay hints) then reads one spelling. Provider names are lower-cased
to the GenAI spelling (OpenLLMetry writes ``Anthropic``).
"""

from __future__ import annotations

from typing import Any

from tracekit import semconv as sc
from tracekit.otlp.conventions.openinference import handoff_tool_target
from tracekit.otlp.values import int_value as _int
from tracekit.otlp.values import text_value as _text

#: (operation, workflow, agent, model, provider, tool, input, output, cache read, cache write)
Promoted = tuple[
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    str | None,
    int | None,
    int | None,
    int | None,
    int | None,
]

_OPENINFERENCE_OPERATIONS = {
    sc.OI_LLM: sc.OP_CHAT,
    sc.OI_TOOL: sc.OP_EXECUTE_TOOL,
    sc.OI_AGENT: sc.OP_INVOKE_AGENT,
    sc.OI_EMBEDDING: sc.OP_EMBEDDINGS,
}
_REQUEST_TYPE_OPERATIONS = {
    "chat": sc.OP_CHAT,
    "completion": sc.OP_TEXT_COMPLETION,
    "embedding": sc.OP_EMBEDDINGS,
}
_TRACELOOP_OPERATIONS = {
    "workflow": sc.OP_INVOKE_WORKFLOW,
    "agent": sc.OP_INVOKE_AGENT,
    "tool": sc.OP_EXECUTE_TOOL,
}


def promote_foreign(
    attributes: dict[str, Any],
    name: str,
    promoted: Promoted,
    content: dict[str, Any],
    is_root: bool = False,
) -> Promoted:
    """The promoted columns of a span with foreign attributes, ``promoted`` (from our own
    names) filled in where empty. Moves foreign content keys from ``attributes`` to
    ``content``. ``is_root``: the span has no parent (a framework's run wrapper)."""
    for key in [key for key in attributes if sc.is_content_attribute(key)]:
        content[key] = attributes.pop(key)
    get = attributes.get
    operation, workflow, agent, model, provider, tool, tokens_in, tokens_out, cached, written = (
        promoted
    )
    oi_kind = _text(get(sc.OPENINFERENCE_SPAN_KIND))
    traceloop_kind = _text(get(sc.TRACELOOP_SPAN_KIND))
    entity = _text(get(sc.TRACELOOP_ENTITY_NAME))

    if operation is None:
        operation = (
            _OPENINFERENCE_OPERATIONS.get(oi_kind.upper() if oi_kind else "")
            or _REQUEST_TYPE_OPERATIONS.get(_text(get(sc.LLM_REQUEST_TYPE)) or "")
            or _TRACELOOP_OPERATIONS.get(traceloop_kind or "")
        )
    if operation is None and (
        name == sc.OPENLLMETRY_ANTHROPIC_CHAT_SPAN
        or (get(sc.GEN_AI_SYSTEM) is not None and model is not None)
    ):
        operation = sc.OP_CHAT

    if model is None:
        model = _text(get(sc.LLM_MODEL_NAME))
    if provider is None:
        raw = (
            _text(get(sc.GEN_AI_SYSTEM)) or _text(get(sc.LLM_PROVIDER)) or _text(get(sc.LLM_SYSTEM))
        )
        provider = raw.lower() if raw else None
    if tokens_in is None:
        tokens_in = _first_int(attributes, sc.GEN_AI_USAGE_PROMPT_TOKENS, sc.LLM_TOKEN_COUNT_PROMPT)
    if tokens_out is None:
        tokens_out = _first_int(
            attributes, sc.GEN_AI_USAGE_COMPLETION_TOKENS, sc.LLM_TOKEN_COUNT_COMPLETION
        )
    if cached is None:
        cached = _first_int(
            attributes, sc.LLM_USAGE_CACHE_READ_INPUT_TOKENS_OLD, sc.LLM_TOKEN_COUNT_CACHE_READ
        )
    if written is None:
        written = _first_int(
            attributes, sc.LLM_USAGE_CACHE_CREATION_INPUT_TOKENS_OLD, sc.LLM_TOKEN_COUNT_CACHE_WRITE
        )

    if tool is None and operation == sc.OP_EXECUTE_TOOL:
        tool = _text(get(sc.TOOL_NAME)) or entity or _name_after(name, sc.OP_EXECUTE_TOOL)
    if (
        operation == sc.OP_INVOKE_AGENT
        and is_root
        and oi_kind is not None
        and name == OPENAI_AGENTS_TRACE_NAME
        and get(sc.AGENT_NAME) is None
    ):
        # OpenInference's OpenAI Agents SDK processor opens each run with an AGENT span named
        # after the SDK's trace ("Agent workflow"): the run, not an agent.
        operation = sc.OP_INVOKE_WORKFLOW
        workflow = workflow or name
    if operation in (sc.OP_EXECUTE_TOOL, sc.OP_HANDOFF):
        handoff = _handoff(attributes, name, operation, tool, content)
        if handoff is not None:
            # A handoff, not a tool call: counted as neither a tool nor a model call. A
            # handoff tool keeps its name (the model called it); the SDK's own handoff span
            # is no tool.
            operation = sc.OP_HANDOFF
            if tool is not None and handoff_tool_target(tool) is None:
                tool = None
            agent = agent or handoff[0]
    if agent is None:
        agent = _text(get(sc.AGENT_NAME))
        if agent is None and operation == sc.OP_INVOKE_AGENT:
            # CrewAI (OpenInference) names agent spans after a method
            # ("weather researcher._execute_core"); graph.node.id has the agent's name.
            agent = (
                _text(get(sc.GRAPH_NODE_ID))
                or entity
                or _without_method(_name_after(name, sc.OP_INVOKE_AGENT))
            )
    if workflow is None:
        workflow = _text(get(sc.TRACELOOP_WORKFLOW_NAME))
        if workflow is None and operation == sc.OP_INVOKE_WORKFLOW:
            workflow = entity
    return (
        operation,
        workflow,
        agent,
        model,
        provider,
        tool,
        tokens_in,
        tokens_out,
        cached,
        written,
    )


#: The name the OpenAI Agents SDK gives a run's trace unless told otherwise.
OPENAI_AGENTS_TRACE_NAME = sc.OPENAI_AGENTS_TRACE_NAME


def _handoff(
    attributes: dict[str, Any],
    name: str,
    operation: str,
    tool: str | None,
    content: dict[str, Any],
) -> tuple[str | None, str | None] | None:
    """For a foreign handoff span, write tracekit's ``tracekit.handoff.from`` / ``.to`` into
    ``attributes`` (each only where the span names it: a target is never guessed) and return
    (from, to) as named; None (and nothing written) for any other span.

    - OpenLLMetry (OpenAI Agents SDK): operation ``handoff`` with
      ``gen_ai.handoff.from_agent`` / ``to_agent``; its span is named ``{from} → unknown``
      while the SDK does not know the target yet, and the target then stays unknown;
    - OpenInference (OpenAI Agents SDK): a TOOL span ``handoff to {agent}`` with the agent
      handing off in ``input.value`` and the one taking over in ``output.value``;
    - handoff tools ``transfer_to_{agent}`` (langgraph-supervisor, langgraph-swarm): the
      target in the name; the agent handing off is the one the tool ran under (read from the
      span's ancestry when the trace is shown).
    """
    get = attributes.get
    if operation == sc.OP_HANDOFF:
        source = _text(get(sc.GEN_AI_HANDOFF_FROM_AGENT)) or _text(get(sc.GEN_AI_AGENT_NAME))
        target = _text(get(sc.GEN_AI_HANDOFF_TO_AGENT))
    elif (
        name.startswith(sc.OPENAI_AGENTS_HANDOFF_PREFIX)
        and _text(get(sc.OPENINFERENCE_SPAN_KIND)) == sc.OI_TOOL
    ):
        source = _text(content.get(sc.INPUT_VALUE))
        target = _text(content.get(sc.OUTPUT_VALUE)) or (
            name[len(sc.OPENAI_AGENTS_HANDOFF_PREFIX) :] or None
        )
    else:
        target = handoff_tool_target(tool)
        if target is None:
            return None
        source = None
    if source is not None:
        attributes[sc.TRACEKIT_HANDOFF_FROM] = source
    if target is not None:
        attributes[sc.TRACEKIT_HANDOFF_TO] = target
    return source, target


def _without_method(name: str | None) -> str | None:
    """``name`` without a trailing private-method suffix (``researcher._execute_core``)."""
    if name is None:
        return None
    head, dot, tail = name.rpartition(".")
    return head if dot and head and tail.startswith("_") else name


def _first_int(attributes: dict[str, Any], *keys: str) -> int | None:
    for key in keys:
        value = _int(attributes.get(key))
        if value is not None:
            return value
    return None


def _name_after(name: str, operation: str) -> str | None:
    """``name`` without an ``"{operation} "`` prefix; OpenInference and Traceloop name agent and
    tool spans after the agent or tool (``Researcher``, ``search.tool``)."""
    prefix = f"{operation} "
    text = name[len(prefix) :] if name.startswith(prefix) else name
    return text or None
