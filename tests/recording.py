"""Test helpers: record real OpenTelemetry spans into a real store, run the real CLI (in this
process by default, as a subprocess where only a real process shows what is tested)."""

from __future__ import annotations

import importlib
import io
import json
import logging
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Status, StatusCode, Tracer

from tracekit import semconv as sc
from tracekit.store import StoreSpanProcessor

REPO_ROOT = Path(__file__).resolve().parent.parent
#: One millisecond in nanoseconds; traces are built on an explicit clock so they sort stably.
MS = 1_000_000


@dataclass
class Recorder:
    """A tracer provider whose spans go through the store processor into ``store``."""

    store: Path
    provider: TracerProvider
    processor: StoreSpanProcessor

    @property
    def tracer(self) -> Tracer:
        return self.provider.get_tracer("tracekit")

    def flush(self) -> None:
        assert self.provider.force_flush()

    def trace(self, **kwargs: Any) -> str:
        """Record one agent run (see :func:`emit_run`), flush it, return its trace id."""
        trace_id = emit_run(self.tracer, **kwargs)
        self.flush()
        return trace_id


def emit_run(
    tracer: Tracer,
    *,
    workflow: str = "doc-pipeline",
    start_ns: int = 1_750_000_000_000 * MS,
    fail: bool = False,
    stopped: str | None = None,
    message: str = "Summarise the quarterly report.",
) -> str:
    """One realistic run: a workflow span over a planner (one LLM call and a tool call) and a
    writer (one LLM call, with a retry event). ``fail`` makes the writer's LLM call fail;
    ``stopped`` ends the run with that stop reason. Returns the trace id (hex)."""
    t = start_ns
    root = tracer.start_span(
        sc.workflow_span_name(workflow),
        start_time=t,
        attributes={
            sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_WORKFLOW,
            sc.GEN_AI_WORKFLOW_NAME: workflow,
            sc.TRACEKIT_WORKFLOW_INPUT: json.dumps({"doc": message}),
        },
    )
    with trace.use_span(root, end_on_exit=False):
        planner = tracer.start_span(
            sc.agent_span_name("planner"),
            start_time=t + 1 * MS,
            attributes={
                sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT,
                sc.GEN_AI_AGENT_NAME: "planner",
                sc.TRACEKIT_AGENT_PATH: "planner",
                # Aggregates on parent spans must never be counted twice.
                sc.GEN_AI_USAGE_INPUT_TOKENS: 100,
                sc.GEN_AI_USAGE_OUTPUT_TOKENS: 20,
            },
        )
        with trace.use_span(planner, end_on_exit=False):
            chat = tracer.start_span(
                sc.chat_span_name("claude-haiku-4-5"),
                kind=trace.SpanKind.CLIENT,
                start_time=t + 2 * MS,
                attributes={
                    sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
                    sc.GEN_AI_PROVIDER_NAME: "anthropic",
                    sc.GEN_AI_REQUEST_MODEL: "claude-haiku-4-5",
                    sc.GEN_AI_RESPONSE_MODEL: "claude-haiku-4-5-20251001",
                    sc.GEN_AI_USAGE_INPUT_TOKENS: 100,
                    sc.GEN_AI_USAGE_OUTPUT_TOKENS: 20,
                    sc.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: 40,
                    sc.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS: 10,
                    sc.TRACEKIT_COST_USD: 0.002,
                    sc.TRACEKIT_AGENT_PATH: "planner",
                    sc.GEN_AI_INPUT_MESSAGES: json.dumps(
                        [{"role": "user", "parts": [{"type": "text", "content": message}]}]
                    ),
                    sc.GEN_AI_OUTPUT_MESSAGES: json.dumps(
                        [{"role": "assistant", "parts": [{"type": "text", "content": "Plan."}]}]
                    ),
                },
            )
            chat.end(end_time=t + 12 * MS)
            tool = tracer.start_span(
                sc.tool_span_name("search"),
                start_time=t + 13 * MS,
                attributes={
                    sc.GEN_AI_OPERATION_NAME: sc.OP_EXECUTE_TOOL,
                    sc.GEN_AI_TOOL_NAME: "search",
                    sc.TRACEKIT_AGENT_PATH: "planner",
                    sc.GEN_AI_TOOL_CALL_ARGUMENTS: json.dumps({"query": "revenue"}),
                    sc.GEN_AI_TOOL_CALL_RESULT: json.dumps({"hits": 3}),
                },
            )
            tool.end(end_time=t + 15 * MS)
        planner.end(end_time=t + 16 * MS)

        writer = tracer.start_span(
            sc.agent_span_name("writer"),
            start_time=t + 17 * MS,
            attributes={
                sc.GEN_AI_OPERATION_NAME: sc.OP_INVOKE_AGENT,
                sc.TRACEKIT_AGENT_PATH: "writer",
            },
        )
        with trace.use_span(writer, end_on_exit=False):
            chat = tracer.start_span(
                sc.chat_span_name("claude-sonnet-4-5"),
                kind=trace.SpanKind.CLIENT,
                start_time=t + 18 * MS,
                attributes={
                    sc.GEN_AI_OPERATION_NAME: sc.OP_CHAT,
                    sc.GEN_AI_PROVIDER_NAME: "anthropic",
                    sc.GEN_AI_REQUEST_MODEL: "claude-sonnet-4-5",
                    sc.GEN_AI_USAGE_INPUT_TOKENS: 300,
                    sc.GEN_AI_USAGE_OUTPUT_TOKENS: 50,
                    sc.TRACEKIT_COST_USD: 0.01,
                    sc.TRACEKIT_AGENT_PATH: "writer",
                },
            )
            chat.add_event(
                sc.EVENT_RETRY,
                {sc.EVENT_RETRY_ATTEMPT: 1, sc.EVENT_RETRY_DELAY_S: 0.5},
                timestamp=t + 19 * MS,
            )
            if fail:
                chat.set_attribute(sc.ERROR_TYPE, "TransientModelError")
                chat.set_status(Status(StatusCode.ERROR, "overloaded"))
            chat.end(end_time=t + 40 * MS)
        if fail:
            writer.set_status(Status(StatusCode.ERROR, "model failed"))
        writer.end(end_time=t + 41 * MS)
    if stopped:
        root.add_event(
            sc.EVENT_LIMIT_EXCEEDED,
            {sc.EVENT_LIMIT_NAME: "max_steps", sc.EVENT_LIMIT_VALUE: 3},
            timestamp=t + 41 * MS,
        )
        root.set_attribute(sc.TRACEKIT_WORKFLOW_STATUS, "stopped")
        root.set_attribute(sc.TRACEKIT_WORKFLOW_STOP_REASON, stopped)
    root.end(end_time=t + 42 * MS)
    return format(root.get_span_context().trace_id, "032x")


