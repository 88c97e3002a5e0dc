"""Attribute, span-name and metric constants: the one place a ``gen_ai.*`` name is spelled.

Names follow the OpenTelemetry GenAI semantic conventions (v1.41 and the
``semantic-conventions-genai`` repository since). tracekit's own names live under
``tracekit.*``; OpenInference's one attribute lets Arize Phoenix render our spans.
"""

from __future__ import annotations

from typing import Final

# --- operation names (gen_ai.operation.name values) -------------------------------------------
OP_INVOKE_WORKFLOW: Final = "invoke_workflow"
OP_INVOKE_AGENT: Final = "invoke_agent"
OP_CHAT: Final = "chat"
OP_EXECUTE_TOOL: Final = "execute_tool"
#: Operations of a model call (chat and the older completion-style names).
LLM_OPERATIONS: Final = frozenset({OP_CHAT, "text_completion", "generate_content"})
#: Operations that are one "step" of an agent: a model call or a tool call.
STEP_OPERATIONS: Final = LLM_OPERATIONS | {OP_EXECUTE_TOOL}

# --- GenAI attributes ---------------------------------------------------------------------------
GEN_AI_OPERATION_NAME: Final = "gen_ai.operation.name"
GEN_AI_PROVIDER_NAME: Final = "gen_ai.provider.name"
GEN_AI_CONVERSATION_ID: Final = "gen_ai.conversation.id"
GEN_AI_WORKFLOW_NAME: Final = "gen_ai.workflow.name"
GEN_AI_AGENT_NAME: Final = "gen_ai.agent.name"
GEN_AI_AGENT_ID: Final = "gen_ai.agent.id"
GEN_AI_AGENT_DESCRIPTION: Final = "gen_ai.agent.description"
GEN_AI_REQUEST_MODEL: Final = "gen_ai.request.model"
GEN_AI_REQUEST_MAX_TOKENS: Final = "gen_ai.request.max_tokens"
GEN_AI_REQUEST_TEMPERATURE: Final = "gen_ai.request.temperature"
GEN_AI_RESPONSE_MODEL: Final = "gen_ai.response.model"
GEN_AI_RESPONSE_ID: Final = "gen_ai.response.id"
GEN_AI_RESPONSE_FINISH_REASONS: Final = "gen_ai.response.finish_reasons"
GEN_AI_USAGE_INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"
GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: Final = "gen_ai.usage.cache_read.input_tokens"
GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS: Final = "gen_ai.usage.cache_creation.input_tokens"
#: The Anthropic SDK (2.x) spells cache creation as ``cache_write``; ingest reads both.
GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS: Final = "gen_ai.usage.cache_write.input_tokens"
GEN_AI_TOOL_NAME: Final = "gen_ai.tool.name"
GEN_AI_TOOL_TYPE: Final = "gen_ai.tool.type"
GEN_AI_TOOL_DESCRIPTION: Final = "gen_ai.tool.description"
GEN_AI_TOOL_CALL_ID: Final = "gen_ai.tool.call.id"
GEN_AI_TOOL_CALL_ARGUMENTS: Final = "gen_ai.tool.call.arguments"
GEN_AI_TOOL_CALL_RESULT: Final = "gen_ai.tool.call.result"
GEN_AI_TOOL_DEFINITIONS: Final = "gen_ai.tool.definitions"
GEN_AI_INPUT_MESSAGES: Final = "gen_ai.input.messages"
GEN_AI_OUTPUT_MESSAGES: Final = "gen_ai.output.messages"
GEN_AI_SYSTEM_INSTRUCTIONS: Final = "gen_ai.system_instructions"
GEN_AI_TOKEN_TYPE: Final = "gen_ai.token.type"

# --- general OTel attributes --------------------------------------------------------------------
ERROR_TYPE: Final = "error.type"
SERVICE_NAME: Final = "service.name"
#: A user session across runs (OTel's general ``session.id``; OpenInference uses it too).
SESSION_ID: Final = "session.id"

