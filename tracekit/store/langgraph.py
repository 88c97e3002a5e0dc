"""LangGraph graph nodes that run a model count as agents, named by their node.

OpenInference's LangChain instrumentation writes every LangGraph node as a ``CHAIN`` span
(it calls a span ``AGENT`` only when "agent" is in its name), so a graph whose nodes are
``researcher`` and ``writer`` would have no agents at all, and its model calls no one to
roll up to. Not every chain span is an agent, though: LangChain wraps each prompt, parser and
runnable sequence in one, and a graph's ``tools`` node runs tools, not a model.

The rule, applied when spans are folded into the store:

- the span is a LangGraph node's own span: OpenInference LangChain scope, no operation of its
  own (a ``CHAIN``), and its ``metadata`` attribute names the node it runs in
  (``langgraph_node``) with the span's own name (the runnables inside a node carry the same
  metadata under other names);
- and the node runs a model: some model call of the trace ran in that node's run, i.e. its
  ``langgraph_checkpoint_ns`` is the node's (``agent:<task id>``), or lies inside it
  (``researcher:<id>|agent:<id>``, a model call in a subgraph the node runs).

Such a span becomes ``invoke_agent`` with the node as its agent; its model calls then count
for it by ancestry (:mod:`tracekit.store.ancestry`). The check runs in the fold that brings
the node or its model call, whichever comes last, and only when a fold brings LangChain
spans, so tracekit's own spans pay nothing for it.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tracekit import semconv as sc
from tracekit.store.summary import json_path

_METADATA = json_path(sc.OI_METADATA)

_PROMOTE_SQL = f"""
WITH node_runs AS (
    SELECT trace_id, span_id,
           json_extract_string(json_extract_string(attributes, '{_METADATA}'),
                               '$.{sc.LANGGRAPH_CHECKPOINT_NS}') AS ns
    FROM spans
    WHERE trace_id IN (SELECT DISTINCT trace_id FROM {{source}} WHERE scope_name = $scope)
      AND scope_name = $scope AND operation IS NULL AND agent IS NULL
      AND json_extract_string(json_extract_string(attributes, '{_METADATA}'),
                              '$.{sc.LANGGRAPH_NODE}') = name
),
model_runs AS (
    SELECT DISTINCT trace_id,
           json_extract_string(json_extract_string(attributes, '{_METADATA}'),
                               '$.{sc.LANGGRAPH_CHECKPOINT_NS}') AS ns
    FROM spans
    WHERE trace_id IN (SELECT trace_id FROM node_runs) AND list_contains($llm_ops, operation)
),
agents AS (
    SELECT DISTINCT n.trace_id, n.span_id
    FROM node_runs AS n JOIN model_runs AS m
      ON m.trace_id = n.trace_id AND (m.ns = n.ns OR starts_with(m.ns, n.ns || '|'))
)
UPDATE spans SET operation = $agent_op, agent = name
FROM agents
WHERE spans.trace_id = agents.trace_id AND spans.span_id = agents.span_id
RETURNING spans.trace_id, spans.agent
"""

_ADD_AGENTS_SQL = """
UPDATE traces SET agents = list_sort(list_distinct(list_concat(traces.agents, new.agents)))
FROM (
    SELECT trace_id, list(agent) AS agents
    FROM (SELECT unnest($trace_ids) AS trace_id, unnest($agents) AS agent)
    GROUP BY trace_id
) AS new
WHERE traces.trace_id = new.trace_id
"""


def has_langchain_spans(batch: pa.Table) -> bool:
    """Whether a batch of segment rows holds OpenInference LangChain spans (only then can a
    LangGraph node need promoting)."""
    scopes = batch.column("scope_name")
    return bool(pc.any(pc.equal(scopes, sc.OPENINFERENCE_LANGCHAIN_SCOPE)).as_py())


def promote_langgraph_nodes(con: Any, source: str) -> int:
    """Make the LangGraph nodes that run a model agents (see the module's rule), for the
    traces of ``source`` (the relation a fold inserted), in ``con``'s current transaction,
    after the fold merged ``source`` into ``traces``. Returns how many spans it promoted."""
    promoted = con.execute(
        _PROMOTE_SQL.format(source=source),
        {
            "scope": sc.OPENINFERENCE_LANGCHAIN_SCOPE,
            "llm_ops": sorted(sc.LLM_OPERATIONS),
            "agent_op": sc.OP_INVOKE_AGENT,
        },
    ).fetchall()
    if promoted:
        con.execute(
            _ADD_AGENTS_SQL,
            {
                "trace_ids": [trace_id for trace_id, _ in promoted],
                "agents": [agent for _, agent in promoted],
            },
        )
    return len(promoted)
