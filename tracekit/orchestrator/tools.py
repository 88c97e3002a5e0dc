"""Tools are plain typed Python functions; their JSON schema comes from the signature.

>>> def search(query: str, limit: int = 3) -> list[str]:
...     '''Search the knowledge base.'''
...     return [query] * limit
>>> t = Tool.from_function(search)
>>> t.spec.input_schema["required"], t.spec.description
(['query'], 'Search the knowledge base.')
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any, Literal, get_args, get_origin, get_type_hints, overload

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from tracekit.exceptions import ConfigError, ToolError, WorkflowStopped
from tracekit.models.base import ToolSpec
from tracekit.orchestrator.effects import run_awaitable

ToolErrors = Literal["raise", "report"]
#: How replay treats the tool: answer from the recording, or run it (pure tools) and compare.
ToolReplay = Literal["recorded", "live"]


def _is_context_parameter(annotation: Any) -> bool:
    """Whether ``annotation`` is ``Context``, ``Context[S]`` or an optional of either."""
    from tracekit.orchestrator.context import Context  # the context module imports this one

    return any(
        (get_origin(candidate) or candidate) is Context
        for candidate in (annotation, *get_args(annotation))
    )


class Tool:
    """A function the model may call.

    ``requires_approval`` puts a human approval gate in front of it (propose → confirm →
    execute). ``errors="report"`` sends a raised exception back to the model as the tool result
    instead of failing the agent. A parameter annotated ``Context`` receives the run context and
    is hidden from the model. ``replay="live"`` runs the tool for real during replays too
    (for pure tools) and compares its result with the recorded one.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        requires_approval: bool = False,
        errors: ToolErrors = "raise",
        replay: ToolReplay = "recorded",
    ) -> None:
        if replay not in ("recorded", "live"):
            raise ConfigError(f"tool {name or fn.__name__!r}: replay must be 'recorded' or 'live'")
        self.fn = fn
        # Asked on every call: inspect's answer is a few Python calls (kept with its function).
        self._async_of: tuple[Callable[..., Any], bool] = (fn, inspect.iscoroutinefunction(fn))
        self.replay: ToolReplay = replay
        self.name = name or fn.__name__
        self.requires_approval = requires_approval
        self.errors = errors
        hints = get_type_hints(fn)
        fields: dict[str, Any] = {}
        self.context_parameter: str | None = None
        for param in inspect.signature(fn).parameters.values():
            annotation = hints.get(param.name, Any)
            if _is_context_parameter(annotation):
                self.context_parameter = param.name
                continue
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                raise ConfigError(
                    f"tool {self.name!r}: *args/**kwargs cannot be described to a model"
                )
            default = ... if param.default is inspect.Parameter.empty else param.default
            fields[param.name] = (annotation, default)
        self.arguments_model: type[BaseModel] = create_model(
            f"{self.name}_arguments",
            __config__=ConfigDict(extra="forbid"),
            **fields,
        )
        doc = inspect.getdoc(fn) or ""
        self.spec = ToolSpec(
            name=self.name,
            description=description or doc.split("\n\n", 1)[0].replace("\n", " "),
            input_schema=self.arguments_model.model_json_schema(),
        )

    @classmethod
    def from_function(cls, fn: Callable[..., Any] | Tool) -> Tool:
        """``fn`` as a tool (a Tool is returned as is)."""
        return fn if isinstance(fn, Tool) else cls(fn)

    def validate(self, arguments: dict[str, Any]) -> BaseModel:
        """``arguments`` parsed against the signature; ToolError when they do not fit it."""
        try:
            return self.arguments_model.model_validate(arguments)
        except ValidationError as exc:
            raise ToolError(
                self.name, f"invalid arguments: {exc.errors(include_url=False)}"
            ) from exc

    def invoke(self, arguments: dict[str, Any], context: Any = None) -> Any:
        """Validate ``arguments`` against the signature and call the function (an
        ``async def`` tool is run to completion on a short-lived event loop)."""
        kwargs = self._kwargs(arguments, context)
        try:
            result = self.fn(**kwargs)
            if self.is_async:
                result = run_awaitable(result, f"tool {self.name!r}")
            return result
        except (ToolError, WorkflowStopped):
            # A guardrail that fired inside the tool (a nested agent call) ends the run.
            raise
        except Exception as exc:
            raise ToolError(self.name, f"{type(exc).__name__}: {exc}") from exc

    async def ainvoke(self, arguments: dict[str, Any], context: Any = None) -> Any:
        """Like :meth:`invoke`, awaited: an ``async def`` tool is awaited, a sync one runs in
        a worker thread (with this context, so its spans and nested calls nest)."""
        kwargs = self._kwargs(arguments, context)
        try:
            if self.is_async:
                return await self.fn(**kwargs)
            return await asyncio.to_thread(self.fn, **kwargs)
        except (ToolError, WorkflowStopped):
            raise
        except Exception as exc:
            raise ToolError(self.name, f"{type(exc).__name__}: {exc}") from exc

    @property
    def is_async(self) -> bool:
        """Whether the function is an ``async def``."""
        fn, is_async = self._async_of
        if fn is not self.fn:
            self._async_of = (self.fn, inspect.iscoroutinefunction(self.fn))
            is_async = self._async_of[1]
        return is_async

    def _kwargs(self, arguments: dict[str, Any], context: Any) -> dict[str, Any]:
        parsed = self.validate(arguments)
        kwargs = {field: getattr(parsed, field) for field in type(parsed).model_fields}
        if self.context_parameter is not None:
            kwargs[self.context_parameter] = context
        return kwargs


@overload
def tool(fn: Callable[..., Any], /) -> Tool: ...


@overload
def tool(
    *,
    name: str | None = None,
    requires_approval: bool = False,
    errors: ToolErrors = "raise",
    replay: ToolReplay = "recorded",
) -> Callable[[Callable[..., Any]], Tool]: ...


def tool(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    requires_approval: bool = False,
    errors: ToolErrors = "raise",
    replay: ToolReplay = "recorded",
) -> Tool | Callable[[Callable[..., Any]], Tool]:
    """Decorator form of :class:`Tool` (``@tool``, ``@tool(requires_approval=True)``,
    ``@tool(replay="live")``)."""

    def wrap(f: Callable[..., Any]) -> Tool:
        return Tool(f, name=name, requires_approval=requires_approval, errors=errors, replay=replay)

    return wrap(fn) if fn is not None else wrap
