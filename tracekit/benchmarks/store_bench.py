"""Store ingest benchmark: Arrow batches through the real spool segments and fold.

The workload is synthetic but shaped like recorded agent runs: traces of one workflow span,
agent spans, LLM spans with models, tokens, cost and message content, and tool spans. Batches
are written as spool segments exactly as the recording processor writes them, and folded the
way a fold finds them after a busy second: several segments per fold transaction.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from tracekit import semconv as sc
from tracekit.store.db import connect
from tracekit.store.fold import fold_pending, insert_spans, migrate_store, set_fold_settings
from tracekit.store.paths import StorePaths
from tracekit.store.schema import SEGMENT_SCHEMA
from tracekit.store.spool import write_segment

#: Spans per segment: what the processor writes at its default ``max_batch``.
SEGMENT_SPANS = 4096
#: Segments that pile up between two folds in the benchmark (about one DuckDB row group).
SEGMENTS_PER_FOLD = 30

_AGENTS = ("planner", "researcher", "writer", "critic", "router")
_MODELS = ("claude-haiku-4-5", "claude-sonnet-4-5")
_TOOLS = ("search", "fetch_page", "calculator")


def synthetic_batches(
    n_spans: int,
    *,
    batch_size: int = SEGMENT_SPANS,
    seed: int = 7,
    max_gap_ns: int = 5_000_000,
) -> Iterator[pa.Table]:
    """Arrow tables (segment schema) of realistic GenAI spans, ``n_spans`` in all; each span
    starts up to ``max_gap_ns`` after the one before (spread them wider for a store that
    covers weeks)."""
    rnd = random.Random(seed)
    columns: dict[str, list[Any]] = {name: [] for name in SEGMENT_SCHEMA.names}
    resource = json.dumps({sc.SERVICE_NAME: "bench", "telemetry.sdk.language": "python"})
    clock = 1_700_000_000_000_000_000
    produced = 0
    while produced < n_spans:
        trace_id = f"{rnd.getrandbits(128):032x}"
        root_id = f"{rnd.getrandbits(64):016x}"
        spans_in_trace = min(rnd.randint(8, 24), n_spans - produced)
        for index in range(spans_in_trace):
            clock += rnd.randint(10_000, max_gap_ns)
            _append_span(columns, rnd, trace_id, root_id, index, clock, resource)
            produced += 1
            if len(columns["trace_id"]) >= batch_size:
                yield pa.Table.from_pydict(columns, schema=SEGMENT_SCHEMA)
                columns = {name: [] for name in SEGMENT_SCHEMA.names}
    if columns["trace_id"]:
        yield pa.Table.from_pydict(columns, schema=SEGMENT_SCHEMA)


def _append_span(
    columns: dict[str, list[Any]],
    rnd: random.Random,
    trace_id: str,
    root_id: str,
    index: int,
    clock: int,
    resource: str,
) -> None:
    agent = rnd.choice(_AGENTS)
    if index == 0:
        operation, name, kind = (
            sc.OP_INVOKE_WORKFLOW,
            sc.workflow_span_name("doc-pipeline"),
            "INTERNAL",
        )
    else:
        operation = rnd.choice((sc.OP_INVOKE_AGENT, sc.OP_CHAT, sc.OP_CHAT, sc.OP_EXECUTE_TOOL))
        kind = "CLIENT" if operation == sc.OP_CHAT else "INTERNAL"
        name = {
            sc.OP_INVOKE_AGENT: sc.agent_span_name(agent),
            sc.OP_CHAT: sc.chat_span_name(_MODELS[0]),
            sc.OP_EXECUTE_TOOL: sc.tool_span_name(_TOOLS[0]),
        }[operation]
    is_chat = operation == sc.OP_CHAT
    model = rnd.choice(_MODELS) if is_chat else None
    tool = rnd.choice(_TOOLS) if operation == sc.OP_EXECUTE_TOOL else None
    duration = rnd.randint(1_000_000, 3_000_000_000)
    error = rnd.random() < 0.02
    input_tokens = rnd.randint(200, 6000) if is_chat else None
    output_tokens = rnd.randint(20, 900) if is_chat else None
    attributes: dict[str, Any] = {
        sc.GEN_AI_OPERATION_NAME: operation,
        sc.TRACEKIT_AGENT_PATH: f"supervisor/{agent}",
        sc.TRACEKIT_STEP_SEQUENCE: index,
    }
    if is_chat:
        attributes.update(
            {
                sc.GEN_AI_PROVIDER_NAME: "anthropic",
                sc.GEN_AI_REQUEST_MODEL: model,
                sc.GEN_AI_RESPONSE_ID: f"msg_{rnd.getrandbits(64):016x}",
                sc.GEN_AI_USAGE_INPUT_TOKENS: input_tokens,
                sc.GEN_AI_USAGE_OUTPUT_TOKENS: output_tokens,
            }
        )
    content = (
        json.dumps(
            {
                sc.GEN_AI_INPUT_MESSAGES: json.dumps(
                    [
                        {
                            "role": "user",
                            "parts": [
                                {
                                    "type": "text",
                                    "content": f"Step {index}: summarise {rnd.randint(1, 40)}.",
                                }
                            ],
                        }
                    ]
                ),
                sc.GEN_AI_OUTPUT_MESSAGES: json.dumps(
                    [
                        {
                            "role": "assistant",
                            "parts": [
                                {"type": "text", "content": "A short summary of the section."}
                            ],
                        }
                    ]
                ),
            }
        )
        if is_chat
        else None
    )
    row = {
        "trace_id": trace_id,
        "span_id": root_id if index == 0 else f"{rnd.getrandbits(64):016x}",
        "parent_span_id": None if index == 0 else root_id,
        "name": name,
        "kind": kind,
        "start_ns": clock,
        "end_ns": clock + duration,
        "duration_ns": duration,
        "status_code": "ERROR" if error else "UNSET",
        "status_message": "upstream overloaded" if error else None,
        "service_name": "bench",
        "scope_name": "tracekit",
        "operation": operation,
        "workflow": "doc-pipeline" if index == 0 else None,
        "agent": agent if index else None,
        "agent_path": f"supervisor/{agent}" if index else None,
        "model": model,
        "provider": "anthropic" if is_chat else None,
        "tool": tool,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_read_tokens": None,
        "cache_creation_tokens": None,
        "cost_usd": (input_tokens or 0) * 1e-6 + (output_tokens or 0) * 5e-6 if is_chat else None,
        "error_type": "TransientModelError" if error else None,
        "attributes": json.dumps(attributes),
        "resource": resource,
        "events": None,
        "scope_version": None,
        "links": None,
        "content": content,
    }
    for key, value in row.items():
        columns[key].append(value)


def measure_ingest(n_spans: int = 200_000, tmp_dir: Path | None = None) -> dict[str, float]:
    """Ingest ``n_spans`` synthetic spans into a fresh store under ``tmp_dir``.

    Returns ``ingest_spans_per_s`` (spans per second from Arrow batches to folded tables:
    segment writes plus folds, batch generation excluded), ``ingest_spans_per_cpu_s`` (the
    same work per second of this process's CPU time, all of DuckDB's threads included: what
    the ingest costs, which other processes on a busy machine do not inflate the way they
    inflate the wall time) and ``bytes_per_span`` (the database file's size per span after the
    last fold and checkpoint).

    ``ingest_duckdb_floor_spans_per_s`` is what DuckDB alone does with the same batches on
    this machine, fold by fold beside the real ingest: one connection per fold, as a fold
    opens, the same settings, the spans and their content inserted into the store's own
    tables in one transaction, committed and closed, and nothing else (no segment, no
    de-duplication, no trace summaries). No ingest through DuckDB can beat it, so it says
    how far a target above it is out of this machine's reach;
    ``ingest_vs_duckdb_floor_ratio`` is the floor's rate over the ingest's (1.0: tracekit
    adds nothing to DuckDB's own cost).
    """
    if tmp_dir is None:
        with tempfile.TemporaryDirectory(prefix="tracekit-ingest-") as tmp:
            return measure_ingest(n_spans, Path(tmp))
    base = Path(tempfile.mkdtemp(prefix="ingest-", dir=tmp_dir))
    paths = StorePaths.for_store(base / "bench.duckdb")
    floor = StorePaths.for_store(base / "floor.duckdb")
    migrate_store(floor, wait_s=0.0)  # the store's tables, empty
    batches = list(synthetic_batches(n_spans))
    elapsed, cpu, alone = 0.0, 0.0, 0.0
    for start in range(0, len(batches), SEGMENTS_PER_FOLD):
        chunk = batches[start : start + SEGMENTS_PER_FOLD]
        began, began_cpu = time.perf_counter(), time.process_time()
        for batch in chunk:
            write_segment(paths, batch)
        fold_pending(paths, wait_s=10.0)
        elapsed += time.perf_counter() - began
        cpu += time.process_time() - began_cpu
        alone += _duckdb_alone(floor.db, pa.concat_tables(chunk))
    spans = sum(batch.num_rows for batch in batches)
    return {
        "ingest_spans_per_s": spans / elapsed if elapsed else 0.0,
        "ingest_spans_per_cpu_s": spans / cpu if cpu else 0.0,
        "ingest_duckdb_floor_spans_per_s": spans / alone if alone else 0.0,
        "ingest_vs_duckdb_floor_ratio": elapsed / alone if alone else 0.0,
        "bytes_per_span": paths.db.stat().st_size / spans if spans else 0.0,
    }


def _duckdb_alone(db: Path, table: pa.Table) -> float:
    """Seconds DuckDB takes to store ``table`` in the store's tables, and no more: opened,
    set and inserted into as a fold does it, and committed and closed."""
    began = time.perf_counter()
    con = connect(db, read_only=False, wait_s=0.0)
    try:
        set_fold_settings(con)
        con.register("batch", table)
        con.execute("BEGIN TRANSACTION")
        insert_spans(con, "batch")
        con.execute("COMMIT")
    finally:
        con.close()
    return time.perf_counter() - began
