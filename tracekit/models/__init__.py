"""Model clients: Claude through the Anthropic SDK, and a deterministic offline scripted model."""

from typing import TYPE_CHECKING

from tracekit.lazy import lazy_exports
from tracekit.models.base import (
    AsyncModelClient,
    ModelClient,
    ModelRequest,
    ModelResponse,
    ToolSpec,
    Usage,
)
from tracekit.models.messages import ChatMessage, TextPart, ToolCallPart, ToolCallResponsePart
from tracekit.models.routing import ModelRouter, ResponseCache
from tracekit.models.scripted import FINAL_RESULT_TOOL, ScriptContext, ScriptedModel, Turn

if TYPE_CHECKING:
    from tracekit.models.anthropic_async import AsyncAnthropicModel
    from tracekit.models.anthropic_model import AnthropicModel

__all__ = [
    "FINAL_RESULT_TOOL",
    "AnthropicModel",
    "AsyncAnthropicModel",
    "AsyncModelClient",
    "ChatMessage",
    "ModelClient",
    "ModelRequest",
    "ModelResponse",
    "ModelRouter",
    "ResponseCache",
    "ScriptContext",
    "ScriptedModel",
    "TextPart",
    "ToolCallPart",
    "ToolCallResponsePart",
    "ToolSpec",
    "Turn",
    "Usage",
]


# The Anthropic SDK takes about a second to import; only runs that use Claude pay for it.
__getattr__ = lazy_exports(
    __name__,
    {
        "AnthropicModel": "tracekit.models.anthropic_model",
        "AsyncAnthropicModel": "tracekit.models.anthropic_async",
    },
)