def new_recorder(store: Path, **processor_options: Any) -> Recorder:
    """A recorder into ``store`` (shut its provider down when done)."""
    provider = TracerProvider(
        resource=Resource.create({sc.SERVICE_NAME: "tests"}), shutdown_on_exit=False
    )
    processor = StoreSpanProcessor(store, **processor_options)
    provider.add_span_processor(processor)
    return Recorder(store=store, provider=provider, processor=processor)


def record_two_runs(store: Path) -> Path:
    """``store`` with two short runs recorded: a doc-pipeline that succeeded and a triage
    that failed a minute and a half later (a listing that fits a pipe's width)."""
    recorder = new_recorder(store)
    recorder.trace(workflow="doc-pipeline", start_ns=1_750_000_000_000 * MS)
    recorder.trace(workflow="triage", start_ns=1_750_000_100_000 * MS, fail=True)
    recorder.provider.shutdown()
    return store


def run_cli(
    *args: str, timeout: float = 60, extra_path: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``tracekit ARGS`` the way a user would, in this process; never raises on failure.

    What the user would see comes back as a ``CompletedProcess``: the exit code, stdout and
    stderr (a crash is a traceback on stderr and exit code 1, as from the console script). The
    command runs from the repository root, 200 columns wide, without ``TRACEKIT_STORE``;
    ``extra_path`` goes on ``sys.path`` too (a user's own workflow modules). ``timeout`` is
    kept for :func:`run_cli_subprocess`'s callers; an in-process run is not interrupted.
    """
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("TRACEKIT_STORE", None)
    return call_cli(args, env=env, cwd=REPO_ROOT, extra_path=extra_path)


def run_cli_subprocess(
    *args: str, timeout: float = 60, extra_path: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """:func:`run_cli` in a fresh ``python -m tracekit.cli`` process: for what only a real
    process shows (start-up, signals, the console script's own exit codes)."""
    path = str(REPO_ROOT) if extra_path is None else f"{REPO_ROOT}{os.pathsep}{extra_path}"
    env = {**os.environ, "PYTHONPATH": path, "COLUMNS": "200"}
    env.pop("TRACEKIT_STORE", None)
    return subprocess.run(
        [sys.executable, "-m", "tracekit.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO_ROOT,
    )


# One command at a time: the process's stdout, environment and working folder are shared.
_CLI_LOCK = threading.Lock()


def call_cli(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    extra_path: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """``tracekit.cli.main(args)`` in this process with ``env`` as the whole environment and
    ``cwd`` as the working folder; everything it changes is put back afterwards."""
    from tracekit.cli import main

    out, err = io.StringIO(), io.StringIO()
    with (
        _CLI_LOCK,
        _process_state(env, cwd, extra_path, err),
        redirect_stdout(out),
        redirect_stderr(err),
    ):
        try:
            code = main(list(args))
        except SystemExit as stop:  # argparse, or a command that exits
            code = _exit_status(stop.code, err)
        except Exception:
            err.write(traceback.format_exc())
            code = 1
    return subprocess.CompletedProcess(["tracekit", *args], code, out.getvalue(), err.getvalue())


def _exit_status(code: object, err: io.StringIO) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    err.write(f"{code}\n")
    return 1


def _set_environment(env: Mapping[str, str]) -> dict[str, str]:
    """Make ``env`` the whole environment, touching only the variables that differ; returns
    what undoes it.

    Each change is a setenv or unsetenv in libc, and a new variable reallocates the C
    environment, which a thread of an earlier test calling getenv (a recorder's background
    fold opening DuckDB, which reads TZ) may be reading: clearing and refilling the whole
    environment on every call made a worker segfault in getenv (seen once on 3.10)."""
    before = dict(os.environ)
    for key in before.keys() - env.keys():
        del os.environ[key]
    for key, value in env.items():
        if before.get(key) != value:
            os.environ[key] = value
    return before


@contextmanager
def _process_state(
    env: Mapping[str, str], cwd: Path, extra_path: Path | None, err: io.StringIO
) -> Iterator[None]:
    saved_cwd, saved_path = os.getcwd(), list(sys.path)
    saved_stdin, saved_argv, modules = sys.stdin, sys.argv, set(sys.modules)
    # Without a handler of its own, a warning reaches stderr through logging's last resort.
    last_resort = logging.StreamHandler(err)
    last_resort.setLevel(logging.WARNING)
    root = logging.getLogger()
    restore_env = _set_environment(env)
    os.chdir(cwd)
    if extra_path is not None:
        sys.path.insert(0, str(extra_path))
        importlib.invalidate_caches()
    sys.stdin = io.StringIO()  # not a terminal: nothing prompts
    sys.argv = [str(REPO_ROOT / "tracekit" / "cli" / "__main__.py")]  # python -m tracekit.cli
    root.addHandler(last_resort)
    try:
        yield
    finally:
        root.removeHandler(last_resort)
        sys.stdin, sys.argv = saved_stdin, saved_argv
        sys.path[:] = saved_path
        os.chdir(saved_cwd)
        _set_environment(restore_env)
        if extra_path is not None:  # a user's modules are imported afresh by the next run
            for name in set(sys.modules) - modules:
                file = getattr(sys.modules[name], "__file__", None) or ""
                if file.startswith(str(extra_path)):
                    del sys.modules[name]
