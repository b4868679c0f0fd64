"""Schema files checked before sending; answers judged with JSON paths; the request bodies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tuichat.core.conversation import ChatMessage, ChatRequest, ResponseFormat
from tuichat.core.structured.prompts import SCHEMA_MARKER, repair_prompt
from tuichat.core.structured.schema import SchemaProblem, parse_schema
from tuichat.core.structured.verdict import json_path, judge
from tuichat.providers import anthropic, openai_compat
from tuichat.schema_file import load_schema_file

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "items": {"type": "array", "items": {"type": "object", "required": ["id"]}},
    },
    "required": ["name"],
}
FORMAT = ResponseFormat.of(SCHEMA, name="thing")


def test_a_valid_answer() -> None:
    verdict = judge('{"name": "x", "items": [{"id": 1}]}', FORMAT)
    assert verdict.valid and verdict.summary() == "valid" and verdict.document["name"] == "x"


def test_errors_carry_their_json_path_sorted() -> None:
    verdict = judge('{"name": 3, "items": [{"id": 1}, {}, {"id": 2}]}', FORMAT)
    assert not verdict.valid and verdict.parsed
    assert [v.line() for v in verdict.violations] == [
        "$.items[1]: 'id' is a required property",
        "$.name: 3 is not of type 'string'",
    ]
    assert verdict.summary() == "invalid: 2 errors"
    assert verdict.as_json()["errors"][0] == {
        "path": "$.items[1]",
        "message": "'id' is a required property",
    }


def test_text_that_is_not_json_is_not_parsed() -> None:
    verdict = judge("Sure! Here is the JSON: {", FORMAT)
    assert not verdict.parsed and not verdict.valid
    assert verdict.summary().startswith("not JSON: ")


def test_json_mode_accepts_any_document() -> None:
    assert judge("[1, 2]", ResponseFormat.of(None)).valid


def test_paths_quote_keys_that_are_not_names() -> None:
    assert json_path(["a b", 0, "ok", "\x1b[2J"]) == "$['a b'][0].ok['\\x1b[2J']"


def test_hostile_values_stay_on_one_line() -> None:
    verdict = judge(
        '{"name": "a\\nb\\u001b[2J"}',
        ResponseFormat.of({"properties": {"name": {"type": "integer"}}}),
    )
    (violation,) = verdict.violations
    assert "\n" not in violation.message and "\x1b" not in violation.message


def test_the_repair_prompt_lists_every_error() -> None:
    verdict = judge('{"name": 3}', FORMAT)
    assert "- $.name: 3 is not of type 'string'" in repair_prompt(verdict)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{", "s is not JSON: Expecting property name"),
        ('"just a string"', "expected an object"),
        ('{"type": 12}', "is not a valid JSON Schema: 12 is not valid under any of the given"),
        ('{"properties": {"a": {"minimum": "zero"}}}', "(at $.properties.a.minimum)"),
    ],
)
def test_bad_schemas_are_one_line(text: str, expected: str) -> None:
    with pytest.raises(SchemaProblem) as raised:
        parse_schema(text, "s")
    assert expected in str(raised.value) and "\n" not in str(raised.value)


def test_the_format_name_is_the_title_or_the_file(tmp_path: Path) -> None:
    path = tmp_path / "my schema.json"
    path.write_text(json.dumps({"type": "object"}), encoding="utf-8")
    assert load_schema_file(path).name == "my_schema"
    assert parse_schema('{"title": "Person record"}', "x").name == "Person_record"


def test_a_schema_file_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SchemaProblem, match="cannot read schema file"):
        load_schema_file(tmp_path)


def request(response_format: ResponseFormat | None) -> ChatRequest:
    messages = (ChatMessage("system", "be brief"), ChatMessage("user", "hi"))
    return ChatRequest(model="m", messages=messages, response_format=response_format)


def test_openai_body_with_a_schema() -> None:
    body = openai_compat.request_body(request(FORMAT))
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "thing", "schema": SCHEMA, "strict": False},
    }
    assert body["messages"][0]["content"] == "be brief"


def test_openai_body_in_json_mode_says_json() -> None:
    body = openai_compat.request_body(request(ResponseFormat.of(None)))
    assert body["response_format"] == {"type": "json_object"}
    assert body["messages"][0]["content"].startswith("be brief\n\nAnswer with one JSON document")


def test_anthropic_body_puts_the_schema_in_the_system_prompt() -> None:
    body = anthropic.request_body(request(FORMAT))
    system = body["system"][0]["text"]
    assert system.startswith("be brief\n\n") and SCHEMA_MARKER in system
    assert json.loads(system.split(SCHEMA_MARKER, 1)[1]) == SCHEMA
    assert "response_format" not in body


def test_no_format_no_change() -> None:
    assert "response_format" not in openai_compat.request_body(request(None))
    assert anthropic.request_body(request(None))["system"][0]["text"] == "be brief"


def test_the_format_is_part_of_the_cache_key() -> None:
    from tuichat.core.cache.key import ProviderIdentity, request_keys

    who = ProviderIdentity("openai-compat", "127.0.0.1:1")
    keys = {
        request_keys(request(fmt), who).key
        for fmt in (None, ResponseFormat.of(None), FORMAT, ResponseFormat.of({"type": "array"}))
    }
    assert len(keys) == 4
    assert request_keys(request(FORMAT), who) == request_keys(request(FORMAT), who)
