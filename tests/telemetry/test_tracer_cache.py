"""The tracer cache keeps a provider's tracers as long as the provider lives, and no longer:
a tracer that refers back to its provider must not keep it alive."""

from __future__ import annotations

import gc
import weakref
from typing import Any

from opentelemetry.trace import NoOpTracer

from tracekit.telemetry import tracer_for


class _Provider:
    """A tracer provider whose tracers refer back to it, as replay's capture tracers do."""

    def get_tracer(self, scope: str, *args: Any, **kwargs: Any) -> _Tracer:
        return _Tracer(self)


class _Tracer(NoOpTracer):
    def __init__(self, provider: _Provider) -> None:
        self.provider = provider


class _SlottedProvider:
    __slots__ = ("__weakref__",)

    def get_tracer(self, scope: str, *args: Any, **kwargs: Any) -> NoOpTracer:
        return NoOpTracer()


def test_a_cached_tracer_lives_and_dies_with_its_provider() -> None:
    provider = _Provider()
    tracer = tracer_for(provider, "scope-a")
    assert tracer_for(provider, "scope-a") is tracer  # cached
    assert tracer_for(provider, "scope-b") is not tracer
    gone = weakref.ref(provider)
    del provider, tracer
    gc.collect()
    assert gone() is None


def test_a_provider_without_a_dict_still_has_its_tracers_cached() -> None:
    provider = _SlottedProvider()
    tracer = tracer_for(provider, "scope-a")
    tracer_for(provider, "scope-b")  # past the one-entry memo of the last answer
    assert tracer_for(provider, "scope-a") is tracer
    gone = weakref.ref(provider)
    del provider
    gc.collect()
    assert gone() is None


class _PlainSlottedProvider:
    __slots__ = ()

    def get_tracer(self, scope: str, *args: Any, **kwargs: Any) -> NoOpTracer:
        return NoOpTracer()


def test_a_provider_that_cannot_be_weakly_referenced_gets_its_tracers_uncached() -> None:
    provider = _PlainSlottedProvider()
    first = tracer_for(provider, "scope-a")
    tracer_for(provider, "scope-b")
    assert isinstance(first, NoOpTracer)
    assert tracer_for(provider, "scope-a") is not first  # made again, not kept anywhere