# --- OpenInference (Arize Phoenix) --------------------------------------------------------------
OPENINFERENCE_SPAN_KIND: Final = "openinference.span.kind"
OI_AGENT: Final = "AGENT"
OI_LLM: Final = "LLM"
OI_TOOL: Final = "TOOL"
OI_CHAIN: Final = "CHAIN"

# --- Anthropic SDK's own span -------------------------------------------------------------------
ANTHROPIC_SPAN_NAME: Final = "anthropic.messages.create"
ANTHROPIC_STOP_REASON: Final = "anthropic.message.stop_reason"

# --- tracekit's own attributes ------------------------------------------------------------------
TRACEKIT_COST_USD: Final = "tracekit.cost.usd"
TRACEKIT_WORKFLOW_ENTRYPOINT: Final = "tracekit.workflow.entrypoint"
TRACEKIT_WORKFLOW_INPUT: Final = "tracekit.workflow.input"
TRACEKIT_WORKFLOW_OUTPUT: Final = "tracekit.workflow.output"
TRACEKIT_WORKFLOW_STATUS: Final = "tracekit.workflow.status"
TRACEKIT_WORKFLOW_STOP_REASON: Final = "tracekit.workflow.stop_reason"
TRACEKIT_AGENT_PATH: Final = "tracekit.agent.path"
TRACEKIT_AGENT_INPUT: Final = "tracekit.agent.input"
TRACEKIT_AGENT_OUTPUT: Final = "tracekit.agent.output"
TRACEKIT_AGENT_SEQUENCE: Final = "tracekit.agent.sequence"
TRACEKIT_CALL_SITE: Final = "tracekit.call_site"
TRACEKIT_STEP_SEQUENCE: Final = "tracekit.step.sequence"
TRACEKIT_HANDOFF_FROM: Final = "tracekit.handoff.from"
TRACEKIT_HANDOFF_TO: Final = "tracekit.handoff.to"
TRACEKIT_STATE_CHANGES: Final = "tracekit.state.changes"
TRACEKIT_CACHE_HIT: Final = "tracekit.cache.hit"
#: An agent call's structural key: its parent call's key, then its index among that parent's
#: calls of the agent (``researcher#0/helper#1``; a fallback: ``writer#2/fallback:editor#0``).
TRACEKIT_CALL_KEY: Final = "tracekit.call.key"
#: The agent call's position among its parent's calls (a fallback shares its failed call's).
TRACEKIT_CALL_ORDER: Final = "tracekit.call.order"
#: What the agent's circuit breaker said when the call began: closed, open or half_open.
TRACEKIT_CIRCUIT_STATE: Final = "tracekit.circuit.state"
#: The seed the run gave ``random`` (and its own generator); replay gives it back.
TRACEKIT_RUN_SEED: Final = "tracekit.run.seed"
#: True on a tool span whose tool ran for real during a replay (its result is compared).
TRACEKIT_TOOL_LIVE: Final = "tracekit.tool.live"
TRACEKIT_VALIDATION_ERROR: Final = "tracekit.validation.error"
#: On a streamed LLM span: what the stream delivered, in order, as compact JSON (a string per
#: text delta, ``{"tool_call": …}`` per tool call, ``{"usage": [in, out, cache read, write]}``
#: per usage report), so a replay re-emits the same deltas.
TRACEKIT_STREAM_DELTAS: Final = "tracekit.stream.deltas"

# --- forks (a recorded run replayed up to a step, then run live with overrides) ---------------
#: On a fork's workflow span: the trace it was forked from (its root also links to it).
TRACEKIT_FORK_PARENT_TRACE_ID: Final = "tracekit.fork.parent_trace_id"
#: On a fork's workflow span: the step it went live at (``writer#2``, ``writer#2/llm[1]``).
TRACEKIT_FORK_AT: Final = "tracekit.fork.at"
#: On a fork's workflow span: the overrides it ran with, as JSON (models, instructions, ...).
TRACEKIT_FORK_OVERRIDES: Final = "tracekit.fork.overrides"
#: On a fork's LLM and tool spans: answered from the parent's recording (the prefix).
TRACEKIT_FORK_RECORDED: Final = "tracekit.fork.recorded"
#: On the span link from a fork's root to its parent's root: what the link means.
TRACEKIT_LINK_TYPE: Final = "tracekit.link.type"
LINK_TYPE_FORKED_FROM: Final = "forked_from"

