"""A recorded run: its spans, its trajectory, and how to run its workflow again."""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from replay.collector import older_objects_frozen
from replay.trajectory import Trajectory, trajectory_from_spans
from tracekit import semconv as sc
from tracekit.exceptions import RecordingError
from tracekit.orchestrator.workflow import Workflow, workflow_of
from tracekit.otlp import OtlpSpan
from tracekit.otlp.values import parse_json


@dataclass
class Recording:
    """One recorded trace: spans with content, read from a trace file or a store."""

    spans: list[OtlpSpan]
    trajectory: Trajectory
    source: str
    """Where it came from (a file path or ``store:trace-id``), for messages."""

    @classmethod
    def from_spans(cls, spans: Sequence[OtlpSpan], *, source: str = "spans") -> Recording:
        """A recording of the spans of one trace."""
        spans = list(spans)
        if not spans:
            raise RecordingError(f"{source}: the trace has no spans")
        trace_ids = {span.trace_id for span in spans}
        if len(trace_ids) > 1:
            raise RecordingError(
                f"{source}: holds {len(trace_ids)} traces; replay takes one trace per file "
                "(export it with `tracekit export --trace ID --out FILE`)"
            )
        # Its answers are parsed once per text: its replays' answers, spelt the same, are
        # read from there (a replay hands out copies of them, never these).
        return cls(spans, trajectory_from_spans(spans, parsed={}), source)

    @classmethod
    def from_file(cls, path: str | Path) -> Recording:
        """A recording read from a trace file (OTLP JSON lines)."""
        from tracekit.otlp.files import read_trace_file

        with older_objects_frozen(keep=True):
            return cls.from_spans(read_trace_file(path), source=str(path))

    @classmethod
    def from_store(cls, store: str | Path | None, trace_id: str) -> Recording:
        """A recording of one trace (an id or unique prefix) of a store."""
        from tracekit.store import TraceStore, resolve_store_path

        path = resolve_store_path(store)
        spans = TraceStore(path).trace_spans(trace_id, with_content=True)
        return cls.from_spans(spans, source=f"{path}:{trace_id}")

    @property
    def trace_id(self) -> str:
        """The recorded trace's id."""
        return self.trajectory.trace_id

    @property
    def root_attributes(self) -> dict[str, Any]:
        """The workflow span's attributes (empty when the root is not a workflow span)."""
        root = self.trajectory.root
        return root.attributes if root is not None else {}

    @property
    def workflow_name(self) -> str:
        """The recorded workflow's name."""
        name = self.root_attributes.get(sc.GEN_AI_WORKFLOW_NAME)
        root = self.trajectory.root
        return str(name or (root.name if root else "?"))

    @property
    def entrypoint(self) -> str | None:
        """``module:qualname`` of the entrypoint that produced the run, if recorded."""
        value = self.root_attributes.get(sc.TRACEKIT_WORKFLOW_ENTRYPOINT)
        return value if isinstance(value, str) and value else None

    @property
    def input(self) -> Any:
        """The workflow's recorded input (JSON-decoded)."""
        raw = self.root_attributes.get(sc.TRACEKIT_WORKFLOW_INPUT)
        if raw is None:
            raise RecordingError(f"{self.source}: the recording has no workflow input")
        return json.loads(raw) if isinstance(raw, str) else raw

    @property
    def output(self) -> Any:
        """The workflow's recorded output (JSON-decoded), or None."""
        return parse_json(self.root_attributes.get(sc.TRACEKIT_WORKFLOW_OUTPUT))

    @property
    def status(self) -> str:
        """How the recorded run ended: ok, stopped or error."""
        return str(self.root_attributes.get(sc.TRACEKIT_WORKFLOW_STATUS) or "ok")

    @property
    def conversation_id(self) -> str | None:
        """The recorded run's conversation id (replay reuses it)."""
        value = self.root_attributes.get(sc.GEN_AI_CONVERSATION_ID)
        return value if isinstance(value, str) else None

    @property
    def seed(self) -> int | None:
        """The seed the run gave ``random`` (None: recorded before runs were seeded)."""
        value = self.root_attributes.get(sc.TRACEKIT_RUN_SEED)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def started_at(self) -> float | None:
        """The run's wall-clock start (epoch seconds): what replay freezes time at."""
        root = self.trajectory.root
        return root.start_ns / 1e9 if root is not None and root.start_ns > 0 else None

    @property
    def stop_reason(self) -> str | None:
        """Why a stopped run stopped (the guardrail), or None."""
        value = self.root_attributes.get(sc.TRACEKIT_WORKFLOW_STOP_REASON)
        return value if isinstance(value, str) else None

    def load_workflow(self) -> Workflow:
        """Import the recorded entrypoint and return its workflow."""
        entrypoint = self.entrypoint
        if entrypoint is None:
            raise RecordingError(
                f"{self.source}: no workflow entrypoint recorded "
                f"(only runs of a tracekit Workflow can be replayed this way)"
            )
        module_name, _, qualname = entrypoint.partition(":")
        try:
            target: Any = importlib.import_module(module_name)
            for part in qualname.split("."):
                target = getattr(target, part)
        except (ImportError, AttributeError) as exc:
            raise RecordingError(
                f"{self.source}: cannot import the entrypoint {entrypoint}: {exc} "
                f"(run from the folder its module imports from, or add that folder to "
                f"PYTHONPATH)"
            ) from exc
        except Exception as exc:
            # The user's module itself fails while importing: say where, not a traceback.
            raise RecordingError(
                f"{self.source}: importing the entrypoint {entrypoint} raised "
                f"{type(exc).__name__}: {exc} (fix the module, then replay again)"
            ) from exc
        workflow = workflow_of(target)
        if workflow is None:
            raise RecordingError(f"{self.source}: {entrypoint} is not a workflow entrypoint")
        return workflow
