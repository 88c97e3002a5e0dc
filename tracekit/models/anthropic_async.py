"""Claude through the SDK's ``AsyncAnthropic``, for ``await workflow.arun(...)``.

The async twin of :class:`~tracekit.models.anthropic_model.AnthropicModel`: the same request
and response mapping, the same errors, and the SDK's own ``anthropic.messages.create`` span as
the LLM span (asyncio tasks carry the OTel context, so it nests under the agent span). Tests
inject an ``httpx2.AsyncClient`` with a mock transport; nothing is monkeypatched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import anthropic
import httpx2
from opentelemetry.trace import TracerProvider

from tracekit.models.anthropic_model import (
    ANTHROPIC_PROVIDER,
    SdkClients,
    StreamDecoder,
    attributes_at_span_end,
    from_anthropic_message,
    offered_tools,
    telemetry_option,
    to_anthropic_params,
)
from tracekit.models.base import ModelRequest, ModelResponse
from tracekit.models.streaming import StreamItem


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

    async def astream(
        self, request: ModelRequest, tracer_provider: TracerProvider | None
    ) -> AsyncIterator[StreamItem]:
        """Stream through the async ``messages.stream``: deltas as the events arrive, then
        the response (the SDK's span is the LLM span)."""
        client = self._clients.get(tracer_provider)
        decoder = StreamDecoder()
        with offered_tools(request):
            async with AsyncExitStack() as stack:
                with attributes_at_span_end(decoder):
                    stream = await stack.enter_async_context(
                        client.messages.stream(**to_anthropic_params(request))
                    )
                async for event in stream:
                    item = decoder.decode(event)
                    if item is not None:
                        yield item
                message = await stream.get_final_message()
                response = decoder.final(message)
        yield response