# --- recorded HTTP exchanges (apps that call the Anthropic SDK directly; replay) -----------------
HTTP_REQUEST_METHOD: Final = "http.request.method"
HTTP_RESPONSE_STATUS_CODE: Final = "http.response.status_code"
URL_FULL: Final = "url.full"
SERVER_ADDRESS: Final = "server.address"
#: Instrumentation scope of the spans the HTTP recorder writes (one per request/response).
TRACEKIT_HTTP_SCOPE: Final = "tracekit.http"
#: Request body: canonical JSON (sorted keys, secrets scrubbed), or the text as sent.
TRACEKIT_HTTP_REQUEST_BODY: Final = "tracekit.http.request.body"
#: Request headers as a JSON object, credentials redacted.
TRACEKIT_HTTP_REQUEST_HEADERS: Final = "tracekit.http.request.headers"
#: Response headers as a JSON object, sensitive ones redacted, transfer encodings removed.
TRACEKIT_HTTP_RESPONSE_HEADERS: Final = "tracekit.http.response.headers"
#: Response body as received (decoded text), for responses that are not an event stream.
TRACEKIT_HTTP_RESPONSE_BODY: Final = "tracekit.http.response.body"
#: Server-sent events as received: a JSON list of ``{"event", "data"}`` in arrival order.
TRACEKIT_HTTP_RESPONSE_EVENTS: Final = "tracekit.http.response.events"
HTTP_CONTENT_ATTRIBUTES: Final = frozenset(
    {
        TRACEKIT_HTTP_REQUEST_BODY,
        TRACEKIT_HTTP_REQUEST_HEADERS,
        TRACEKIT_HTTP_RESPONSE_HEADERS,
        TRACEKIT_HTTP_RESPONSE_BODY,
        TRACEKIT_HTTP_RESPONSE_EVENTS,
    }
)

#: Attributes that carry message or tool content: kept locally, left out of OTLP export
#: unless asked for, and stored in the content side table.
CONTENT_ATTRIBUTES: Final = frozenset(
    {
        *HTTP_CONTENT_ATTRIBUTES,
        GEN_AI_INPUT_MESSAGES,
        GEN_AI_OUTPUT_MESSAGES,
        GEN_AI_SYSTEM_INSTRUCTIONS,
        GEN_AI_TOOL_CALL_ARGUMENTS,
        GEN_AI_TOOL_CALL_RESULT,
        GEN_AI_TOOL_DEFINITIONS,
        TRACEKIT_AGENT_INPUT,
        TRACEKIT_AGENT_OUTPUT,
        TRACEKIT_WORKFLOW_INPUT,
        TRACEKIT_WORKFLOW_OUTPUT,
        TRACEKIT_STATE_CHANGES,
        TRACEKIT_STREAM_DELTAS,
    }
)

