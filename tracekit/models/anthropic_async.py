"""Claude through the SDK's ``AsyncAnthropic``, for ``await workflow.arun(...)``.

The async twin of :class:`~tracekit.models.anthropic_model.AnthropicModel`: the same request
and response mapping, the same errors, and the SDK's own ``anthropic.messages.create`` span as
the LLM span (asyncio tasks carry the OTel context, so it nests under the agent span). Tests
inject an ``httpx2.AsyncClient`` with a mock transport; nothing is monkeypatched.
"""

from __future__ import annotations

import anthropic
import httpx2
from opentelemetry.trace import TracerProvider

from tracekit.models.anthropic_model import (
    ANTHROPIC_PROVIDER,
    SdkClients,
    from_anthropic_message,
    offered_tools,
    telemetry_option,
    to_anthropic_params,
)
from tracekit.models.base import ModelRequest, ModelResponse


class AsyncAnthropicModel:
    """Async model client for Claude (``acomplete`` only: route it in async runs).

    ``http_client`` is for tests and proxies (``httpx2.AsyncClient(transport=...)``). Retries
    are tracekit's (``tracekit.retry`` events, ``asyncio.sleep`` back-off), so the SDK's own
    are off by default.
    """

    provider = ANTHROPIC_PROVIDER

    def __init__(
        self,
        *,
        api_key: str | None = None,
        http_client: httpx2.AsyncClient | None = None,
        max_retries: int = 0,
        timeout_s: float = 120.0,
    ) -> None:
        self._clients = SdkClients(
            lambda tracer_provider: anthropic.AsyncAnthropic(
                api_key=api_key,
                http_client=http_client,
                max_retries=max_retries,
                timeout=timeout_s,
                open_telemetry=telemetry_option(tracer_provider),
            )
        )

    async def acomplete(
        self, request: ModelRequest, tracer_provider: TracerProvider | None
    ) -> ModelResponse:
        """Await ``messages.create``; the SDK emits the LLM span."""
        client = self._clients.get(tracer_provider)
        with offered_tools(request):
            message = await client.messages.create(**to_anthropic_params(request))
        return from_anthropic_message(message)
