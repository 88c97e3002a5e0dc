"""Which client answers which model, and the optional input-hash response cache."""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Mapping
from pathlib import Path

from tracekit.exceptions import ConfigError
from tracekit.models.base import AnyModelClient, ModelRequest, ModelResponse


class ModelRouter:
    """Maps model names to clients by glob pattern; the first matching pattern wins.

    >>> from tracekit.models.scripted import ScriptedModel
    >>> router = ModelRouter({"claude-*": ScriptedModel()})
    >>> router.client_for("claude-haiku-4-5").provider
    'tracekit.scripted'
    """

    def __init__(
        self, routes: Mapping[str, AnyModelClient], default: AnyModelClient | None = None
    ) -> None:
        self.routes = dict(routes)
        self.default = default

    def client_for(self, model: str) -> AnyModelClient:
        """The client that answers ``model``."""
        for pattern, client in self.routes.items():
            if fnmatch.fnmatchcase(model, pattern):
                return client
        if self.default is None:
            raise ConfigError(f"no model client routes model {model!r}")
        return self.default


class ResponseCache:
    """Answers a request seen before from memory (and, with ``directory``, from disk).

    The key is a hash of the whole request (model, system prompt, messages, tools, settings),
    so any change to the prompt misses. A hit is recorded on the LLM span
    (``tracekit.cache.hit``); a replay answers hits from the recording and never reads or
    fills the cache, so one replay's cache never reaches another's.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self._memory: dict[str, ModelResponse] = {}
        self._directory = directory
        self._lock = threading.Lock()
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)

    def get(self, request: ModelRequest) -> ModelResponse | None:
        """The cached response, marked ``cached`` with zero usage and cost, or ``None``."""
        key = request.cache_key()
        with self._lock:
            hit = self._memory.get(key)
        if hit is None and self._directory is not None:
            path = self._directory / f"{key}.json"
            if path.exists():
                hit = ModelResponse.model_validate_json(path.read_text())
        if hit is None:
            return None
        return hit.model_copy(update={"cached": True, "cost_usd": 0.0, "usage": type(hit.usage)()})

    def put(self, request: ModelRequest, response: ModelResponse) -> None:
        """Remember ``response`` for ``request``."""
        key = request.cache_key()
        with self._lock:
            self._memory[key] = response
        if self._directory is not None:
            tmp = self._directory / f".{key}.tmp"
            tmp.write_text(response.model_dump_json())
            tmp.replace(self._directory / f"{key}.json")