# --- tracekit span events (guardrail outcomes; never silent) ------------------------------------
EVENT_LIMIT_EXCEEDED: Final = "tracekit.limit.exceeded"
EVENT_LOOP_DETECTED: Final = "tracekit.loop.detected"
EVENT_APPROVAL: Final = "tracekit.approval"
EVENT_RETRY: Final = "tracekit.retry"
EVENT_FALLBACK: Final = "tracekit.fallback"
EVENT_CIRCUIT_OPEN: Final = "tracekit.circuit.open"
EVENT_STATE_CHANGED: Final = "tracekit.state.changed"
#: A check on an agent's output failed (``tracekit.reason`` says why; what came next is
#: ``tracekit.check.action``: retry, fallback or fail).
EVENT_CHECK: Final = "tracekit.check"
GUARDRAIL_EVENTS: Final = frozenset(
    {
        EVENT_CHECK,
        EVENT_LIMIT_EXCEEDED,
        EVENT_LOOP_DETECTED,
        EVENT_APPROVAL,
        EVENT_RETRY,
        EVENT_FALLBACK,
        EVENT_CIRCUIT_OPEN,
    }
)
# event attribute keys
EVENT_LIMIT_NAME: Final = "tracekit.limit.name"
EVENT_LIMIT_VALUE: Final = "tracekit.limit.value"
EVENT_LIMIT_OBSERVED: Final = "tracekit.limit.observed"
EVENT_APPROVAL_DECISION: Final = "tracekit.approval.decision"
#: Who decided: the approver ``policy``, or the ``recording`` (replay with an interactive one).
EVENT_APPROVAL_SOURCE: Final = "tracekit.approval.source"
#: The approver's qualified name, as recorded.
EVENT_APPROVAL_POLICY: Final = "tracekit.approval.policy"
EVENT_RETRY_ATTEMPT: Final = "tracekit.retry.attempt"
EVENT_RETRY_DELAY_S: Final = "tracekit.retry.delay_s"
EVENT_FALLBACK_TO: Final = "tracekit.fallback.to"
EVENT_REASON: Final = "tracekit.reason"
EVENT_CHECK_NAME: Final = "tracekit.check.name"
EVENT_CHECK_ACTION: Final = "tracekit.check.action"
#: Which answer of the agent call failed the check (1 for the first).
EVENT_CHECK_ATTEMPT: Final = "tracekit.check.attempt"

# --- metrics ------------------------------------------------------------------------------------
METRIC_TOKEN_USAGE: Final = "gen_ai.client.token.usage"
METRIC_OPERATION_DURATION: Final = "gen_ai.client.operation.duration"
#: Bucket boundaries the GenAI semconv gives for the two client histograms.
TOKEN_USAGE_BUCKETS: Final = (
    1,
    4,
    16,
    64,
    256,
    1024,
    4096,
    16384,
    65536,
    262144,
    1048576,
    4194304,
    16777216,
    67108864,
)
OPERATION_DURATION_BUCKETS: Final = (
    0.01,
    0.02,
    0.04,
    0.08,
    0.16,
    0.32,
    0.64,
    1.28,
    2.56,
    5.12,
    10.24,
    20.48,
    40.96,
    81.92,
)

# --- span names -----------------------------------------------------------------------------------


def workflow_span_name(workflow: str) -> str:
    """``invoke_workflow {name}``."""
    return f"{OP_INVOKE_WORKFLOW} {workflow}"


def agent_span_name(agent: str) -> str:
    """``invoke_agent {agent}``."""
    return f"{OP_INVOKE_AGENT} {agent}"


def chat_span_name(model: str) -> str:
    """``chat {model}``."""
    return f"{OP_CHAT} {model}"


def tool_span_name(tool: str) -> str:
    """``execute_tool {tool}``."""
    return f"{OP_EXECUTE_TOOL} {tool}"


