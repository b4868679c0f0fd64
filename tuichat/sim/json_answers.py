"""JSON answers for structured-output requests, streamed in small chunks.

A request asks for JSON when it carries OpenAI's ``response_format``
(``json_schema`` or ``json_object``) or, in prompt-only mode (Anthropic), a
system prompt with a ``JSON Schema:`` line followed by the schema. The
simulator then answers with a deterministic document built from the schema
(every property, the first enum value, strings with quotes, escapes and
non-ASCII so chunk boundaries split them), cut into 1–4 character chunks.

``sim?json=invalid`` answers the first request of a conversation with a
document that breaks the schema (a wrong type, a required field missing)
and any later one (a repair: the history holds an assistant turn) with a
valid one; ``json=broken`` always sends a truncated document. Only what
JSON Schema keywords the builder knows shape the document; others are
ignored (it is a simulator, not a generator for every schema).
"""

from __future__ import annotations

import json
from typing import Any

from tuichat.sim.wire import ChatRequest, dumps

JSON_BEHAVIOURS = ("valid", "invalid", "broken")
SCHEMA_MARKER = "JSON Schema:"
"""The line tuichat's prompt-only instruction puts before the schema."""
_SAMPLE_TEXT = 'say "hi"\\ café ☕'
_CHUNK_SIZES = (1, 3, 2, 4)


def requested_schema(body: dict[str, Any]) -> tuple[bool, dict[str, Any] | None]:
    """From an OpenAI body: whether JSON is asked for, and the schema if one is given."""
    spec = body.get("response_format")
    if not isinstance(spec, dict) or spec.get("type") not in ("json_schema", "json_object"):
        return False, None
    inner = spec.get("json_schema")
    schema = inner.get("schema") if isinstance(inner, dict) else spec.get("schema")
    return True, schema if isinstance(schema, dict) else None


def prompted_schema(system: str) -> tuple[bool, dict[str, Any] | None]:
    """From a system prompt: the schema after the ``JSON Schema:`` line, if any."""
    at = system.find(SCHEMA_MARKER)
    if at < 0:
        return False, None
    start = system.find("{", at)
    try:
        schema, _ = json.JSONDecoder().raw_decode(system, start)
    except (ValueError, RecursionError):
        return True, None
    return True, schema if isinstance(schema, dict) else None


def json_answer_tokens(chat: ChatRequest, behaviour: str) -> list[str]:
    """The answer text for a JSON request, in chunks."""
    repairing = any(m.get("role") == "assistant" for m in chat.messages)
    document = sample(chat.schema or {"type": "object", "properties": {"answer": {}}})
    if behaviour == "invalid" and not repairing:
        document = _broken_field(document, chat.schema or {})
    text = dumps(document)
    if behaviour == "broken":
        text = text[: max(1, len(text) * 2 // 3)]
    return _chunks(text)


def sample(schema: Any, depth: int = 0) -> Any:
    """A value valid for the common keywords of ``schema``."""
    if not isinstance(schema, dict) or depth > 8:
        return _SAMPLE_TEXT
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            return sample(schema[key][0], depth + 1)
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    if kind == "object" or (kind is None and "properties" in schema):
        props = schema.get("properties")
        props = props if isinstance(props, dict) else {}
        return {name: sample(sub, depth + 1) for name, sub in props.items()}
    if kind == "array":
        count = max(2, schema.get("minItems", 0) if isinstance(schema.get("minItems"), int) else 0)
        return [sample(schema.get("items", {}), depth + 1) for _ in range(min(count, 5))]
    return _scalar(kind, schema)


def _scalar(kind: Any, schema: dict[str, Any]) -> Any:
    low = schema.get("minimum", 0)
    if kind == "integer":
        return int(low) + 42 if isinstance(low, int | float) else 42
    if kind == "number":
        return (float(low) if isinstance(low, int | float) else 0.0) + 3.25e1
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _SAMPLE_TEXT


def _broken_field(document: Any, schema: dict[str, Any]) -> Any:
    """The document with its first field of the wrong type, and a required field missing."""
    if not isinstance(document, dict) or not document:
        return [document]  # a wrong type at the top
    broken = dict(document)
    first = next(iter(broken))
    broken[first] = [] if not isinstance(broken[first], list) else "not a list"
    required = schema.get("required")
    if isinstance(required, list) and len(required) > 1 and required[-1] in broken:
        del broken[required[-1]]
    return broken


def _chunks(text: str) -> list[str]:
    chunks, index, turn = [], 0, 0
    while index < len(text):
        size = _CHUNK_SIZES[turn % len(_CHUNK_SIZES)]
        chunks.append(text[index : index + size])
        index, turn = index + size, turn + 1
    return chunks
