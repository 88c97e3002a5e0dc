"""OTLP receiver benchmark: spans/s from HTTP request to folded rows, end to end.

A real receiver on a free 127.0.0.1 port; OTLP/HTTP protobuf requests of realistic GenAI spans
(workflow, agent, LLM calls with models, tokens, cost and message content, tool calls), 512
spans each like the SDK batch processor sends, posted over keep-alive connections by two client
processes (two threads each), as two exporting services would: clients in the receiver's own
process would compete with it for one interpreter lock and measure themselves. The clock runs
from the first request until every span is folded into the database (the receiver's graceful
stop folds what is left). Requests are encoded beforehand, in the clients, before the clock
starts: the figure is the receiver's, not the client's.

On a 2-core machine the clients and the receiver share the cores, so the rate alone cannot say
whether the receiver or the machine is the bound. The CPU each side spends in the window says
it: ``otlp_receiver_cpu_per_span_us`` (the receiver's process and its worker processes, folds
included), ``otlp_client_cpu_per_span_us`` (the two clients), and
``otlp_cpu_bound_spans_per_s``, the rate the machine's cores would give if they did nothing
but that work and nothing ever waited: a ceiling no scheduling could beat.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import random
import threading
import time
from pathlib import Path
from typing import Any

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tracekit import semconv as sc
from tracekit.ingest.pipeline import default_workers
from tracekit.ingest.receiver import OtlpReceiver
from tracekit.otlp.encode import traces_data_from_spans
from tracekit.otlp.model import OtlpSpan

SPANS_PER_REQUEST = 512
CLIENT_PROCESSES = 2
CLIENT_THREADS = 2  # per client process
_AGENTS = ("planner", "researcher", "writer", "critic")
_MODELS = ("claude-haiku-4-5", "claude-sonnet-4-5")


def _spans(rnd: random.Random, count: int, resource: dict[str, object]) -> list[OtlpSpan]:
    spans: list[OtlpSpan] = []
    clock = 1_750_000_000_000_000_000
    while len(spans) < count:
        trace_id = f"{rnd.getrandbits(128) | 1:032x}"
        root = f"{rnd.getrandbits(64) | 1:016x}"
        for index in range(min(16, count - len(spans))):
            clock += rnd.randint(10_000, 3_000_000)
            agent = rnd.choice(_AGENTS)
            span_id = root if index == 0 else f"{rnd.getrandbits(64) | 1:016x}"
            attributes: dict[str, object]
            if index == 0:
                name, kind = sc.workflow_span_name("doc-pipeline"), "INTERNAL"
                attributes = {
                    sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW,
                    sc.GEN_AI_WORKFLOW_NAME: "doc-pipeline",
                }
            elif index % 3 == 1:
                model = rnd.choice(_MODELS)
                name, kind = sc.chat_span_name(model), "CLIENT"
                attributes = {
                    sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
                    sc.GEN_AI_PROVIDER_NAME: "anthropic",
                    sc.GEN_AI_REQUEST_MODEL: model,
                    sc.GEN_AI_RESPONSE_MODEL: model,
                    sc.GEN_AI_USAGE_INPUT_TOKENS: rnd.randint(200, 4000),
                    sc.GEN_AI_USAGE_OUTPUT_TOKENS: rnd.randint(20, 800),
                    sc.TRACEKIT_COST_USD: rnd.random() / 100,
                    sc.TRACEKIT_AGENT_PATH: agent,
                    sc.GEN_AI_INPUT_MESSAGES: json.dumps(
                        [{"role": "user", "parts": [{"type": "text", "content": "Plan it. " * 8}]}]
                    ),
                    sc.GEN_AI_OUTPUT_MESSAGES: json.dumps(
                        [{"role": "assistant", "parts": [{"type": "text", "content": "Ok. " * 8}]}]
                    ),
                }
            elif index % 3 == 2:
                name, kind = sc.tool_span_name("search"), "INTERNAL"
                attributes = {
                    sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL,
                    sc.GEN_AI_TOOL_NAME: "search",
                    sc.TRACEKIT_AGENT_PATH: agent,
                    sc.GEN_AI_TOOL_CALL_ARGUMENTS: json.dumps({"query": "quarterly revenue"}),
                }
            else:
                name, kind = sc.agent_span_name(agent), "INTERNAL"
                attributes = {
                    sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT,
                    sc.GEN_AI_AGENT_NAME: agent,
                    sc.TRACEKIT_AGENT_PATH: agent,
                }
            spans.append(
                OtlpSpan(
                    trace_id=trace_id,
                    span_id=span_id,
                    parent_span_id=None if index == 0 else root,
                    name=name,
                    kind=kind,
                    start_ns=clock,
                    end_ns=clock + rnd.randint(1_000_000, 900_000_000),
                    status_code="OK",
                    attributes=attributes,
                    resource=resource,
                    scope_name="agent-app",
                )
            )
    return spans


def otlp_requests(n_spans: int, *, seed: int = 11) -> list[bytes]:
    """Serialized ``ExportTraceServiceRequest`` bodies, ``SPANS_PER_REQUEST`` spans each."""
    rnd = random.Random(seed)
    resource: dict[str, object] = {sc.SERVICE_NAME: "bench-app", "telemetry.sdk.language": "python"}
    bodies = []
    for start in range(0, n_spans, SPANS_PER_REQUEST):
        spans = _spans(rnd, min(SPANS_PER_REQUEST, n_spans - start), resource)
        request = ExportTraceServiceRequest()
        request.resource_spans.extend(traces_data_from_spans(spans).resource_spans)
        bodies.append(request.SerializeToString())
    return bodies


def _post_all(host: str, port: int, bodies: list[bytes], errors: list[str]) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=60)
    try:
        for body in bodies:
            connection.request(
                "POST",
                "/v1/traces",
                body=body,
                headers={"Content-Type": "application/x-protobuf"},
            )
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(f"HTTP {response.status}")
    finally:
        connection.close()


def _client_process(
    host: str, port: int, n_spans: int, index: int, ready: Any, go: Any, failures: Any
) -> None:
    """One client process: encode its share of the requests, wait for the start, post them."""
    bodies = otlp_requests(n_spans)[index::CLIENT_PROCESSES]
    errors: list[str] = []
    shares = [bodies[i::CLIENT_THREADS] for i in range(CLIENT_THREADS)]
    threads = [
        threading.Thread(target=_post_all, args=(host, port, share, errors)) for share in shares
    ]
    ready.release()
    go.wait()
    cpu_started = time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failures.put((errors[:3], time.process_time() - cpu_started))


def measure_otlp_ingest(n_spans: int, tmp: Path, *, workers: int | None = None) -> dict[str, float]:
    """``otlp_receiver_spans_per_s``: spans posted by two client processes and folded, per
    second, with ``workers`` conversion processes (default: one per core, as ``tracekit serve
    --workers`` advises)."""
    workers = default_workers() if workers is None else workers
    receiver = OtlpReceiver(tmp / "otlp-bench.duckdb", port=0, workers=workers).start()
    context = multiprocessing.get_context("spawn")
    ready, go, failures = context.Semaphore(0), context.Event(), context.Queue()
    clients = [
        context.Process(
            target=_client_process,
            args=(receiver.host, receiver.port, n_spans, index, ready, go, failures),
            daemon=True,
        )
        for index in range(CLIENT_PROCESSES)
    ]
    try:
        for client in clients:
            client.start()
        for _ in clients:
            if not ready.acquire(timeout=300):
                raise RuntimeError("OTLP bench: a client process did not start")
        client_pids = {client.pid for client in clients}
        workers_cpu_started = _children_cpu_s(client_pids)
        started = time.perf_counter()
        cpu_started = time.process_time()
        go.set()
        reports = [failures.get(timeout=600) for _ in clients]
        errors = [error for client_errors, _ in reports for error in client_errors]
        client_cpu = sum(cpu for _, cpu in reports)
        for client in clients:
            client.join(timeout=60)
        # Read before the stop, which ends the worker processes: every request was answered,
        # so their share of the work is done.
        workers_cpu = _children_cpu_s(client_pids) - workers_cpu_started
        receiver.stop(fold_wait_s=60)
        elapsed = time.perf_counter() - started
        receiver_cpu = time.process_time() - cpu_started + workers_cpu
    finally:
        for client in clients:
            if client.is_alive():
                client.kill()
        receiver.stop(fold_wait_s=60)
    if errors or receiver.accepted_spans != n_spans:
        lost = f"{receiver.accepted_spans}/{n_spans} {errors[:3]}"
        raise RuntimeError(f"OTLP bench lost spans: {lost}")
    per_span_us = (receiver_cpu + client_cpu) / n_spans * 1e6
    return {
        "otlp_receiver_spans_per_s": n_spans / elapsed,
        "otlp_receiver_cpu_per_span_us": receiver_cpu / n_spans * 1e6,
        "otlp_client_cpu_per_span_us": client_cpu / n_spans * 1e6,
        "otlp_cpu_bound_spans_per_s": (os.cpu_count() or 1) * 1e6 / per_span_us,
    }


def _children_cpu_s(leave_out: set[int | None]) -> float:
    """CPU seconds so far of this process's live child processes (the receiver's workers),
    but those in ``leave_out``, from ``/proc`` (``getrusage`` counts a child only once it is
    reaped, with what it spent before the clock started). 0 where there is no ``/proc``."""
    ticks = 0
    for child in multiprocessing.active_children():
        if child.pid in leave_out:
            continue
        try:
            with open(f"/proc/{child.pid}/stat", "rb") as stat:
                # The fields after the command name (which may hold spaces): utime, stime are
                # the 14th and 15th of the whole line.
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")
