"""An LLM-as-judge grader: Claude grades the output against a rubric.

The judge calls Claude through tracekit's own model client (:class:`AnthropicModel`, created on
first use; tests give it a :class:`ScriptedModel`). Its answers are cached by the hash of the
whole request (:class:`ResponseCache`, optionally on disk), so grading the same output again
costs nothing; its cost is reported apart from the workflow's (``judge_cost_usd``), and its
calls are not part of the run's trace.

>>> from tracekit.models import ScriptedModel, Turn
>>> judge = LLMJudge("Is the answer polite?", client=ScriptedModel(
...     script=lambda ctx: Turn(text='{"score": 0.9, "reason": "polite"}')))
>>> from tracekit.evals.cases import Case, CaseResult
>>> case = Case("c", "hi")
>>> judge(case, CaseResult(case, 0, "ok", "Hello!", "Hello!", None)).reason
'polite'
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any

from tracekit.evals.cases import Case, CaseResult, Grade, json_ready
from tracekit.models.base import ModelClient, ModelRequest
from tracekit.models.messages import ChatMessage
from tracekit.models.routing import ResponseCache
from tracekit.pricing import PriceTable

_SYSTEM = (
    "You grade the output of an AI agent against a rubric. Reply with one JSON object and "
    'nothing else: {"score": <number from 0 to 1>, "pass": <true|false>, "reason": "<one '
    'sentence>"}.'
)
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


class LLMJudge:
    """Grade with Claude against ``rubric``.

    ``model`` is the judge's Claude model; ``client`` answers it (default: the Anthropic
    client); ``cache_dir`` keeps answers across runs. ``cost_usd`` is the judge's total cost so
    far (cache hits cost nothing); each grade carries its own.
    """

    def __init__(
        self,
        rubric: str,
        *,
        model: str = "claude-haiku-4-5",
        client: ModelClient | None = None,
        cache_dir: Path | None = None,
        prices: PriceTable | None = None,
        name: str = "judge",
    ) -> None:
        self.rubric = rubric
        self.model = model
        self.name = name
        self._client = client
        self._cache = ResponseCache(cache_dir)
        self._prices = prices or PriceTable.default()
        self._lock = threading.Lock()
        self.cost_usd = 0.0
        self.calls = 0
        self.cache_hits = 0

    def _model_client(self) -> ModelClient:
        with self._lock:
            if self._client is None:
                from tracekit.models.anthropic_model import AnthropicModel

                self._client = AnthropicModel()
            return self._client

    def request(self, case: Case, result: CaseResult) -> ModelRequest:
        """The judge's request for one result (its hash is the cache key)."""
        facts = {
            "rubric": self.rubric,
            "input": json_ready(case.input),
            "expected": json_ready(case.expected),
            "output": result.output_json,
            "status": result.status,
        }
        text = json.dumps(facts, sort_keys=True, default=str, ensure_ascii=False)
        return ModelRequest(
            model=self.model,
            system=_SYSTEM,
            messages=[ChatMessage.user(text)],
            max_tokens=300,
            temperature=0.0,
        )

    def __call__(self, case: Case, result: CaseResult) -> Grade:
        """Ask the judge (or its cache) and turn the answer into a grade."""
        request = self.request(case, result)
        cached = self._cache.get(request)
        if cached is not None:
            with self._lock:
                self.cache_hits += 1
            return _parse(cached.message.text(), 0.0)
        response = self._model_client().complete(request, None)
        self._cache.put(request, response)
        usage = response.usage
        cost = response.cost_usd
        if cost is None:
            cost = self._prices.cost(
                response.model or self.model,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                cache_read_tokens=usage.cache_read_tokens,
                cache_creation_tokens=usage.cache_creation_tokens,
            )
        with self._lock:
            self.calls += 1
            self.cost_usd += cost or 0.0
        return _parse(response.message.text(), cost)


def _parse(text: str, cost: float | None) -> Grade:
    match = _OBJECT.search(text)
    try:
        answer: Any = json.loads(match.group(0)) if match else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get("score"), int | float):
        return Grade(0.0, f"the judge's answer is not a grade: {text[:120]!r}", cost_usd=cost)
    score = max(0.0, min(1.0, float(answer["score"])))
    verdict = answer.get("pass")
    return Grade(
        score,
        str(answer.get("reason") or ""),
        passed_=verdict if isinstance(verdict, bool) else None,
        cost_usd=cost,
    )
