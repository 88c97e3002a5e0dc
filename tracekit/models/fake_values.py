"""Seeded values that satisfy a JSON schema, for the offline scripted model.

Covers the JSON-schema subset pydantic emits for ordinary models: objects with ``$ref``/``$defs``,
``anyOf`` (optional fields), enums and ``const``, strings with length bounds, bounded numbers,
booleans and arrays with item bounds.
"""

from __future__ import annotations

import random
from typing import Any

_WORDS = [
    "agent",
    "latency",
    "budget",
    "cache",
    "context",
    "critique",
    "draft",
    "evidence",
    "fallback",
    "handoff",
    "index",
    "invoice",
    "ledger",
    "metric",
    "model",
    "outline",
    "plan",
    "policy",
    "prompt",
    "query",
    "refund",
    "report",
    "retry",
    "review",
    "router",
    "schema",
    "section",
    "signal",
    "source",
    "span",
    "summary",
    "ticket",
    "tool",
    "trace",
    "vector",
    "workflow",
]


def fake_value(
    schema: dict[str, Any],
    rng: random.Random,
    *,
    root: dict[str, Any] | None = None,
    name: str = "",
) -> Any:
    """A value valid against ``schema``; ``rng`` makes it deterministic."""
    root = root if root is not None else schema
    if "$ref" in schema:
        ref = schema["$ref"].rsplit("/", 1)[-1]
        return fake_value(root.get("$defs", {})[ref], rng, root=root, name=name)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return rng.choice(schema["enum"])
    if "default" in schema and rng.random() < 0.3:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return fake_value(options[0], rng, root=root, name=name)
    if "allOf" in schema:
        return fake_value(schema["allOf"][0], rng, root=root, name=name)
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props: dict[str, Any] = schema.get("properties", {})
        return {key: fake_value(sub, rng, root=root, name=key) for key, sub in props.items()}
    if kind == "array":
        low = int(schema.get("minItems", 1))
        high = int(schema.get("maxItems", max(low, 3)))
        count = rng.randint(low, max(low, high))
        return [
            fake_value(schema.get("items", {}), rng, root=root, name=name) for _ in range(count)
        ]
    if kind == "string":
        return _fake_string(schema, rng, name)
    if kind == "integer":
        low = int(schema.get("minimum", schema.get("exclusiveMinimum", -1) + 1))
        high = int(schema.get("maximum", schema.get("exclusiveMaximum", low + 101) - 1))
        return rng.randint(low, max(low, high))
    if kind == "number":
        bottom = float(schema.get("minimum", schema.get("exclusiveMinimum", 0.0)))
        top = float(schema.get("maximum", schema.get("exclusiveMaximum", bottom + 1.0)))
        return round(rng.uniform(bottom, top), 3)
    if kind == "boolean":
        return rng.random() < 0.5
    return None


def _fake_string(schema: dict[str, Any], rng: random.Random, name: str) -> str:
    low = int(schema.get("minLength", 1))
    high = int(schema.get("maxLength", 200))
    words = [rng.choice(_WORDS) for _ in range(rng.randint(2, 9))]
    text = " ".join(words)
    if name:
        text = f"{name.replace('_', ' ')}: {text}"
    while len(text) < low:
        text += " " + rng.choice(_WORDS)
    return text[:high]
