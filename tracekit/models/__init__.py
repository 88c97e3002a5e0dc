"""Model clients: Claude through the Anthropic SDK, and a deterministic offline scripted model."""

from tracekit.models.anthropic_model import AnthropicModel
from tracekit.models.base import ModelClient, ModelRequest, ModelResponse, ToolSpec, Usage
from tracekit.models.messages import ChatMessage, TextPart, ToolCallPart, ToolCallResponsePart
from tracekit.models.routing import ModelRouter, ResponseCache
from tracekit.models.scripted import FINAL_RESULT_TOOL, ScriptContext, ScriptedModel, Turn

__all__ = [
    "FINAL_RESULT_TOOL",
    "AnthropicModel",
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
