"""The simulator's JSON answers: what asks for JSON, the document built, its chunks."""

from __future__ import annotations

import json

import pytest

from tuichat.sim.json_answers import json_answer_tokens, prompted_schema, requested_schema, sample
from tuichat.sim.settings import BadOverride, SimSettings, plan_request
from tuichat.sim.wire import ChatRequest

SCHEMA = {
    "type": "object",
    "properties": {
        "kind": {"enum": ["a", "b"]},
        "n": {"type": "integer", "minimum": 3},
        "xs": {"type": "array", "items": {"type": "number"}, "minItems": 3},
        "ok": {"type": ["boolean", "null"]},
    },
    "required": ["kind", "n"],
}


def chat(schema: dict | None, *roles: str) -> ChatRequest:  # type: ignore[type-arg]
    messages = [{"role": role, "content": "x"} for role in roles or ("user",)]
    return ChatRequest(model="sim", messages=messages, json_requested=True, schema=schema)


def test_openai_bodies_that_ask_for_json() -> None:
    spec = {"type": "json_schema", "json_schema": {"name": "t", "schema": SCHEMA}}
    assert requested_schema({"response_format": spec}) == (True, SCHEMA)
    assert requested_schema({"response_format": {"type": "json_object"}}) == (True, None)
    assert requested_schema({"response_format": {"type": "text"}}) == (False, None)
    assert requested_schema({}) == (False, None)


def test_a_prompt_with_the_schema_line() -> None:
    system = f"be brief\n\nAnswer with JSON.\nJSON Schema:\n{json.dumps(SCHEMA)}"
    assert prompted_schema(system) == (True, SCHEMA)
    assert prompted_schema("JSON Schema:\n{broken") == (True, None)
    assert prompted_schema("be brief") == (False, None)


def test_the_sample_follows_the_common_keywords() -> None:
    document = sample(SCHEMA)
    assert document["kind"] == "a" and document["n"] == 45 and len(document["xs"]) == 3
    assert document["ok"] is True


def test_valid_then_invalid_until_repaired_then_broken() -> None:
    valid = "".join(json_answer_tokens(chat(SCHEMA), "valid"))
    assert json.loads(valid) == sample(SCHEMA)
    invalid = json.loads("".join(json_answer_tokens(chat(SCHEMA), "invalid")))
    assert invalid["kind"] == [] and "n" not in invalid
    repaired = "".join(json_answer_tokens(chat(SCHEMA, "user", "assistant", "user"), "invalid"))
    assert repaired == valid
    with pytest.raises(ValueError):
        json.loads("".join(json_answer_tokens(chat(SCHEMA), "broken")))


def test_chunks_are_small_and_join_back() -> None:
    tokens = json_answer_tokens(chat(None), "valid")
    assert all(1 <= len(token) <= 4 for token in tokens)
    assert json.loads("".join(tokens)) == {"answer": sample({})}


def test_the_json_override_is_checked() -> None:
    assert plan_request("sim?json=invalid", SimSettings(), {"ok"}).json == "invalid"
    with pytest.raises(BadOverride, match="json"):
        plan_request("sim?json=maybe", SimSettings(), {"ok"})
