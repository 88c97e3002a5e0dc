"""``tracekit fork``'s override flags, read into :class:`replay.overrides.ForkOverrides`.

``--model writer=claude-opus-4-1`` (or ``--model MODEL`` for every agent),
``--instructions writer=@prompt.txt`` (a file) or ``writer=Be brief.`` (the text),
``--temperature writer=0.2`` (or ``0.2`` for every agent), ``--input @input.json`` (a file) or
inline JSON; ``--models module:attribute`` names a ``ModelRouter`` (or a function returning one).
Every mistake is a ConfigError with one line that says what was expected.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracekit.exceptions import ConfigError

if TYPE_CHECKING:
    from replay.overrides import ForkOverrides
    from tracekit.models.routing import ModelRouter

_ALL = "*"


def _split(flag: str, value: str, *, agent_optional: bool) -> tuple[str, str]:
    agent, sep, rest = value.partition("=")
    if not sep:
        if agent_optional:
            return _ALL, value
        raise ConfigError(f"{flag} {value!r}: expected AGENT=VALUE")
    agent = agent.strip() or _ALL
    return agent, rest


def _text(flag: str, value: str) -> str:
    if not value.startswith("@"):
        return value
    path = Path(value[1:])
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{flag}: cannot read {path}: {exc.strerror or exc}") from None


def read_overrides(
    *,
    models: Sequence[str] = (),
    instructions: Sequence[str] = (),
    temperatures: Sequence[str] = (),
    input: str | None = None,
) -> ForkOverrides:
    """The overrides the flags give."""
    from replay.overrides import ForkOverrides

    data: dict[str, Any] = {"models": {}, "instructions": {}, "temperature": {}}
    for value in models:
        agent, model = _split("--model", value, agent_optional=True)
        if not model.strip():
            raise ConfigError(f"--model {value!r}: no model name")
        data["models"][agent] = model.strip()
    for value in instructions:
        agent, text = _split("--instructions", value, agent_optional=False)
        data["instructions"][agent] = _text("--instructions", text)
    for value in temperatures:
        agent, number = _split("--temperature", value, agent_optional=True)
        try:
            data["temperature"][agent] = float(number)
        except ValueError:
            raise ConfigError(f"--temperature {value!r}: {number!r} is not a number") from None
    if input is not None:
        raw = _text("--input", input)
        try:
            data["input"] = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"--input: not JSON ({exc.msg}, line {exc.lineno})") from None
    return ForkOverrides.of(data)


def load_router(spec: str) -> ModelRouter:
    """The ModelRouter ``module:attribute`` names (a router, or a callable returning one)."""
    from tracekit.models.routing import ModelRouter

    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise ConfigError(f"--models {spec!r}: expected module:attribute")
    try:
        target: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"--models {spec}: cannot import it: {exc}") from None
    if callable(target) and not isinstance(target, ModelRouter):
        target = target()
    if not isinstance(target, ModelRouter):
        raise ConfigError(f"--models {spec}: is a {type(target).__name__}, not a ModelRouter")
    return target