# --- foreign conventions (normalised at ingest into the promoted columns) ------------------------
# Older GenAI semconv (before v1.37 / v1.28): the provider was ``gen_ai.system`` and usage was
# counted in prompt/completion tokens. OpenLLMetry (Traceloop) still writes these.
GEN_AI_SYSTEM: Final = "gen_ai.system"
GEN_AI_USAGE_PROMPT_TOKENS: Final = "gen_ai.usage.prompt_tokens"
GEN_AI_USAGE_COMPLETION_TOKENS: Final = "gen_ai.usage.completion_tokens"
GEN_AI_USAGE_TOTAL_TOKENS: Final = "gen_ai.usage.total_tokens"
#: OpenLLMetry's flattened messages: ``gen_ai.prompt.{i}.role|content``,
#: ``gen_ai.completion.{i}.role|content|finish_reason|tool_calls.{j}.*``.
GEN_AI_PROMPT_PREFIX: Final = "gen_ai.prompt."
GEN_AI_COMPLETION_PREFIX: Final = "gen_ai.completion."
# OpenLLMetry (opentelemetry-semantic-conventions-ai and its Anthropic instrumentation, whose
# LLM span is named ``anthropic.chat``).
OPENLLMETRY_ANTHROPIC_CHAT_SPAN: Final = "anthropic.chat"
LLM_REQUEST_TYPE: Final = "llm.request.type"
LLM_USAGE_TOTAL_TOKENS: Final = "llm.usage.total_tokens"
LLM_USAGE_CACHE_READ_INPUT_TOKENS_OLD: Final = "gen_ai.usage.cache_read_input_tokens"
LLM_USAGE_CACHE_CREATION_INPUT_TOKENS_OLD: Final = "gen_ai.usage.cache_creation_input_tokens"
TRACELOOP_SPAN_KIND: Final = "traceloop.span.kind"
TRACELOOP_ENTITY_NAME: Final = "traceloop.entity.name"
TRACELOOP_WORKFLOW_NAME: Final = "traceloop.workflow.name"
TRACELOOP_ENTITY_INPUT: Final = "traceloop.entity.input"
TRACELOOP_ENTITY_OUTPUT: Final = "traceloop.entity.output"
# OpenInference (Arize Phoenix; used by its LangChain/LangGraph, OpenAI Agents, CrewAI and
# Anthropic instrumentations). ``openinference.span.kind`` is above.
OI_EMBEDDING: Final = "EMBEDDING"
LLM_MODEL_NAME: Final = "llm.model_name"
LLM_PROVIDER: Final = "llm.provider"
LLM_SYSTEM: Final = "llm.system"
LLM_TOKEN_COUNT_PROMPT: Final = "llm.token_count.prompt"
LLM_TOKEN_COUNT_COMPLETION: Final = "llm.token_count.completion"
LLM_TOKEN_COUNT_TOTAL: Final = "llm.token_count.total"
LLM_TOKEN_COUNT_CACHE_READ: Final = "llm.token_count.prompt_details.cache_read"
LLM_TOKEN_COUNT_CACHE_WRITE: Final = "llm.token_count.prompt_details.cache_write"
LLM_INVOCATION_PARAMETERS: Final = "llm.invocation_parameters"
LLM_INPUT_MESSAGES_PREFIX: Final = "llm.input_messages."
LLM_OUTPUT_MESSAGES_PREFIX: Final = "llm.output_messages."
TOOL_NAME: Final = "tool.name"
TOOL_CALL_FUNCTION_ARGUMENTS: Final = "tool_call.function.arguments"
AGENT_NAME: Final = "agent.name"
GRAPH_NODE_ID: Final = "graph.node.id"
INPUT_VALUE: Final = "input.value"
OUTPUT_VALUE: Final = "output.value"
INPUT_MIME_TYPE: Final = "input.mime_type"
OUTPUT_MIME_TYPE: Final = "output.mime_type"
MIME_JSON: Final = "application/json"
OP_EMBEDDINGS: Final = "embeddings"
# Read by the per-convention normalisers (tracekit.otlp.conventions).
LLM_COST_TOTAL: Final = "llm.cost.total"
TOOL_PARAMETERS: Final = "tool.parameters"
TOOL_CALL_ID: Final = "tool_call.id"
LLM_FINISH_REASON: Final = "llm.finish_reason"
GRAPH_NODE_PARENT_ID: Final = "graph.node.parent_id"
#: The older GenAI semconv's content: attributes (or the only attribute of the events
#: ``gen_ai.content.prompt`` / ``gen_ai.content.completion``), then one event per message.
GEN_AI_PROMPT: Final = "gen_ai.prompt"
GEN_AI_COMPLETION: Final = "gen_ai.completion"
GEN_AI_CONTENT_PROMPT_EVENT: Final = "gen_ai.content.prompt"
GEN_AI_CONTENT_COMPLETION_EVENT: Final = "gen_ai.content.completion"
GEN_AI_SYSTEM_MESSAGE_EVENT: Final = "gen_ai.system.message"
GEN_AI_USER_MESSAGE_EVENT: Final = "gen_ai.user.message"
GEN_AI_ASSISTANT_MESSAGE_EVENT: Final = "gen_ai.assistant.message"
GEN_AI_TOOL_MESSAGE_EVENT: Final = "gen_ai.tool.message"
GEN_AI_CHOICE_EVENT: Final = "gen_ai.choice"
#: OpenLLMetry's OpenAI Agents instrumentation: handoff spans (operation ``handoff``).
GEN_AI_HANDOFF_FROM_AGENT: Final = "gen_ai.handoff.from_agent"
GEN_AI_HANDOFF_TO_AGENT: Final = "gen_ai.handoff.to_agent"
OP_HANDOFF: Final = "handoff"
#: The OpenAI Agents SDK: the name it gives a run's trace unless told otherwise, and how
#: OpenInference names its handoff spans (``handoff to {agent}``, kind TOOL).
OPENAI_AGENTS_TRACE_NAME: Final = "Agent workflow"
OPENAI_AGENTS_HANDOFF_PREFIX: Final = "handoff to "
#: Handoff tools: the tool the model calls to pass control (``transfer_to_{agent}``: the
#: OpenAI Agents SDK's default handoff tool name, langgraph-supervisor's and
#: langgraph-swarm's handoff tools).
HANDOFF_TOOL_PREFIX: Final = "transfer_to_"
#: OpenInference's LangChain/LangGraph instrumentation: its scope, and the ``metadata``
#: attribute (JSON) whose LangGraph keys name the graph node a span ran in.
OPENINFERENCE_LANGCHAIN_SCOPE: Final = "openinference.instrumentation.langchain"
OI_METADATA: Final = "metadata"
LANGGRAPH_NODE: Final = "langgraph_node"
LANGGRAPH_CHECKPOINT_NS: Final = "langgraph_checkpoint_ns"
OP_TEXT_COMPLETION: Final = "text_completion"

