"""Record a workflow run straight into a trace file (``--replay-record=once`` / ``rewrite``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from replay.recording import Recording
from replay.spans import otlp_spans
from tracekit import settings
from tracekit.exceptions import ConfigError
from tracekit.models.routing import ModelRouter
from tracekit.orchestrator.workflow import RunResult, Workflow
from tracekit.otlp.files import write_trace_file
from tracekit.telemetry import Telemetry


def record_workflow(
    workflow: Workflow, input: Any, path: Path, *, models: ModelRouter | None = None
) -> RunResult[Any]:
    """Run ``workflow`` on ``input`` with live models and write the run to ``path``.

    The models are ``models``, else the workflow's own router, else Claude (which needs
    ``ANTHROPIC_API_KEY``).
    """
    if models is None and workflow.models is None and not settings.anthropic_api_key_set():
        raise ConfigError(
            f"recording {workflow.name!r} live needs ANTHROPIC_API_KEY "
            "(or a workflow with its own models=)"
        )
    exporter = InMemorySpanExporter()
    telemetry = Telemetry(
        processors=[SimpleSpanProcessor(exporter)], service_name=f"tracekit-record:{workflow.name}"
    )
    try:
        result = workflow.run(input, telemetry=telemetry, models=models, raise_errors=False)
        telemetry.flush()
        spans = [
            s for s in otlp_spans(exporter.get_finished_spans()) if s.trace_id == result.trace_id
        ]
    finally:
        telemetry.shutdown()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Recordings are kept in git: one span per line, so a re-recording diffs span by span.
    write_trace_file(path, spans, spans_per_line=1)
    return result


def rerecord(path: Path, *, models: ModelRouter | None = None) -> RunResult[Any]:
    """Run the workflow recorded in ``path`` again, live, on the same input; rewrite ``path``."""
    recording = Recording.from_file(path)
    return record_workflow(recording.load_workflow(), recording.input, path, models=models)
