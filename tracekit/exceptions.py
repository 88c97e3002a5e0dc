"""tracekit's exception hierarchy.

::

    TracekitError               base of every error tracekit raises on purpose
    ├── ConfigError             a bad option, flag value, price table or environment setting
    │   ├── FilterError         a trace filter expression that cannot be parsed
    │   └── QueryError          a user's SQL statement is refused, bad, fails or runs too long
    ├── OtlpFormatError         an OTLP payload (protobuf or JSON) or trace file line is malformed
    ├── TraceFileError          a trace file cannot be read or is not valid (names the line)
    ├── StoreError              the store cannot be opened, read or written
    │   ├── StoreNotFoundError  the store file does not exist (reading commands)
    │   ├── StoreLockedError    the store stayed locked by another process past the wait limit
    │   └── TraceNotFoundError  no trace matches an id or id prefix (or the prefix is ambiguous)
    ├── OtlpRequestError        the OTLP receiver refuses a request (carries the HTTP status)
    ├── ExportError             spans could not be delivered to an OTLP endpoint
    ├── BackendError            a trace backend (Jaeger, Tempo, Phoenix) did not give a trace
    ├── ModelError              a model call failed
    │   └── TransientModelError a model call failed in a way worth retrying (overload, 5xx)
    ├── ToolError               a tool raised; wraps the original exception
    ├── OutputValidationError   an agent's output did not validate against its output type
    ├── WorkflowStopped         a guardrail ended the run (carries the reason)
    │   ├── LimitExceeded       max steps / cost / seconds / tokens, or recursion depth
    │   ├── LoopDetected        the same action with the same arguments repeated too often
    │   └── CircuitOpen         an agent's circuit breaker is open
    └── ReplayError             a recorded run cannot be replayed
        ├── RecordingError      a recording is unusable (no entrypoint, not importable, no spans)
        ├── UnmatchedCallError  during replay, a call the recording has no answer for
        ├── NetworkBlockedError during replay, a connection to an address that is not loopback
        └── ForkError           a fork cannot be made: no such step, an unknown agent, no models

Every class says when it is raised. Telemetry failures are never raised to the user's program:
they are logged once (see :func:`tracekit.telemetry.handle_internal_errors`).
"""

from __future__ import annotations

from typing import Literal


class TracekitError(Exception):
    """Base class of every error tracekit raises on purpose."""


class ConfigError(TracekitError):
    """Raised for a bad option, flag value, price table or environment setting."""


class FilterError(ConfigError):
    """Raised when a trace filter expression (``agent:planner cost>0.05``) cannot be parsed;
    the message names the bad term and says what is accepted."""


class QueryError(ConfigError):
    """Raised when a user's SQL statement (``tracekit sql``) is not one SELECT, cannot be
    parsed, fails (an unknown table or column), or runs past its time limit."""


class OtlpFormatError(TracekitError):
    """Raised when an OTLP payload (protobuf or JSON) is malformed: not JSON, a field of the
    wrong type, a trace or span id of the wrong length, an unknown span kind or status."""


class TraceFileError(TracekitError):
    """Raised when a trace file (OTLP JSON lines) cannot be read, written, or has an invalid
    line; the message names the file and the line number."""


class StoreError(TracekitError):
    """Raised when the store cannot be opened, read or written."""


class StoreNotFoundError(StoreError):
    """Raised by reading commands when the store file does not exist."""


class StoreLockedError(StoreError):
    """Raised when another process kept the store locked for longer than the wait limit."""


class TraceNotFoundError(StoreError):
    """Raised when no trace matches an id or id prefix, or a prefix matches several traces."""


class OtlpRequestError(TracekitError):
    """Raised by the OTLP receiver for a request it refuses as a whole: a body that does not
    decode (400), one over the size limit (413), an unsupported content type or encoding (415).
    ``status`` is the HTTP status the client gets."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ExportError(TracekitError):
    """Raised when ``tracekit export --otlp-endpoint`` cannot deliver spans: the endpoint is
    unreachable, refuses the connection or answers with an error."""


class BackendError(TracekitError):
    """Raised when ``tracekit import --from URL`` cannot pull a trace from a backend.

    ``reason`` says which way it failed, for callers that act on it: ``"not_found"`` (no such
    trace), ``"auth"`` (401/403: missing or refused credentials), ``"unreachable"`` (no
    connection, no answer within the timeout), ``"malformed"`` (an answer that is not the
    backend's trace format) or ``"error"`` (any other error status). The message never holds
    a header value, and URLs in it are scrubbed of credentials."""

    def __init__(
        self,
        reason: Literal["not_found", "auth", "unreachable", "malformed", "error"],
        message: str,
    ) -> None:
        super().__init__(message)
        self.reason = reason


class ModelError(TracekitError):
    """Raised when a model call fails."""


class TransientModelError(ModelError):
    """Raised when a model call fails in a way worth retrying (overload, 5xx, timeout)."""


class ToolError(TracekitError):
    """Raised when a tool function raises; ``__cause__`` is the tool's own exception."""

    def __init__(self, tool: str, message: str) -> None:
        super().__init__(f"tool {tool!r} failed: {message}")
        self.tool = tool


class OutputValidationError(TracekitError):
    """Raised when an agent's output does not validate against its declared output type."""

    def __init__(self, agent: str, details: str) -> None:
        super().__init__(f"agent {agent!r} returned an invalid output: {details}")
        self.agent = agent
        self.details = details


class WorkflowStopped(TracekitError):
    """Raised inside a run when a guardrail ends it; the run returns a partial result."""

    reason: str = "stopped"


class LimitExceeded(WorkflowStopped):
    """Raised when max steps, max cost, max seconds, an agent token budget or depth is exceeded."""

    def __init__(self, limit: str, value: float, observed: float) -> None:
        super().__init__(f"limit {limit} exceeded: {observed:g} > {value:g}")
        self.limit = limit
        self.value = value
        self.observed = observed
        self.reason = f"limit:{limit}"


class LoopDetected(WorkflowStopped):
    """Raised when an agent repeats the same action with the same arguments too many times."""

    reason = "loop"


class CircuitOpen(WorkflowStopped):
    """Raised when an agent's circuit breaker is open and it has no fallback."""

    reason = "circuit_open"


class ReplayError(TracekitError):
    """Base of the errors raised while replaying a recorded run."""


class RecordingError(ReplayError):
    """Raised when a recording cannot drive a replay: it has no workflow entrypoint, the
    entrypoint cannot be imported, or the trace holds no spans."""


class UnmatchedCallError(ReplayError):
    """Raised during replay when the code makes a call (model request, tool call, HTTP
    request) that the recording holds no answer for. Replay stops there: there is nothing
    truthful to answer with."""

    def __init__(self, message: str, *, key: str = "") -> None:
        super().__init__(message)
        self.key = key


class NetworkBlockedError(ReplayError):
    """Raised when code under replay (the replay plugin's tests, the ``anthropic_replay``
    fixture, any :func:`replay.http.network_blocked` block) opens a connection to an address
    that is not loopback: a replay that reaches out is a bug, not a flake."""


class ForkError(ReplayError):
    """Raised when a recorded run cannot be forked: the step does not exist, an override names
    an agent the trace does not have, or no live models are available after the fork point."""
