"""What the TUI's fork form needs, without Textual: where a selected span forks, each agent's
recorded model, instructions and temperature, reading the form into a ready
:class:`~replay.fork.ForkSession`, and running its forks into the store.

The form shows what the recording did (the model, the instructions without the answer hint the
orchestrator adds, the temperature); only what the user changed becomes an override, so a form
submitted untouched forks with no overrides (another sample of the same step).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from replay.fork import ForkRun, ForkSession, store_processors
from replay.recording import Recording
from replay.step_names import StepRef, resolve_step
from replay.trajectory import Step
from tracekit.display import inert
from tracekit.exceptions import ConfigError
from tracekit.models.routing import ModelRouter
from tracekit.store import TraceStore
from tracekit.store.models import SpanOutline

#: A model name as providers spell them: letters, digits and ``.-_:/@`` (``claude-opus-4-1``,
#: ``us.anthropic.claude-3-7-sonnet-20250219-v1:0``, ``openai/gpt-4o``), no spaces.
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}")
#: The most forks one submit runs (each is a whole live run from the fork point).
MAX_REPEAT = 50
#: Appended by the orchestrator to a structured agent's instructions; an instructions
#: override keeps it (see :mod:`replay.overrides`), so the form leaves it out.
_ANSWER_HINT_START = "\n\nWhen done, call the "


@dataclass(frozen=True)
class AgentSetup:
    """How an agent ran in the recording, as the form prefills it."""

    agent: str
    model: str
    instructions: str
    temperature: float | None


@dataclass(frozen=True)
class ForkTarget:
    """A recorded run and the step the user chose to fork it at."""

    recording: Recording
    at: StepRef
    agents: tuple[AgentSetup, ...]
    """The agents that run from the fork point on (the ones an override can change)."""

    @property
    def workflow(self) -> str:
        """The recorded workflow's name."""
        return self.recording.workflow_name


@dataclass(frozen=True)
class AgentEntry:
    """What the form holds for one agent: the text of its fields as typed."""

    model: str
    temperature: str
    instructions: str


@dataclass(frozen=True)
class ForkPlan:
    """A checked fork, ready to run ``repeat`` times (nothing has run yet)."""

    session: ForkSession
    repeat: int

    @property
    def parent_trace_id(self) -> str:
        """The trace being forked."""
        return self.session.recording.trace_id

    def describe(self) -> str:
        """One line: ``fork doc-pipeline at writer#1 · model writer=m · ×3``."""
        times = f" · ×{self.repeat}" if self.repeat > 1 else ""
        session = self.session
        return (
            f"fork {session.recording.workflow_name} at {session.at.name} · "
            f"{session.overrides.describe()}{times}"
        )


def fork_target(
    store: TraceStore, trace_id: str, spans: Sequence[SpanOutline], index: int
) -> ForkTarget:
    """Where forking at ``spans[index]`` (a span of the trace, in tree order) forks: that
    span's step, or the first step after it (the workflow span forks at step 0).

    Raises a TracekitError (one line) when the trace cannot be read or has no step there.
    """
    recording = Recording.from_spans(
        store.trace_spans(trace_id, with_content=True), source=f"trace {trace_id[:12]}"
    )
    positions = {step.span_id: i for i, step in enumerate(recording.trajectory.steps)}
    position = next(
        (positions[s.span_id] for s in spans[max(index, 0) :] if s.span_id in positions), None
    )
    if position is None:
        raise ConfigError("no model, tool or agent call at or after the selected span to fork at")
    at = resolve_step(recording.trajectory, position)
    return ForkTarget(recording, at, tuple(_agent_setups(recording.trajectory.steps[position:])))


def _agent_setups(steps: Sequence[Step]) -> list[AgentSetup]:
    first_llm: dict[str, Step] = {}
    order: list[str] = []
    for step in steps:
        if step.agent not in order and step.kind in ("agent", "llm"):
            order.append(step.agent)
        if step.kind == "llm":
            first_llm.setdefault(step.agent, step)
    setups = []
    for agent in order:
        llm = first_llm.get(agent)
        request: Mapping[str, Any] = llm.request if llm is not None else {}
        temperature = request.get("temperature")
        setups.append(
            AgentSetup(
                agent=agent,
                model=str(request.get("model") or ""),
                instructions=_instructions_text(request.get("system")),
                temperature=float(temperature) if isinstance(temperature, int | float) else None,
            )
        )
    return setups


def _instructions_text(system: Any) -> str:
    """The recorded system prompt as text (semconv parts joined), without the answer hint."""
    if isinstance(system, list):
        text = "\n".join(
            str(part.get("content", ""))
            for part in system
            if isinstance(part, dict) and part.get("type") == "text"
        )
    else:
        text = str(system) if system else ""
    text = text.split(_ANSWER_HINT_START, 1)[0]
    # What the TextArea shows is what is compared on submit: the same inert text both times.
    return inert(text, multiline=True)


def read_fork_form(
    target: ForkTarget,
    entries: Mapping[str, AgentEntry],
    repeat: str,
    models: ModelRouter | None,
) -> ForkPlan:
    """The fork the form asks for; ConfigError or ForkError (one line, nothing run) for a bad
    field: a model name that is not one, a model nothing routes, a temperature that is not a
    number from 0 to 2, a repeat that is not a whole number from 1 to :data:`MAX_REPEAT`, or
    no models to go live with."""
    overrides: dict[str, dict[str, Any]] = {"models": {}, "instructions": {}, "temperature": {}}
    for setup in target.agents:
        entry = entries.get(setup.agent)
        if entry is None:
            continue
        model = entry.model.strip()
        if model != setup.model:
            if not MODEL_NAME.fullmatch(model):
                raise ConfigError(
                    f"{setup.agent}: {model!r} is not a model name (letters, digits, . - _ : / @)"
                )
            overrides["models"][setup.agent] = model
        temperature = entry.temperature.strip()
        if temperature:
            value = _temperature(setup.agent, temperature)
            if value != setup.temperature:
                overrides["temperature"][setup.agent] = value
        if entry.instructions.strip() != setup.instructions.strip():
            overrides["instructions"][setup.agent] = entry.instructions
    count = _repeat(repeat)
    session = ForkSession(
        target.recording, at=target.at.position, models=models, overrides=overrides
    )
    for agent, model in overrides["models"].items():
        try:
            session.live.client_for(model)
        except ConfigError:
            raise ConfigError(
                f"{agent}: no model client answers {model!r} (the live models route other names)"
            ) from None
    return ForkPlan(session, count)


def _temperature(agent: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ConfigError(f"{agent}: temperature {text!r} is not a number") from None
    if not 0.0 <= value <= 2.0:
        raise ConfigError(f"{agent}: temperature {text} is not between 0 and 2")
    return value


def _repeat(text: str) -> int:
    stripped = text.strip() or "1"
    if not stripped.isdigit() or not 1 <= int(stripped) <= MAX_REPEAT:
        raise ConfigError(f"repeat {text!r}: give a whole number from 1 to {MAX_REPEAT}")
    return int(stripped)


def run_forks(
    plan: ForkPlan, store: TraceStore, progress: Callable[[int, int], None] | None = None
) -> list[ForkRun]:
    """Run the plan's forks one after another, each recorded into ``store``; ``progress(done,
    total)`` is called before the first and after each. Errors are TracekitErrors."""
    runs: list[ForkRun] = []
    for done in range(plan.repeat):
        if progress is not None:
            progress(done, plan.repeat)
        runs.append(plan.session.run(store_processors(store.paths.db)))
    if progress is not None:
        progress(plan.repeat, plan.repeat)
    return runs
