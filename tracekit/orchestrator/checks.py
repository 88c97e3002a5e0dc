"""Checks on intermediate results: validate what an agent produced before anything uses it.

``Agent(checks=[fn, ...])``: after the agent's output validated against its type, each check
``fn(output, ctx)`` (or ``fn(output)``) says whether it is good enough — ``None``, ``True`` or
``Check.ok()`` for yes, ``Check.fail("why")`` (or a plain string, the reason) for no. An
``async def`` check is awaited in async runs. :func:`reflect` is a check that asks another
agent — a critic — to verify the output: a reflection checkpoint, recorded as a handoff.

A failed check is recorded on the agent span as a ``tracekit.check`` event with the reason,
then the agent's ``on_check_fail`` decides: ``"retry"`` re-asks the model with the reason
appended to the conversation (up to ``max_check_retries`` times), ``"fallback"`` hands over to
the agent's fallback, ``"fail"`` fails the call with
:class:`~tracekit.exceptions.CheckFailedError`.

>>> def long_enough(text: str) -> Check:
...     return Check.ok() if len(text) >= 20 else Check.fail("too short")
>>> verdict(long_enough("hi"), "long_enough")
Check(passed=False, reason='too short')
>>> verdict(None, "anything").passed
True
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, TypeAdapter

from tracekit.exceptions import ConfigError

if TYPE_CHECKING:
    from tracekit.orchestrator.agent import Agent

#: What an agent does when a check fails.
OnCheckFail = Literal["retry", "fallback", "fail"]
ON_CHECK_FAIL: tuple[OnCheckFail, ...] = ("retry", "fallback", "fail")

_JSON: TypeAdapter[Any] = TypeAdapter(Any)


@dataclass(frozen=True, slots=True)
class Check:
    """A check's verdict: passed, or failed with a reason."""

    passed: bool
    reason: str = ""

    @classmethod
    def ok(cls) -> Check:
        """The output is good."""
        return cls(True)

    @classmethod
    def fail(cls, reason: str) -> Check:
        """The output is not good, and why (the model reads it on a retry)."""
        return cls(False, reason or "failed")


class Verdict(BaseModel):
    """What a critic answers in a :func:`reflect` checkpoint (use it as its ``output``)."""

    ok: bool
    reason: str = ""


def verdict(value: Any, name: str) -> Check:
    """The :class:`Check` a check function's return value means.

    ``None``/``True``/``Check.ok()``: passed; ``False``: failed; a string: failed, with it as
    the reason; anything else is a mistake in the check.
    """
    if value is None or value is True:
        return Check.ok()
    if isinstance(value, Check):
        return value
    if value is False:
        return Check.fail(f"{name} failed")
    if isinstance(value, str):
        return Check.fail(value)
    raise ConfigError(
        f"check {name!r} returned {type(value).__name__}: return None/True/Check.ok() "
        "when the output is good, Check.fail(reason) when it is not"
    )


@dataclass(frozen=True, slots=True)
class FunctionCheck:
    """A check function, with the name it is recorded under."""

    fn: Callable[..., Any]
    name: str
    takes_context: bool

    @classmethod
    def of(cls, fn: Callable[..., Any]) -> FunctionCheck:
        """The check for ``fn(output, ctx)`` or ``fn(output)``."""
        if not callable(fn):
            raise ConfigError(f"check {fn!r} is not callable")
        try:
            parameters = list(inspect.signature(fn).parameters.values())
        except (TypeError, ValueError):  # a builtin without a signature: give it both
            parameters = []
        positional = [
            p
            for p in parameters
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) or p.kind == p.VAR_POSITIONAL
        ]
        name = getattr(fn, "__name__", None) or type(fn).__name__
        return cls(fn, name, takes_context=len(positional) != 1)

    def arguments(self, output: Any, ctx: Any) -> tuple[Any, ...]:
        """What the function is called with."""
        return (output, ctx) if self.takes_context else (output,)


@dataclass(frozen=True, slots=True)
class Reflect:
    """A reflection checkpoint: ``agent`` (the critic) verifies the output (see :func:`reflect`)."""

    agent: Agent
    name: str
    call_site: str
    payload: Callable[[Any, Any], Any] | None = None

    def review(self, checked: str, task: Any, output: Any) -> Any:
        """What the critic is handed: the agent checked, its input and its output."""
        if self.payload is not None:
            return self.payload(task, output)
        return {
            "agent": checked,
            "input": _JSON.dump_python(task, mode="json"),
            "output": _JSON.dump_python(output, mode="json"),
        }

    def judge(self, answer: Any) -> Check:
        """The check's verdict from the critic's answer: a :class:`Verdict` (or any object
        with ``ok``, or ``approved`` and ``issues``), a bool or a :class:`Check`."""
        if isinstance(answer, Check):
            return answer
        if isinstance(answer, bool):
            return Check.ok() if answer else Check.fail(f"{self.agent.name} rejected the output")
        for flag in ("ok", "approved"):
            passed = getattr(answer, flag, None)
            if isinstance(passed, bool):
                if passed:
                    return Check.ok()
                reason = getattr(answer, "reason", "") or "; ".join(
                    str(issue) for issue in getattr(answer, "issues", None) or ()
                )
                return Check.fail(reason or f"{self.agent.name} rejected the output")
        raise ConfigError(
            f"reflect({self.agent.name!r}): the critic's output must be a Verdict (or have "
            f"a bool 'ok' or 'approved'), got {type(answer).__name__}"
        )


def reflect(
    agent: Agent,
    *,
    name: str | None = None,
    payload: Callable[[Any, Any], Any] | None = None,
) -> Reflect:
    """A check that asks ``agent`` (a critic whose output is a :class:`Verdict`) whether the
    output is right: a reflection checkpoint on a critical step.

    The critic runs as a handoff from the checked agent (a nested ``invoke_agent`` span with
    ``tracekit.handoff.from``/``to``); it does not count towards ``max_depth``. It is handed
    ``{"agent", "input", "output"}``, or what ``payload(input, output)`` returns.
    """
    frame = sys._getframe(1)
    site = f"{frame.f_code.co_filename.rsplit('/', 1)[-1]}:{frame.f_lineno}"
    return Reflect(agent, name or f"reflect:{agent.name}", site, payload)


#: What ``Agent(checks=...)`` holds.
AgentCheck = FunctionCheck | Reflect


def agent_checks(checks: Any) -> tuple[AgentCheck, ...]:
    """The checks of ``Agent(checks=...)``: reflect checkpoints as they are, functions named."""
    return tuple(c if isinstance(c, Reflect) else FunctionCheck.of(c) for c in checks)


def feedback(name: str, reason: str) -> str:
    """What the model is told when its answer failed a check and it is asked again."""
    return f"Your answer failed the check {name!r}: {reason}. Fix this and answer again."
