"""The request's JSON forms made from cached pieces are the bytes pydantic makes for the
whole: the cache key, and so every scripted answer and recorded id, stays what it was."""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

import pytest

from tracekit.models import (
    ChatMessage,
    ModelRequest,
    ScriptContext,
    ScriptedModel,
    TextPart,
    ToolCallPart,
    ToolCallResponsePart,
    ToolSpec,
    Turn,
)
from tracekit.models.messages import messages_json
from tracekit.models.request_json import input_messages_json, output_message_json
from tracekit.models.scripted import _seed_number


class NotedMessage(ChatMessage):
    """A user's subclass: a list of ChatMessage dumps only ChatMessage's fields."""

    note: str = "kept out of the key"


SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"q": {"type": "string", "default": None}, "x": {"enum": ["a", None]}},
    "required": ["q"],
}
TOOLS = [
    ToolSpec(name="search", description="Sé ☃ arch", input_schema=SCHEMA),
    ToolSpec(name="final_result", input_schema={"type": "object", "properties": {}}),
]
CONVERSATION = [
    ChatMessage.user('ünïcode ☃ \u2028 \x00 "quoted" \\ "messages":[],"tools":[]'),
    ChatMessage(
        role="assistant",
        parts=[
            TextPart(content="let me look"),
            ToolCallPart(id="toolu_1", name="search", arguments={"q": "x", "n": None}),
        ],
        finish_reason="tool_use",
    ),
    ChatMessage(
        role="tool",
        parts=[ToolCallResponsePart(id="toolu_1", response={"r": [1, None, "é"], "none": None})],
    ),
    NotedMessage(role="user", parts=[TextPart(content="more")]),
]


def requests() -> list[ModelRequest]:
    made = []
    for system in (None, "", 'You are\nhelpful ☃ "messages":[],"tools":[]'):
        for temperature in (None, 0.0, -0.0, 0.7, 1e-7):
            for tools in ([], TOOLS, TOOLS[:1]):
                for count in (0, 1, 3, 4):
                    made.append(
                        ModelRequest(
                            model="claude-haiku-4-5",
                            system=system,
                            messages=CONVERSATION[:count],
                            tools=tools,
                            max_tokens=77,
                            temperature=temperature,
                        )
                    )
    return made


def test_the_cache_key_is_the_hash_of_the_whole_requests_json() -> None:
    for request in requests():
        whole = request.model_dump_json(exclude_none=True).encode()
        assert request.cache_key() == hashlib.sha256(whole).hexdigest(), whole
        assert request.cache_key() == hashlib.sha256(whole).hexdigest()  # asked again


def test_message_attributes_are_what_messages_json_makes() -> None:
    for count in range(len(CONVERSATION) + 1):
        assert input_messages_json(CONVERSATION[:count]) == messages_json(CONVERSATION[:count])
    for message in CONVERSATION:
        assert output_message_json(message) == messages_json([message], output=True)


@pytest.mark.parametrize("seed", [0, 7, 2**40])
def test_the_generator_is_seeded_as_from_the_text_seed(seed: int) -> None:
    key = hashlib.sha256(str(seed).encode()).hexdigest()
    ours, text_seeded = random.Random(_seed_number(seed, key)), random.Random(f"{seed}:{key}")
    assert [ours.random() for _ in range(50)] == [text_seeded.random() for _ in range(50)]


def test_a_repeated_request_gets_the_same_answer_and_user_scripts_still_see_attempts() -> None:
    request = ModelRequest(
        model="claude-haiku-4-5", messages=[ChatMessage.user("again")], tools=TOOLS
    )
    first = ScriptedModel(seed=4).complete(request, None)
    assert ScriptedModel(seed=4).complete(request, None) == first
    assert ScriptedModel(seed=4).complete(request.model_copy(), None) == first
    assert ScriptedModel(seed=5).complete(request, None) != first

    attempts: list[int] = []

    def flaky(ctx: ScriptContext) -> Turn:
        attempts.append(ctx.attempt)
        return ctx.final(text=json.dumps(ctx.attempt))

    model = ScriptedModel(seed=4, script=flaky)
    answers = [model.complete(request, None) for _ in range(3)]
    assert attempts == [0, 1, 2]
    assert len({a.model_dump_json() for a in answers}) == 3