#: Keys whose presence marks a span as written to a foreign convention (checked at ingest
#: before any normalisation work is done).
FOREIGN_MARKERS: Final = frozenset(
    {
        GEN_AI_SYSTEM,
        GEN_AI_USAGE_PROMPT_TOKENS,
        GEN_AI_USAGE_COMPLETION_TOKENS,
        LLM_REQUEST_TYPE,
        LLM_USAGE_TOTAL_TOKENS,
        TRACELOOP_SPAN_KIND,
        OPENINFERENCE_SPAN_KIND,
        LLM_MODEL_NAME,
        LLM_TOKEN_COUNT_PROMPT,
        TOOL_NAME,
        INPUT_VALUE,
        OUTPUT_VALUE,
    }
)
#: Foreign content attributes, kept out of ``spans.attributes`` like ours.
FOREIGN_CONTENT_ATTRIBUTES: Final = frozenset(
    {
        INPUT_VALUE,
        OUTPUT_VALUE,
        TRACELOOP_ENTITY_INPUT,
        TRACELOOP_ENTITY_OUTPUT,
        TOOL_CALL_FUNCTION_ARGUMENTS,
        # Without its value a mime type says nothing; it goes (and stays) with the value.
        INPUT_MIME_TYPE,
        OUTPUT_MIME_TYPE,
    }
)
#: Prefixes of flattened foreign message attributes (content too).
FOREIGN_CONTENT_PREFIXES: Final = (
    GEN_AI_PROMPT_PREFIX,
    GEN_AI_COMPLETION_PREFIX,
    LLM_INPUT_MESSAGES_PREFIX,
    LLM_OUTPUT_MESSAGES_PREFIX,
)


def is_content_attribute(key: str) -> bool:
    """Whether attribute ``key`` carries message or tool content, in our convention or a
    foreign one (left out of OTLP export unless asked for)."""
    return (
        key in CONTENT_ATTRIBUTES
        or key in FOREIGN_CONTENT_ATTRIBUTES
        or key.startswith(FOREIGN_CONTENT_PREFIXES)
    )
